import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer } from '../src/adapters/node/server.js';
import { DEFAULT_CONFIG, type ResizerConfig } from '../src/core/config.js';
import { signPath } from '../src/core/signing.js';
import ACCEPT from './fixtures/accept-headers.json' with { type: 'json' };
import { scene, toBytes } from './helpers/images.js';

// The dev server as an attacker (or a careless folder) would try it: hidden files, non-images, a
// rebinding Host, clients that hang up, a flood, signatures, HEAD, and its command line.

const run = promisify(execFile);
let root: string;
let photo: Uint8Array;
let big: Uint8Array;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'edge-resizer-dev-'));
  photo = await toBytes(scene(600, 400).jpeg());
  big = await toBytes(scene(4000, 3000, 5).jpeg({ quality: 95 }));
  const files: Record<string, Uint8Array | string> = {
    'photo.jpg': photo,
    'big.jpg': big,
    '.env': 'AWS_SECRET_ACCESS_KEY=do-not-serve\n',
    '.git/config': '[core]\n',
    '.cache/hidden.jpg': photo,
    'notes.txt': 'not an image',
    'fake.jpg': 'text with an image name',
  };
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), bytes);
  }
}, 60_000);

async function serve(
  config: ResizerConfig = DEFAULT_CONFIG,
  extra: Partial<Parameters<typeof startServer>[0]> = {},
) {
  const lines: string[] = [];
  const server = await startServer({
    root,
    port: 0,
    config,
    onRequest: (line) => lines.push(line),
    ...extra,
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base, lines, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('only images, never hidden files', () => {
  let dev: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    dev = await serve();
  });
  afterAll(() => dev.close());

  test.each([
    '/.env',
    '/.git/config',
    '/.cache/hidden.jpg',
    '/.cache/hidden.jpg?width=10',
    '/notes.txt',
    '/fake.jpg?width=10',
    '/%2eenv',
  ])('%s is not found', async (url) => {
    const res = await fetch(dev.base + url);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('do-not-serve');
  });

  test('the index lists neither hidden folders nor non-images', async () => {
    const html = await (await fetch(`${dev.base}/`)).text();
    expect(html).toContain('/photo.jpg');
    expect(html).not.toContain('hidden.jpg');
    expect(html).not.toContain('.cache');
    expect(html).not.toContain('notes.txt');
    expect(html).not.toContain('fake.jpg');
  });
});

/** A raw request with any Host header (fetch would not let us forge one). */
function rawGet(base: string, target: string, host: string): Promise<number> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: target, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Host names: no DNS rebinding', () => {
  test('loopback names and IP literals are answered, other names refused', async () => {
    const dev = await serve();
    try {
      const port = new URL(dev.base).port;
      for (const host of [
        `localhost:${port}`,
        `127.0.0.1:${port}`,
        `[::1]:${port}`,
        `app.localhost:${port}`,
      ]) {
        expect(await rawGet(dev.base, '/photo.jpg', host), host).toBe(200);
      }
      for (const host of [`evil.example:${port}`, 'attacker.test', `localhost.evil.example:${port}`]) {
        expect(await rawGet(dev.base, '/photo.jpg', host), host).toBe(403);
      }
    } finally {
      await dev.close();
    }
  });

  test('the name given with --host is answered too', async () => {
    const dev = await serve(DEFAULT_CONFIG, { host: '127.0.0.1' });
    await dev.close();
    const named = await serve(DEFAULT_CONFIG, { host: 'localhost' });
    try {
      expect(await rawGet(named.base.replace('127.0.0.1', 'localhost'), '/photo.jpg', 'localhost')).toBe(200);
    } finally {
      await named.close();
    }
  });
});

/**
 * Clients that each send a request and hang up 20 ms later, from another process: in this one their
 * timers would wait for the server's own work (it resizes on this thread), as real clients never do.
 */
async function hangUps(base: string, targets: string[]): Promise<void> {
  const script = `
    const { request } = require('node:http');
    const [port, ...targets] = process.argv.slice(1);
    for (const path of targets) {
      const req = request({ host: '127.0.0.1', port, path });
      req.on('error', () => {});
      req.end(() => setTimeout(() => req.destroy(), 20));
    }`;
  await run(process.execPath, ['-e', script, new URL(base).port, ...targets]);
}

