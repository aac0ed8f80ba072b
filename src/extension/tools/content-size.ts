/** The gzipped size of each built content script, against its limit (build.ts and a test check it). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CONTENT_SCRIPT_MAX_GZIP } from '../shared/keys.ts';

export interface ContentScriptSize {
  file: string;
  gzip: number;
  limit: number;
}

/** Sizes of `content-scripts/*.js` under each output directory (as gzip -9 would send them). */
export function contentScriptSizes(outputDirs: string[]): ContentScriptSize[] {
  return outputDirs.flatMap((dir) => {
    const scripts = join(dir, 'content-scripts');
    if (!existsSync(scripts)) return [];
    return readdirSync(scripts)
      .filter((f) => f.endsWith('.js'))
      .map((f) => {
        const file = join(scripts, f);
        return { file, gzip: gzipSync(readFileSync(file), { level: 9 }).length, limit: CONTENT_SCRIPT_MAX_GZIP };
      });
  });
}
