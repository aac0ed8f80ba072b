/**
 * The README's Performance table is the results files' (bench/readme.ts writes it from
 * bench/results): a bench re-run without `npm run bench:readme`, or a figure edited by hand,
 * fails here, so each figure has one source.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { performanceTable, readResults, withTable } from '../../bench/readme.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe("the README's Performance table", () => {
  it('is what bench/results gives (npm run bench:readme)', () => {
    const readme = readFileSync(`${root}/README.md`, 'utf8');
    expect(readme).toBe(withTable(readme, performanceTable(readResults(root))));
  });

  it('follows the files: a new cluster run changes its row', () => {
    const results = readResults(root);
    results.cluster = { ...results.cluster, reconnectStorm: { ...results.cluster.reconnectStorm, allBackMs: 12_345 } };
    expect(performanceTable(results)).toMatch(/sessions back on the surviving node .*\| 12\.3 \|/);
  });
});