describe('load: the queue is bounded and work for gone clients is dropped', () => {
  test('requests whose clients hung up are never processed, and a cheap one is served', async () => {
    const dev = await serve();
    try {
      await hangUps(
        dev.base,
        Array.from({ length: 10 }, (_, i) => `/big.jpg?width=${3000 - i}`),
      );
      const res = await fetch(`${dev.base}/photo.jpg?width=50`);
      expect(res.status).toBe(200);
      const processed = dev.lines.filter(
        (line) => line.startsWith('GET /big.jpg') && !line.endsWith('dropped'),
      );
      expect(processed.length).toBeLessThanOrEqual(1); // at most the one already running
      expect(dev.lines.filter((line) => line.endsWith('dropped')).length).toBeGreaterThanOrEqual(9);
    } finally {
      await dev.close();
    }
  });

  test('past the queue bound: 503 with Retry-After, and the server recovers', async () => {
    const dev = await serve(DEFAULT_CONFIG, { maxQueued: 3 });
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => fetch(`${dev.base}/big.jpg?width=${1000 + i}`)),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(4);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
      expect(results.find((r) => r.status === 503)?.headers.get('retry-after')).toBe('1');
      expect((await fetch(`${dev.base}/photo.jpg?width=20`)).status).toBe(200);
    } finally {
      await dev.close();
    }
  }, 60_000);
});

describe('HEAD', () => {
  test('the GET status and headers, no body and no resize work', async () => {
    const dev = await serve();
    try {
      for (const [url, accept] of [
        ['/photo.jpg?width=100', ACCEPT.chrome],
        ['/photo.jpg?width=100&format=png', ACCEPT.curl],
        ['/photo.jpg?width=5000', ACCEPT.curl],
        ['/photo.jpg', ACCEPT.curl],
        ['/missing.jpg?width=10', ACCEPT.curl],
      ] as const) {
        const get = await fetch(dev.base + url, { headers: { accept } });
        await get.arrayBuffer();
        const head = await fetch(dev.base + url, { method: 'HEAD', headers: { accept } });
        expect(head.status, url).toBe(get.status);
        for (const name of [
          'content-type',
          'cache-control',
          'vary',
          'x-resizer-passthrough',
          'x-content-type-options',
        ]) {
          expect(head.headers.get(name), `${url} ${name}`).toBe(get.headers.get(name));
        }
        expect(head.headers.get('server-timing')).toBeNull();
        expect((await head.arrayBuffer()).byteLength).toBe(0);
      }
    } finally {
      await dev.close();
    }
  });
});

describe('signed URLs in the dev server', () => {
  test('required signatures: missing or wrong is 403, signed is served', async () => {
    const config: ResizerConfig = { ...DEFAULT_CONFIG, signing: { required: true } };
    const dev = await serve(config, { secret: 'dev-secret' });
    try {
      const signed = await signPath('/photo.jpg?width=120', 'dev-secret', config);
      const ok = await fetch(dev.base + signed);
      expect(ok.status).toBe(200);
      expect((await sharp(new Uint8Array(await ok.arrayBuffer())).metadata()).width).toBe(120);
      expect((await fetch(`${dev.base}/photo.jpg?width=120`)).status).toBe(403);
      expect((await fetch(`${dev.base}${signed.replace('width=120', 'width=121')}`)).status).toBe(403);
      const otherSecret = await signPath('/photo.jpg?width=120', 'other', config);
      expect((await fetch(dev.base + otherSecret)).status).toBe(403);
      expect((await fetch(`${dev.base}/photo.jpg`)).status).toBe(200); // the original needs no signature
    } finally {
      await dev.close();
    }
  });
});

// --- The command line: a child process per case, as a user runs it.

const CLI = path.resolve('dist/cli.js');

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function configFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'edge-resizer-cfg-')), 'edge-resizer.config.json');
  writeFileSync(file, content);
  return file;
}

/** `edge-resizer serve` as a child process, resolved once it prints its address. */
function serveProcess(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /on (http:\/\/\S+)/.exec(chunk.toString());
      if (match?.[1]) resolve(match[1].replace('localhost', '127.0.0.1'));
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { child, ready };
}

