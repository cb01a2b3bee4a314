/**
 * The bundle tests import dist/: a `vitest run` after a source change would otherwise test a stale
 * build, silently. Rebuild when any source, script or the configuration is newer than dist/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const STAMP = 'dist/build-config.json';
const INPUTS = ['src', 'scripts', 'wasm/build', 'package.json', 'edge-resizer.config.json'];

function newest(entry: string): number {
  if (!existsSync(entry)) return 0;
  const stats = statSync(entry);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(0, ...readdirSync(entry).map((name) => newest(path.join(entry, name))));
}

export function isStale(): boolean {
  if (!existsSync(STAMP) || !existsSync('dist/index.js') || !existsSync('dist/lambda-edge/index.mjs'))
    return true;
  const built = statSync(STAMP).mtimeMs;
  return INPUTS.some((entry) => newest(entry) > built);
}

export default function setup(): void {
  if (!isStale()) return;
  console.log('dist/ is older than its sources: building it first');
  execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { stdio: 'inherit' });
}
