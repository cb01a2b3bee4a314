/**
 * A folder as an origin. URL paths map to files strictly inside the root: `..` segments, encoded
 * slashes or backslashes, NUL bytes and symlinks that lead outside are refused.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** The file path for a URL path, or undefined when it is not a safe path inside the root. */
export function resolveInFolder(root: string, urlPath: string): string | undefined {
  const segments: string[] = [];
  for (const raw of urlPath.split('/')) {
    if (raw === '') continue;
    if (/%(2f|5c|00)/i.test(raw)) return undefined;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '.' || segment === '..' || /[\\/\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  if (segments.length === 0) return undefined;
  const base = path.resolve(root);
  const file = path.join(base, ...segments);
  return file.startsWith(base + path.sep) ? file : undefined;
}

/** Reads a file of the folder, or undefined when it does not exist or escapes the root via links. */
export async function readFromFolder(root: string, urlPath: string): Promise<Uint8Array | undefined> {
  const file = resolveInFolder(root, urlPath);
  if (!file) return undefined;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!realFile.startsWith(realRoot + path.sep)) return undefined;
    if (!(await stat(realFile)).isFile()) return undefined;
    return new Uint8Array(await readFile(realFile));
  } catch {
    return undefined;
  }
}