describe('edge-resizer serve', () => {
  test('a missing folder: one line, exit 2', async () => {
    const result = await cli(['serve', path.join(root, 'missing')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `edge-resizer: no folder ${path.join(root, 'missing')}`,
    ]);
  });

  test.each([
    ['{"alowedWidths":[320]}', 'unknown field alowedWidths'],
    ['{"formats":{"avif":"yes"}}', 'formats.avif'],
    ['{"allowedWidths":"320"}', 'allowedWidths'],
  ])('a bad configuration %s: one line naming the field, exit 2', async (content, field) => {
    const result = await cli(['serve', root, '--port', '0', '--config', configFile(content)]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(field);
  });

  test('signing required without a secret: refused at start', async () => {
    const result = await cli(
      ['serve', root, '--port', '0', '--config', configFile('{"signing":{"required":true}}')],
      {
        EDGE_RESIZER_SECRET: '',
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('EDGE_RESIZER_SECRET');
  });

  test('it honours the configuration file: allowlists apply', async () => {
    const { child, ready } = serveProcess([
      '--port',
      '0',
      '--config',
      configFile('{"allowedWidths":[320]}'),
      root,
    ]);
    try {
      const base = await ready;
      const refused = await fetch(`${base}/photo.jpg?width=321`);
      expect(refused.headers.get('x-resizer-passthrough')).toBe('width-not-allowed');
      const allowed = await fetch(`${base}/photo.jpg?width=320`);
      expect(allowed.headers.get('x-resizer-passthrough')).toBeNull();
    } finally {
      child.kill();
    }
  });

  test('the index reads file headers, not whole files: ten 100 MB images keep memory flat', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'edge-resizer-huge-'));
    for (let i = 0; i < 10; i++) {
      // A real JPEG followed by 100 MB of (sparse) zeros: an image the index lists.
      const fd = openSync(path.join(folder, `huge-${i}.jpg`), 'w');
      writeSync(fd, photo);
      writeSync(fd, new Uint8Array(1), 0, 1, 100 * 2 ** 20);
      closeSync(fd);
    }
    const { child, ready } = serveProcess(['--port', '0', folder]);
    try {
      const base = await ready;
      const html = await (await fetch(`${base}/`)).text();
      expect(html.match(/<section class="card">/g)).toHaveLength(10);
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
      expect(peakKiB * 1024).toBeLessThan(400 * 2 ** 20); // reading them whole would pass 1 GB
    } finally {
      child.kill();
    }
  }, 60_000);
});

// `edge-resizer sign` is tested in test/sign.test.ts.

describe('edge-resizer replay', () => {
  const event = (querystring: string) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'edge-resizer-ev-')), 'event.json');
    const spec = readFileSync('test/fixtures/events/cover.json', 'utf8');
    const parsed = JSON.parse(spec);
    parsed.Records[0].cf.request.uri = '/photo.jpg';
    parsed.Records[0].cf.request.querystring = querystring;
    writeFileSync(file, JSON.stringify(parsed));
    return file;
  };

  test('signing: unsigned is the viewer function 403, signed is resized', async () => {
    const config = configFile('{"signing":{"required":true}}');
    const env = { EDGE_RESIZER_SECRET: 'replay-secret' };
    const denied = await cli(
      ['replay', event('width=100'), '--origin', root, '--config', config, '--json'],
      env,
    );
    expect(denied.code).toBe(0);
    expect(JSON.parse(denied.stdout)).toMatchObject({ statusCode: 403 });
    const signed = await signPath('/photo.jpg?width=100', 'replay-secret', {
      ...DEFAULT_CONFIG,
      signing: { required: true },
    });
    const query = signed.slice(signed.indexOf('?') + 1);
    const served = await cli(['replay', event(query), '--origin', root, '--config', config, '--json'], env);
    const result = JSON.parse(served.stdout);
    expect(result.status).toBe('200');
    expect((await sharp(Buffer.from(result.body, 'base64')).metadata()).width).toBe(100);
  });

  test('a bad configuration: one line naming the field, exit 2', async () => {
    const result = await cli([
      'replay',
      event('width=100'),
      '--origin',
      root,
      '--config',
      configFile('{"snapWidth":true}'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^edge-resizer: \S+edge-resizer\.config\.json: Invalid configuration: unknown field snapWidth$/,
    );
  });
});
