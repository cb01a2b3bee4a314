import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { folderOrigin } from '../src/adapters/lambda-edge/folder-origin.js';
import { findInFolder, readHead, readWhole } from '../src/adapters/node/folder-origin.js';
import { startServer } from '../src/adapters/node/server.js';
import { DEFAULT_CONFIG } from '../src/core/config.js';
import { jpegBomb } from './helpers/bombs.js';
import { scene, toBytes } from './helpers/images.js';

// The dev server against what a folder or a client can do to it: a FIFO (or any non-regular file)
// named like an image, a client that never reads a large body, methods it does not serve. Each
// must leave the next request answered at once.

const HUGE_BYTES = 30 * 1024 * 1024;
const WRITE_TIMEOUT_MS = 500;
let root: string;
let dev: { base: string; close: () => Promise<void>; lines: string[] };

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'edge-resizer-dev-limits-'));
  writeFileSync(path.join(root, 'photo.jpg'), await toBytes(scene(300, 200).jpeg()));
  const huge = new Uint8Array(HUGE_BYTES).fill(0x5a);
  huge.set(jpegBomb(4000, 3000));
  writeFileSync(path.join(root, 'huge.jpg'), huge);
  execFileSync('mkfifo', [path.join(root, 'x.jpg')]);
  const lines: string[] = [];
  const server = await startServer({
    root,
    port: 0,
    config: DEFAULT_CONFIG,
    writeTimeoutMs: WRITE_TIMEOUT_MS,
    onRequest: (line) => lines.push(line),
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  dev = { base, close, lines };
}, 60_000);

afterAll(() => dev?.close());

/** A request that must be answered within `ms`, as a test failure rather than a hang. */
function quickly(url: string, ms = 3000, init: RequestInit = {}) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}

describe('a FIFO named x.jpg', () => {
  test.each(['/x.jpg', '/x.jpg?width=100', '/'])(
    '%s is answered at once, and the next request too',
    async (url) => {
      const response = await quickly(`${dev.base}${url}`);
      if (url === '/') {
        expect(response.status).toBe(200);
        expect(await response.text()).not.toContain('x.jpg');
      } else expect(response.status).toBe(404);
      expect((await quickly(`${dev.base}/photo.jpg?width=100`)).status).toBe(200);
    },
  );

  test('the folder origins treat it as absent, without waiting for a writer', async () => {
    expect(await findInFolder(root, '/x.jpg')).toBeUndefined();
    expect(await readHead(path.join(root, 'x.jpg'), 64)).toHaveLength(0);
    expect(await readWhole(path.join(root, 'x.jpg'))).toBeUndefined();
    const read = folderOrigin(root);
    const request = { key: 'x.jpg', s3: undefined, maxBytes: 1 << 20, signal: AbortSignal.timeout(1000) };
    expect(await read(request)).toBeUndefined();
    expect(await read({ ...request, firstBytes: 1024 })).toBeUndefined();
  });
});

describe('a client that never reads a 30 MB body', () => {
  test('the next request is answered at once, and the stalled socket is closed after the write timeout', async () => {
    const socket = connect(Number(new URL(dev.base).port), '127.0.0.1');
    let received = 0;
    let closed = false;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => undefined);
    socket.write('GET /huge.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    socket.pause(); // never read: the server's writes stall once the socket buffers fill
    await new Promise((resolve) => setTimeout(resolve, 200));

    const started = performance.now();
    const next = await quickly(`${dev.base}/photo.jpg?width=100`);
    expect(next.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);

    // Past the write timeout the server has given up on it: what arrives is only what was buffered.
    await new Promise((resolve) => setTimeout(resolve, WRITE_TIMEOUT_MS * 4));
    socket.resume();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(closed).toBe(true);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(HUGE_BYTES);
  });
});

describe('methods other than GET and HEAD', () => {
  test.each(['TRACE', 'PUT', 'DELETE', 'OPTIONS', 'PROPFIND'])(
    '%s is 405 with Allow: GET, HEAD',
    async (method) => {
      const { status, allow } = await new Promise<{ status?: number; allow?: string | undefined }>(
        (resolve, reject) => {
          const req = httpRequest(`${dev.base}/photo.jpg`, { method, timeout: 3000 }, (res) => {
            res.resume();
            resolve({ status: res.statusCode, allow: res.headers.allow });
          });
          req.on('error', reject).end();
        },
      );
      expect(status).toBe(405);
      expect(allow).toBe('GET, HEAD');
    },
  );
});
