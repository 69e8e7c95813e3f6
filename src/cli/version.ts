/**
 * The installed package's version, for `webrerank --version`: read from the package.json above
 * this file, wherever it runs from (dist/src/cli/ in the package, src/cli/ in this repository).
 */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  for (let up = new URL('../', import.meta.url); up.pathname !== '/'; up = new URL('../', up)) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', up), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'webrerank' && manifest.version) return manifest.version;
    } catch {
      // not here: look one folder up
    }
  }
  return 'unknown';
}
