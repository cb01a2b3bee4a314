import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { workerdConfig } from '../scripts/workerd-config.mjs';
import { untilAnswering } from './helpers/answering.js';
import { jpegBomb, pngBomb } from './helpers/bombs.js';

// The built Worker (dist/workers) under workerd, given 31 MiB hostile originals from an origin on
// loopback that makes them as they are sent: a refusal must cost the isolate what the header
// costs, not the original (the issue measured 143-175 MiB of growth, the whole body read first).

const WORKERD = 'node_modules/@cloudflare/workerd-linux-64/bin/workerd';
const MiB = 1024 * 1024;
const HOSTILE_BYTES = 31 * MiB;
const HEADERS: Record<string, Uint8Array> = {
  'bomb.png': pngBomb(6000, 5000),
  'small.jpg': jpegBomb(400, 300),
  'admitted.png': pngBomb(1000, 1000),
};

let origin: Server;
let worker: { child: ChildProcess; base: string };

beforeAll(async () => {
  origin = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const header = HEADERS[url.pathname.slice(1)];
    if (!header) return void res.writeHead(404).end();
    // No declared length: a declared 31 MiB is refused by the Worker's 10 MiB limit unread.
    res.writeHead(200, { 'content-type': 'image/png' });
    let sent = 0;
    const more = () => {
      while (sent < HOSTILE_BYTES) {
        const chunk = Buffer.alloc(Math.min(64 * 1024, HOSTILE_BYTES - sent), 0x5a);
        if (sent === 0) chunk.set(header);
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end();
    };
    res.on('close', () => {
      sent = HOSTILE_BYTES;
    });
    more();
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/`;
  const free = createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as AddressInfo).port;
  await new Promise<void>((resolve) => free.close(() => resolve()));
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-workerd-bodies-'));
  cpSync('dist/workers', dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.capnp'), workerdConfig({ dir, port, origin: originUrl }));
  const child = spawn(path.resolve(WORKERD), ['serve', path.join(dir, 'config.capnp')], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  await untilAnswering(base);
  worker = { child, base };
}, 60_000);

afterAll(async () => {
  worker?.child.kill();
  await new Promise((resolve) => origin?.close(resolve));
});

function memoryKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

test('31 MiB hostile originals are refused from the header, streamed through, with little growth', async () => {
  const pid = worker.child.pid as number;
  const idle = memoryKiB(pid, 'VmRSS');
  const cases = [
    ['bomb.png?width=800', 'too-many-pixels'],
    ['small.jpg?width=800', 'upscale'],
    ['admitted.png?width=500', 'input-too-large'],
  ];
  for (const [url, reason] of cases) {
    const started = performance.now();
    const response = await fetch(`${worker.base}/${url}`);
    const ms = performance.now() - started;
    expect(response.status).toBe(200);
    expect(response.headers.get('x-resizer-passthrough')).toBe(reason);
    expect((await response.arrayBuffer()).byteLength).toBe(HOSTILE_BYTES);
    if (reason !== 'input-too-large') expect(ms).toBeLessThan(500);
  }
  const growthMiB = (memoryKiB(pid, 'VmHWM') - idle) / 1024;
  // Measured 3.5 MiB after the two header refusals, 15.8 after the 10 MiB read of the third.
  expect(growthMiB).toBeLessThan(32);
}, 60_000);
