import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { resolveEdgeConfig } from '../../src/adapters/lambda-edge/config.js';
import { folderOrigin } from '../../src/adapters/lambda-edge/folder-origin.js';
import { createHandler } from '../../src/adapters/lambda-edge/handler.js';
import { eitherOrigin, type Origin } from '../../src/adapters/lambda-edge/origin.js';
import { resolveInFolder } from '../../src/adapters/node/folder-origin.js';
import { decodeBody, header, violations } from '../helpers/cloudfront-contract.js';
import { originResponseEvent } from '../helpers/events.js';
import { scene, toBytes } from '../helpers/images.js';

// The handler's own failure paths, with origins that misbehave on purpose.
const config = resolveEdgeConfig({ fetchTimeoutMs: 100 });

async function run(origin: Origin, querystring = 'width=100') {
  const event = originResponseEvent({ uri: '/photo.jpg', querystring });
  const incoming = structuredClone(event.Records[0]?.cf.response) as NonNullable<
    (typeof event.Records)[0]
  >['cf']['response'];
  const result = await createHandler({ config, origin })(event);
  expect(violations(result, incoming)).toEqual([]);
  return result;
}

describe('origin failures pass the response through with a reason', () => {
  test('an origin slower than the fetch budget', async () => {
    const slow: Origin = ({ signal }) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    expect(header(await run(slow), 'x-resizer-passthrough')).toBe('origin-timeout');
  });

  test('an origin that errors', async () => {
    const broken: Origin = async () => {
      throw new Error('connection reset');
    };
    expect(header(await run(broken), 'x-resizer-passthrough')).toBe('origin-error');
  });

  test('an object that vanished', async () => {
    expect(header(await run(async () => undefined), 'x-resizer-passthrough')).toBe('origin-missing');
  });

  test('the origin is not read when nothing is asked', async () => {
    let reads = 0;
    const counting: Origin = async () => {
      reads++;
      return new Uint8Array();
    };
    for (const query of ['', 'utm=1', 'width=abc']) await run(counting, query);
    expect(reads).toBe(0);
  });

  test('an origin that works gives a resized image after all that', async () => {
    const bytes = await toBytes(scene(400, 300).jpeg());
    const result = await run(async () => bytes);
    expect(result.status).toBe('200');
    expect(header(result, 'content-type')).toBe('image/jpeg');
    const meta = await sharp(decodeBody(result)).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([100, 75, 'jpeg']);
  });
});

describe('a folder origin cannot be escaped', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'edge-resizer-jail-'));
  mkdirSync(path.join(root, 'inside'));
  writeFileSync(path.join(root, 'inside', 'ok.jpg'), 'inside');
  writeFileSync(path.join(root, 'secret.txt'), 'outside the served folder');
  symlinkSync(path.join(root, 'secret.txt'), path.join(root, 'inside', 'link.jpg'));
  const served = path.join(root, 'inside');

  test.each([
    ['/ok.jpg', path.join(served, 'ok.jpg')],
    ['/../secret.txt', undefined],
    ['/%2e%2e/secret.txt', undefined],
    ['/..%2fsecret.txt', undefined],
    ['/..%5csecret.txt', undefined],
    ['/ok.jpg%00.png', undefined],
    ['/a/%2E%2E/%2E%2E/secret.txt', undefined],
    ['/', undefined],
  ])('%s', (urlPath, resolved) => {
    expect(resolveInFolder(served, urlPath)).toBe(resolved);
  });

  test.each(['../secret.txt', 'link.jpg', '../inside/../secret.txt'])('key %s reads nothing', async (key) => {
    const origin = folderOrigin(served);
    expect(
      await origin({ key, s3: undefined, maxBytes: 1e6, signal: AbortSignal.timeout(1000) }),
    ).toBeUndefined();
  });
});

describe('policies decided before the origin is read', () => {
  test('a width outside the allowed list passes through without a read', async () => {
    let reads = 0;
    const counting: Origin = async () => {
      reads++;
      return toBytes(scene(400, 300).jpeg());
    };
    const strict = resolveEdgeConfig({ allowedWidths: [100, 200] });
    const event = originResponseEvent({ uri: '/photo.jpg', querystring: 'width=150' });
    const result = await createHandler({ config: strict, origin: counting })(event);
    expect(header(result, 'x-resizer-passthrough')).toBe('width-not-allowed');
    expect(reads).toBe(0);
    const snapping = resolveEdgeConfig({ allowedWidths: [100, 200], snapWidths: true });
    const snapped = await createHandler({ config: snapping, origin: counting })(event);
    expect(snapped.status).toBe('200');
    expect(reads).toBe(1);
  });

  test('a request over its time budget passes through with the reason', async () => {
    const bytes = await toBytes(scene(400, 300).jpeg());
    const late: Origin = () => new Promise((resolve) => setTimeout(() => resolve(bytes), 250));
    const tight = resolveEdgeConfig({ fetchTimeoutMs: 5000, timeBudgetMs: 100 });
    const result = await createHandler({ config: tight, origin: late })(
      originResponseEvent({ uri: '/photo.jpg', querystring: 'width=100' }),
    );
    expect(header(result, 'x-resizer-passthrough')).toBe('timeout');
  });
});

describe('a custom (HTTP) origin', () => {
  test('is read with a GET of the same URL and its custom headers; missing objects pass through', async () => {
    const { createServer } = await import('node:http');
    const bytes = await toBytes(scene(400, 300).jpeg());
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers['x-origin-secret']}`);
      if (req.url === '/static/photo.jpg' && req.headers['x-origin-secret'] === 's3cret') res.end(bytes);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const custom = {
      domainName: '127.0.0.1',
      port,
      protocol: 'http' as const,
      path: '/static',
      headers: { 'x-origin-secret': 's3cret' },
    };
    const refuseS3: Origin = async () => {
      throw new Error('not an S3 request');
    };
    const handler = createHandler({ config: resolveEdgeConfig(), origin: eitherOrigin(refuseS3) });
    try {
      const found = await handler(
        originResponseEvent({ uri: '/photo.jpg', querystring: 'width=200', custom }),
      );
      expect([found.status, header(found, 'content-type')]).toEqual(['200', 'image/jpeg']);
      const missing = await handler(
        originResponseEvent({ uri: '/nope.jpg', querystring: 'width=200', custom }),
      );
      expect(header(missing, 'x-resizer-passthrough')).toBe('origin-missing');
      expect(seen).toEqual(['/static/photo.jpg s3cret', '/static/nope.jpg s3cret']);
    } finally {
      server.close();
    }
  });
});
