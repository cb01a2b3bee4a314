// Debian source packages, pinned by version and by the SHA-256 of their .dsc (which in turn pins the
// tarballs and Debian's patches: dpkg-source checks them while extracting). Fetched with
// `apt-get source --download-only` into a cache folder and extracted there once per version.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SOURCES = JSON.parse(readFileSync(path.join(here, 'debian', 'sources.json'), 'utf8'));

export function cacheDir() {
  return process.env.EDGE_RESIZER_DEBIAN_CACHE ?? path.join(homedir(), '.cache', 'edge-resizer', 'debian');
}

/** The extracted, patched source tree of one pinned package; downloads and extracts it when missing. */
export function sourceTree(name) {
  const pin = SOURCES[name];
  if (!pin) throw new Error(`No pinned Debian source for ${name}`);
  const dir = path.join(cacheDir(), `${name}_${pin.version.replace(/^\d+:/, '')}`);
  const tree = path.join(dir, 'tree');
  if (existsSync(path.join(tree, 'debian', 'changelog'))) return tree;
  mkdirSync(dir, { recursive: true });
  const dsc = path.join(dir, pin.dsc);
  if (!existsSync(dsc)) {
    try {
      execFileSync('apt-get', ['source', '--download-only', `${name}=${pin.version}`], {
        cwd: dir,
        stdio: 'pipe',
      });
    } catch (error) {
      throw new Error(
        `Could not download the Debian source of ${name} ${pin.version}: add "deb-src" to the Types of ` +
          `/etc/apt/sources.list.d/debian.sources and run apt-get update.\n${error.stderr ?? error}`,
      );
    }
  }
  const digest = createHash('sha256').update(readFileSync(dsc)).digest('hex');
  if (digest !== pin.sha256) throw new Error(`${pin.dsc}: SHA-256 ${digest}, pinned ${pin.sha256}`);
  execFileSync('dpkg-source', ['-x', pin.dsc, 'tree'], { cwd: dir, stdio: 'pipe' });
  return tree;
}
