import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer } from '../src/adapters/node/server.js';
import { DEFAULT_CONFIG, type ResizerConfig } from '../src/core/config.js';
import { hmacBase64url, secretProblem, secretsFromEnvironment, signPath } from '../src/core/signing.js';
import { scene, toBytes } from './helpers/images.js';

// Signed URLs outside CloudFront: `edge-resizer sign` as a user runs it (the built CLI), and the dev
// server checking expiry and key ids as the viewer function does (test/infra/viewer-function.test.ts
// runs the same URLs under njs).

const CLI = path.resolve('dist/cli.js');
const run = promisify(execFile);
const SIGNED: ResizerConfig = { ...DEFAULT_CONFIG, signing: { required: true } };
const SECRET = 'a-real-looking-secret-0123456789';
const NEXT = 'the-next-secret-after-rotation-42';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, EDGE_RESIZER_SECRET: '', EDGE_RESIZER_SECRETS: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function configFile(content: object): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'edge-resizer-cfg-')), 'edge-resizer.config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const querySig = (url: string) => new URL(url, 'https://x').searchParams;

describe('edge-resizer sign', () => {
  test('prints the signed canonical request; the secret comes from EDGE_RESIZER_SECRET', async () => {
    const result = await cli(['sign', '/photos/cat.jpg?quality=80&width=500&utm=x'], {
      EDGE_RESIZER_SECRET: SECRET,
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\/photos\/cat\.jpg\?width=500&sig=[A-Za-z0-9_-]{43}$/);
    expect(result.stdout.trim()).toBe(await signPath('/photos/cat.jpg?width=500', SECRET, DEFAULT_CONFIG));
  });

  test('signs the path as the viewer function sees it: /photos/my cat.jpg as /photos/my%20cat.jpg', async () => {
    const config = configFile({ signing: { required: true } });
    for (const spelling of ['/photos/my cat.jpg', '/photos/my%20cat.jpg', '/%70hotos/my%20c%61t.jpg']) {
      const result = await cli(['sign', `${spelling}?width=100`, '--config', config], {
        EDGE_RESIZER_SECRET: SECRET,
      });
      expect(result.code, result.stderr).toBe(0);
      const message = '/photos/my%20cat.jpg?width=100';
      expect(result.stdout.trim()).toBe(`${message}&sig=${await hmacBase64url(SECRET, message)}`);
      expect(result.stderr).toBe(''); // signing is on: no note
    }
  });

  test('--expires (seconds, a duration, a date) and --key-id are signed after the query', async () => {
    const now = Math.floor(Date.now() / 1000);
    const env = { EDGE_RESIZER_SECRET: SECRET, EDGE_RESIZER_SECRETS: `y2026=${NEXT}` };
    const cases: [string[], number][] = [
      [['--expires', '3600'], 3600],
      [['--expires', '15m'], 900],
      [['--expires', '12h'], 43_200],
      [['--expires', '7d'], 604_800],
    ];
    for (const [args, seconds] of cases) {
      const result = await cli(['sign', '/a.jpg?width=10', ...args, '--key-id', 'y2026'], env);
      expect(result.code, result.stderr).toBe(0);
      const params = querySig(result.stdout.trim());
      const expires = Number(params.get('expires'));
      expect(expires - now).toBeGreaterThanOrEqual(seconds);
      expect(expires - now).toBeLessThanOrEqual(seconds + 5);
      expect(params.get('kid')).toBe('y2026');
      const message = `/a.jpg?width=10&expires=${expires}&kid=y2026`;
      expect(params.get('sig')).toBe(await hmacBase64url(NEXT, message)); // the key id's secret
    }
    const dated = await cli(['sign', '/a.jpg?width=10', '--expires', '2099-01-01T00:00:00Z'], env);
    expect(querySig(dated.stdout.trim()).get('expires')).toBe('4070908800');
  });

  test('without signing required, it still signs and says in one line that nothing checks it', async () => {
    const result = await cli(['sign', '/a.jpg?width=10'], { EDGE_RESIZER_SECRET: SECRET });
    expect(result.code).toBe(0);
    expect(result.stderr.trim()).toBe(
      'edge-resizer: note: signing.required is off in this configuration, so nothing checks this signature',
    );
  });

  const HINT = 'e.g. $(openssl rand -base64 32), the value stored in the key value store';
  test.each([
    [
      'no secret, signing not required',
      ['sign', '/a.jpg?width=5'],
      {},
      `edge-resizer: no signing secret: set EDGE_RESIZER_SECRET to the secret the edge checks with (${HINT})`,
    ],
    [
      "the README's old placeholder",
      ['sign', '/a.jpg?width=5'],
      { EDGE_RESIZER_SECRET: '...' },
      `edge-resizer: EDGE_RESIZER_SECRET looks like a placeholder: set a random secret (${HINT})`,
    ],
    [
      'a short secret',
      ['sign', '/a.jpg?width=5'],
      { EDGE_RESIZER_SECRET: 'hunter2' },
      `edge-resizer: EDGE_RESIZER_SECRET is 7 characters; use at least 16: set a random secret (${HINT})`,
    ],
    [
      'a key id without its secret',
      ['sign', '/a.jpg?width=5', '--key-id', 'y2027'],
      { EDGE_RESIZER_SECRET: SECRET, EDGE_RESIZER_SECRETS: `y2026=${NEXT}` },
      `edge-resizer: no secret for key id 'y2027': add y2027=SECRET to EDGE_RESIZER_SECRETS (${HINT})`,
    ],
    [
      'a malformed key id',
      ['sign', '/a.jpg?width=5', '--key-id', 'a/b'],
      { EDGE_RESIZER_SECRETS: `a/b=${NEXT}` },
      "edge-resizer: Expected id=secret in EDGE_RESIZER_SECRETS (an id of 1-32 letters, digits, - or _) but received the id 'a/b'",
    ],
    [
      'an expiry in the past',
      ['sign', '/a.jpg?width=5', '--expires', '2001-01-01'],
      { EDGE_RESIZER_SECRET: SECRET },
      'edge-resizer: --expires 2001-01-01 is not in the future',
    ],
    [
      'an expiry that is no time',
      ['sign', '/a.jpg?width=5', '--expires', 'soon'],
      { EDGE_RESIZER_SECRET: SECRET },
      "edge-resizer: Expected seconds (3600), a duration (15m, 12h, 7d) or a date (2027-01-31T00:00:00Z) for --expires but received 'soon'",
    ],
    [
      'an invalid value',
      ['sign', '/a.jpg?width=abc'],
      { EDGE_RESIZER_SECRET: SECRET },
      "edge-resizer: Expected integer between 1 and 16383 for width but received 'abc'",
    ],
    [
      'a path the origin refuses',
      ['sign', '/a/../b.jpg?width=5'],
      { EDGE_RESIZER_SECRET: SECRET },
      "edge-resizer: Expected a path of plain names starting with / (no empty, . or .. segment, no encoded / or \\, escapes well-formed) but received '/a/../b.jpg'",
    ],
  ] as const)('%s: one line, exit 2', async (_name, args, env, message) => {
    const result = await cli([...args], env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(message);
  });

  test('placeholders and short secrets are named; random ones pass', () => {
    for (const secret of [
      '...',
      'xxxxxxxxxxxxxxxxxxxx',
      '<your secret>',
      'changeme-changeme',
      'YOUR_SECRET_HERE_1234',
    ]) {
      expect(secretProblem(secret), secret).toBe('looks like a placeholder');
    }
    expect(secretProblem('s3cret')).toBe('is 6 characters; use at least 16');
    expect(secretProblem('q8Yx1c7VZ3oHfV0m0mJtq5bHj8H2k1Zr/9p8XrQ4c6s=')).toBeUndefined();
  });

  test('EDGE_RESIZER_SECRETS: id=secret pairs, the default key under the empty id', () => {
    expect(secretsFromEnvironment('d', 'a=x=y, b_2=z ,')).toEqual({ '': 'd', a: 'x=y', b_2: 'z' });
    expect(() => secretsFromEnvironment(undefined, 'nokey-but-a-secret')).toThrow(
      /received an entry without '='$/,
    );
    expect(() => secretsFromEnvironment(undefined, 'a= ')).toThrow(/received no secret for 'a'$/);
  });
});

describe('the dev server checks expiry and key ids as the viewer function does', () => {
  let root: string;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'edge-resizer-sign-'));
    writeFileSync(path.join(root, 'photo.jpg'), await toBytes(scene(600, 400).jpeg()));
    writeFileSync(path.join(root, 'my cat.jpg'), await toBytes(scene(600, 400).jpeg()));
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
  });

  async function serve(secret: Parameters<typeof startServer>[0]['secret']) {
    const server = await startServer({ root, port: 0, config: SIGNED, secret });
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  test('an expired URL is 403; one ahead is resized; a stretched expires is 403', async () => {
    const base = await serve(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const ahead = await signPath('/photo.jpg?width=120', SECRET, SIGNED, { expires: now + 60 });
    const past = await signPath('/photo.jpg?width=120', SECRET, SIGNED, { expires: now - 1 });
    const ok = await fetch(base + ahead);
    expect(ok.status).toBe(200);
    expect((await sharp(new Uint8Array(await ok.arrayBuffer())).metadata()).width).toBe(120);
    const expired = await fetch(base + past);
    expect([expired.status, (await expired.text()).trim()]).toEqual([403, 'Forbidden: Expired']);
    const stretched = ahead.replace(`expires=${now + 60}`, `expires=${now + 86_400}`);
    expect((await fetch(base + stretched)).status).toBe(403);
  });

  test('rotation: the old key id works until it is removed; URLs without kid use the default key', async () => {
    const old = await signPath('/photo.jpg?width=100', SECRET, SIGNED, { kid: 'y2025' });
    const plain = await signPath('/photo.jpg?width=100', SECRET, SIGNED);
    const next = await signPath('/photo.jpg?width=110', NEXT, SIGNED, { kid: 'y2026' });
    const status = async (base: string) =>
      Promise.all([old, plain, next].map(async (url) => (await fetch(base + url)).status));
    const both = await serve(secretsFromEnvironment(SECRET, `y2025=${SECRET},y2026=${NEXT}`));
    expect(await status(both)).toEqual([200, 200, 200]);
    const retired = await serve(secretsFromEnvironment(undefined, `y2026=${NEXT}`));
    expect(await status(retired)).toEqual([403, 403, 200]);
  });

  test('spellings of a signed path share its signature and its object', async () => {
    const base = await serve(SECRET);
    const signed = await signPath('/my cat.jpg?width=90', SECRET, SIGNED);
    expect(signed.startsWith('/my%20cat.jpg?width=90&sig=')).toBe(true);
    const query = signed.slice(signed.indexOf('?'));
    for (const spelling of ['/my%20cat.jpg', '/my%20c%61t.jpg', '/%6Dy%20cat.jpg']) {
      const res = await fetch(base + spelling + query);
      expect(res.status, spelling).toBe(200);
      expect((await sharp(new Uint8Array(await res.arrayBuffer())).metadata()).width).toBe(90);
    }
    const refused = await fetch(`${base}/a%2Fb.jpg${query}`);
    expect([refused.status, refused.headers.get('x-resizer-passthrough')]).toEqual([404, 'invalid-key']);
  });
});
