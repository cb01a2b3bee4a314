import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EdgeConfig } from '../../src/adapters/lambda-edge/config.js';
import type { OriginResponseHandler } from '../../src/adapters/lambda-edge/handler.js';
import type { Origin } from '../../src/adapters/lambda-edge/origin.js';
import type { CloudFrontResponse } from '../../src/adapters/lambda-edge/types.js';
import { decodeBody, header, violations } from '../helpers/cloudfront-contract.js';
import { type EventSpec, originResponseEvent } from '../helpers/events.js';
import { scene, toBytes } from '../helpers/images.js';
import { S3RVER_CREDENTIALS, type S3Server, startS3 } from '../helpers/s3.js';

// Failures that stay small, through the built bundle: keys that try to leave the origin's prefix
// (against s3rver and a custom HTTP origin, both on loopback, with every request they receive
// recorded), a throttling S3, a hanging one, transient passthroughs, damaged originals, HEAD.

interface Bundle {
  config: EdgeConfig;
  createHandler(options: { config: EdgeConfig; origin: Origin }): OriginResponseHandler;
  s3Origin(options: { credentials: () => typeof S3RVER_CREDENTIALS; endpoint?: string }): Origin;
  eitherOrigin(s3: Origin): Origin;
}

let bundle: Bundle;
let photo: Uint8Array;
let s3: S3Server;
let proxy: Recorder;
let custom: Recorder;

