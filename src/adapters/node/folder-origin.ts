/**
 * A folder as an origin. URL paths map to files strictly inside the root: unsafe segments (see
 * core/keys.ts), hidden names (a segment starting with `.`, such as `.env` or `.git`) and symlinks
 * that lead outside are refused. Files are opened first and read only as far as needed; anything but
 * a regular file (a FIFO, a device, a socket named `x.jpg`) is not there, and opening never waits.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { encodeKey, pathSegments } from '../../core/keys.js';
import { INPUT_MIME_TYPES, sniffFormat } from '../../core/probe.js';
import type { OriginFunction } from '../fetch/handler.js';

/** The file path for a URL path, or undefined when it is not a safe, visible path inside the root. */
export function resolveInFolder(root: string, urlPath: string): string | undefined {
  const segments = pathSegments(urlPath);
  if (segments === undefined || segments.some((segment) => segment.startsWith('.'))) return undefined;
  const base = path.resolve(root);
  const file = path.join(base, ...segments);
  return file.startsWith(base + path.sep) ? file : undefined;
}

export interface FolderFile {
  /** The real path of a regular file inside the root. */
  file: string;
  size: number;
}

/** The file behind a URL path, or undefined when it does not exist or escapes the root via links. */
export async function findInFolder(root: string, urlPath: string): Promise<FolderFile | undefined> {
  const file = resolveInFolder(root, urlPath);
  if (!file) return undefined;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!realFile.startsWith(realRoot + path.sep)) return undefined;
    const opened = await openRegular(realFile);
    if (!opened) return undefined;
    await opened.handle.close();
    return { file: realFile, size: opened.size };
  } catch {
    return undefined;
  }
}

/**
 * A regular file opened for reading, or undefined for anything else. Non-blocking, because opening a
 * FIFO for reading waits for a writer, forever, holding one of libuv's four file threads; the flag
 * changes nothing for a regular file's reads.
 */
export async function openRegular(file: string): Promise<{ handle: FileHandle; size: number } | undefined> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const stats = await handle.stat().catch(() => undefined);
  if (stats?.isFile()) return { handle, size: stats.size };
  await handle.close();
  return undefined;
}

/** The first `length` bytes of a file (fewer when it is shorter; none when it is not a regular file). */
export async function readHead(file: string, length: number): Promise<Uint8Array> {
  const opened = await openRegular(file);
  if (!opened) return new Uint8Array(0);
  const { handle } = opened;
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A whole file, or undefined when it cannot be read. */
export async function readWhole(file: string): Promise<Uint8Array | undefined> {
  try {
    const opened = await openRegular(file);
    if (!opened) return undefined;
    const { handle } = opened;
    try {
      return new Uint8Array(await handle.readFile());
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** Reads a file of the folder, or undefined when it does not exist or is not a safe path. */
export async function readFromFolder(root: string, urlPath: string): Promise<Uint8Array | undefined> {
  const found = await findInFolder(root, urlPath);
  return found ? readWhole(found.file) : undefined;
}

/** Enough bytes to recognise any format we know (SVG's opening tag may follow a comment). */
const SNIFF_BYTES = 4096;

/**
 * The folder as the fetch handler's origin: images only (files whose bytes are a format we know,
 * served with its media type), never hidden names, streamed rather than read whole.
 */
export function folderImages(root: string): OriginFunction {
  return async (key, { firstBytes }) => {
    const found = await findInFolder(root, `/${encodeKey(key)}`);
    if (!found) return undefined;
    const format = sniffFormat(await readHead(found.file, SNIFF_BYTES));
    if (!format) return undefined;
    const type = INPUT_MIME_TYPES[format];
    if (firstBytes !== undefined) {
      const head = await readHead(found.file, firstBytes);
      return new Response(head as Uint8Array<ArrayBuffer>, {
        status: 206,
        headers: { 'content-type': type },
      });
    }
    // The file is opened again here: it may have been replaced by anything since it was found.
    const opened = await openRegular(found.file);
    if (!opened) return undefined;
    const body = Readable.toWeb(opened.handle.createReadStream()) as ReadableStream<Uint8Array>;
    return new Response(body, { headers: { 'content-type': type, 'content-length': String(opened.size) } });
  };
}
