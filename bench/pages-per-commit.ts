/**
 * Diagnostic: which SQLite B-trees one invite and one accept write (pages.ts).
 *
 *   npx tsx bench/pages-per-commit.ts [pairs=200]
 *
 * Prints the WAL pages per invite and per accept by B-tree (averaged over the pairs, after
 * a warm-up that makes the tables a few levels deep), and the WAL bytes per pair.
 */
import { measurePages } from './pages.ts';

const r = await measurePages(Number(process.argv[2] ?? 200), 2000);
console.log(`pairs ${r.pairs}, page size ${r.pageSize}, WAL bytes per pair ${r.walBytesPerPair}, ${r.pagesPerCommit} pages per commit`);
for (const kind of ['invite', 'accept'] as const) {
  console.log(`${kind}: ${r[kind].pages} pages in ${r[kind].commits} commits (${r[kind].pagesPerCommit} per commit)`);
  for (const { tree, pages } of r[kind].byTree) console.log(`  ${String(pages).padStart(6)}  ${tree}`);
}
console.log(`average row bytes: ${JSON.stringify(r.rowBytes)}`);