/** A loopback HTTP server that records each request line, answering with `respond`. */
interface Recorder {
  url: string;
  port: number;
  seen: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

async function recorder(respond: (req: IncomingMessage, res: import('node:http').ServerResponse) => void) {
  const seen: Recorder['seen'] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    respond(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  } satisfies Recorder;
}

beforeAll(async () => {
  bundle = (await import(pathToFileURL(path.resolve('dist/lambda-edge/index.mjs')).href)) as Bundle;
  photo = await toBytes(scene(400, 300).jpeg({ quality: 85 }));
  const folder = mkdtempSync(path.join(tmpdir(), 'edge-resizer-prefix-'));
  for (const key of ['public/photo.jpg', 'private/secret.jpg', 'secret.jpg']) {
    mkdirSync(path.dirname(path.join(folder, key)), { recursive: true });
    writeFileSync(path.join(folder, key), photo);
  }
  s3 = await startS3('photos', folder);
  // Records what reaches S3, forwarding every request unchanged (Host included, so SigV4 holds).
  const target = new URL(s3.endpoint);
  proxy = await recorder((req, res) => {
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  custom = await recorder((req, res) => {
    if (req.headers['x-origin-secret'] !== 's3cr3t') return void res.writeHead(403).end();
    if (req.url === '/images/photo.jpg' || req.url === '/secret.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo);
      return;
    }
    res.writeHead(404).end();
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([s3?.close(), proxy?.close(), custom?.close()]);
});

function s3Handler(endpoint: string, overrides: Partial<EdgeConfig> = {}) {
  return bundle.createHandler({
    config: { ...bundle.config, ...overrides },
    origin: bundle.eitherOrigin(bundle.s3Origin({ credentials: () => S3RVER_CREDENTIALS, endpoint })),
  });
}

const s3Event = (spec: Partial<EventSpec> & { uri: string }) =>
  originResponseEvent({ querystring: 'width=100', domainName: 'photos.s3.us-east-1.amazonaws.com', ...spec });

describe('keys never leave the origin prefix', () => {
  test.each([
    '/x%2F..%2F..%2Fprivate%2Fsecret.jpg',
    '/..%2Fprivate%2Fsecret.jpg',
    '/%2e%2e/private/secret.jpg',
    '/a%5C..%5C..%5Cprivate%5Csecret.jpg',
    '/a\\..\\..\\private\\secret.jpg',
    '/photo.jpg/..%2F..%2Fprivate/secret.jpg',
    '/%00/../private/secret.jpg',
    'private/secret.jpg',
  ])('S3 with origin path /public: %s', async (uri) => {
    proxy.seen.length = 0;
    const event = s3Event({ uri, originPath: '/public' });
    const incoming = structuredClone(event.Records[0]?.cf.response) as CloudFrontResponse;
    const result = await s3Handler(proxy.url)(event);
    expect(violations(result, incoming)).toEqual([]);
    expect(header(result, 'x-resizer-passthrough')).toBe('invalid-key');
    expect(proxy.seen).toEqual([]); // nothing was signed or sent
  });

  test('a good key under the prefix is read from there', async () => {
    proxy.seen.length = 0;
    const result = await s3Handler(proxy.url)(s3Event({ uri: '/photo.jpg', originPath: '/public' }));
    expect(header(result, 'content-type')).toBe('image/jpeg');
    expect(proxy.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /photos/public/photo.jpg']);
  });

  const customEvent = (uri: string) =>
    originResponseEvent({
      uri,
      querystring: 'width=100',
      custom: {
        domainName: '127.0.0.1',
        port: custom.port,
        protocol: 'http',
        path: '/images',
        headers: { 'x-origin-secret': 's3cr3t' },
      },
    });

  test.each([
    '/a\\..\\..\\secret.jpg',
    '/a%5C..%5C..%5Csecret.jpg',
    '/..%2Fsecret.jpg',
    '/%2E%2E/secret.jpg',
    '//127.0.0.1/secret.jpg',
    '@127.0.0.2/secret.jpg',
    'secret.jpg',
  ])('custom origin with path /images: %s', async (uri) => {
    custom.seen.length = 0;
    const handler = bundle.createHandler({
      config: bundle.config,
      origin: bundle.eitherOrigin(async () => undefined),
    });
    const result = await handler(customEvent(uri));
    expect(header(result, 'x-resizer-passthrough')).toBe('invalid-key');
    expect(custom.seen).toEqual([]); // the secret header went nowhere
  });

  test('a good key at the custom origin carries its header to its path only', async () => {
    custom.seen.length = 0;
    const handler = bundle.createHandler({
      config: bundle.config,
      origin: bundle.eitherOrigin(async () => undefined),
    });
    const result = await handler(customEvent('/photo.jpg'));
    expect(header(result, 'content-type')).toBe('image/jpeg');
    expect(custom.seen.map((r) => r.url)).toEqual(['/images/photo.jpg']);
  });
});

describe('origin reads: one retry at most, inside the budget', () => {
  test('S3 answering 503 SlowDown: two GETs, then the original, briefly cached', async () => {
    const throttled = await recorder((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code></Error>');
    });
    try {
      const started = performance.now();
      const result = await s3Handler(throttled.url)(s3Event({ uri: '/photo.jpg' }));
      const elapsed = performance.now() - started;
      expect(header(result, 'x-resizer-passthrough')).toBe('origin-error');
      expect(header(result, 'cache-control')).toBe('public, max-age=10');
      expect(throttled.seen).toHaveLength(2);
      expect(elapsed).toBeLessThan(bundle.config.fetchTimeoutMs);
    } finally {
      await throttled.close();
    }
  });

  test('one 503, then the object: served, two GETs', async () => {
    let calls = 0;
    const flaky = await recorder((req, res) => {
      calls++;
      if (calls === 1) return void res.writeHead(503).end();
      const forward = httpRequest(
        {
          host: '127.0.0.1',
          port: new URL(s3.endpoint).port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(forward);
    });
    try {
      const result = await s3Handler(flaky.url)(s3Event({ uri: '/public/photo.jpg' }));
      expect(header(result, 'content-type')).toBe('image/jpeg');
      expect(flaky.seen).toHaveLength(2);
    } finally {
      await flaky.close();
    }
  });

  test('a hanging S3: one GET, given up at the fetch budget, no retry past it', async () => {
    const hanging = await recorder(() => undefined);
    try {
      const started = performance.now();
      const result = await s3Handler(hanging.url, { fetchTimeoutMs: 300 })(s3Event({ uri: '/photo.jpg' }));
      expect(header(result, 'x-resizer-passthrough')).toBe('origin-timeout');
      expect(header(result, 'cache-control')).toBe('public, max-age=10');
      expect(hanging.seen).toHaveLength(1);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await hanging.close();
    }
  });

  test('a 503 whose retry would outlast the budget stops at the budget', async () => {
    const slow = await recorder((_req, res) => {
      setTimeout(() => res.writeHead(503).end(), 250);
    });
    try {
      const started = performance.now();
      const result = await s3Handler(slow.url, { fetchTimeoutMs: 300 })(s3Event({ uri: '/photo.jpg' }));
      expect(header(result, 'x-resizer-passthrough')).toBe('origin-timeout');
      expect(slow.seen.length).toBeLessThanOrEqual(2);
      expect(performance.now() - started).toBeLessThan(1500);
    } finally {
      await slow.close();
    }
  });
});

describe('cache hygiene of passthroughs', () => {
  test.each([
    ['transient: the origin failed', { uri: '/photo.jpg' }, 'origin-error', 'public, max-age=10'],
    [
      'deterministic: upscale keeps the origin caching',
      { uri: '/public/photo.jpg', querystring: 'width=5000' },
      'upscale',
      'max-age=31536000',
    ],
    [
      'deterministic: invalid parameter',
      { uri: '/public/photo.jpg', querystring: 'width=abc' },
      'invalid-parameter',
      'max-age=31536000',
    ],
  ])('%s', async (_name, spec, reason, cacheControl) => {
    const failing = await recorder((_req, res) => void res.writeHead(500).end());
    try {
      const endpoint = reason === 'origin-error' ? failing.url : proxy.url;
      const event = s3Event({
        ...spec,
        responseHeaders: { 'cache-control': 'max-age=31536000', expires: 'Thu, 26 Nov 2027 00:00:00 GMT' },
      });
      const result = await s3Handler(endpoint)(event);
      expect(header(result, 'x-resizer-passthrough')).toBe(reason);
      expect(header(result, 'cache-control')).toBe(cacheControl);
      expect(header(result, 'expires') === undefined).toBe(reason === 'origin-error');
    } finally {
      await failing.close();
    }
  });
});

describe('damaged originals are refused, as sharp refuses them', () => {
  test.each([
    ['a JPEG cut at 40%', 'jpeg', (b: Uint8Array) => b.slice(0, Math.floor(b.length * 0.4))],
    ['a JPEG cut before its end marker', 'jpeg', (b: Uint8Array) => b.slice(0, b.length - 2000)],
    ['a JPEG with junk in its scan', 'jpeg', (b: Uint8Array) => spliceJunk(b)],
    ['a PNG cut at 60%', 'png', (b: Uint8Array) => b.slice(0, Math.floor(b.length * 0.6))],
    ['a WebP cut at 60%', 'webp', (b: Uint8Array) => b.slice(0, Math.floor(b.length * 0.6))],
  ] as const)('%s: corrupt-input, the original served', async (_name, format, damage) => {
    const whole = await toBytes(scene(1200, 900, 3)[format]());
    const damaged = damage(whole);
    await expect(sharp(damaged).resize(100).toBuffer()).rejects.toThrow(); // sharp refuses it too
    const handler = bundle.createHandler({ config: bundle.config, origin: async () => damaged });
    const result = await handler(s3Event({ uri: `/photo.${format}` }));
    expect(header(result, 'x-resizer-passthrough')).toBe('corrupt-input');
    expect(result.body).toBeUndefined();
  });

  test("failOn: 'error' resizes what decodes of a truncated JPEG", async () => {
    const whole = await toBytes(scene(1200, 900, 3).jpeg());
    const cut = whole.slice(0, Math.floor(whole.length * 0.6));
    const handler = bundle.createHandler({
      config: { ...bundle.config, failOn: 'error' },
      origin: async () => cut,
    });
    const result = await handler(s3Event({ uri: '/photo.jpg' }));
    const meta = await sharp(decodeBody(result)).metadata();
    expect([meta.width, meta.height]).toEqual([100, 75]);
  });
});

/** Overwrites bytes in the middle of the entropy-coded data with marker-like junk. */
function spliceJunk(jpeg: Uint8Array): Uint8Array {
  const out = jpeg.slice();
  const at = Math.floor(out.length * 0.5);
  out.set([0xff, 0xd0, 0x00, 0x00, 0xff, 0xd7, 0x12, 0x34], at);
  return out;
}

describe('HEAD', () => {
  test('the headers the GET would give, no body, no resize work, only the header bytes read', async () => {
    proxy.seen.length = 0;
    const get = await s3Handler(proxy.url)(
      s3Event({ uri: '/public/photo.jpg', querystring: 'width=100&format=webp' }),
    );
    proxy.seen.length = 0;
    const event = s3Event({ uri: '/public/photo.jpg', querystring: 'width=100&format=webp' });
    (event.Records[0] as { cf: { request: { method: string } } }).cf.request.method = 'HEAD';
    const incoming = structuredClone(event.Records[0]?.cf.response) as CloudFrontResponse;
    const head = await s3Handler(proxy.url)(event);
    expect(violations(head, incoming)).toEqual([]);
    expect(head.status).toBe('200');
    expect(head.body).toBeUndefined();
    for (const name of ['content-type', 'cache-control', 'x-content-type-options', 'etag']) {
      expect(header(head, name)).toBe(header(get, name));
    }
    expect(header(head, 'content-length')).toBeUndefined();
    expect(header(head, 'server-timing')).toBeUndefined(); // no work was done
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]?.headers.range).toBe('bytes=0-262143');
  });

  test('a HEAD the GET would refuse carries the same reason', async () => {
    const event = s3Event({ uri: '/public/photo.jpg', querystring: 'width=5000' });
    (event.Records[0] as { cf: { request: { method: string } } }).cf.request.method = 'HEAD';
    const head = await s3Handler(proxy.url)(event);
    expect(header(head, 'x-resizer-passthrough')).toBe('upscale');
  });
});
