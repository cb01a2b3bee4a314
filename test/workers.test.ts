import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createFetchHandler } from '../src/adapters/fetch/handler.js';
import worker, {
  cacheKey,
  type Env,
  r2Origin,
  workerConfig,
  workerSecrets,
} from '../src/adapters/workers/index.js';
import { signPath } from '../src/core/signing.js';
import ACCEPT from './fixtures/accept-headers.json' with { type: 'json' };
import { scene, toBytes } from './helpers/images.js';

// The module worker's own parts, in-process: the R2 origin (with an in-memory bucket of R2's
// shape: the real R2 is not reachable here), the Cache API under the canonical URL, and the
// Worker's limits. test/runtimes.test.ts runs the built worker in workerd.

let photo: Uint8Array;
const reads: { key: string; range?: unknown }[] = [];

function bucket(objects: Record<string, Uint8Array>) {
  return {
    async get(key: string, options?: { range?: { offset: number; length: number } }) {
      reads.push({ key, range: options?.range });
      const bytes = objects[key];
      if (!bytes) return null;
      const part = options?.range ? bytes.subarray(0, options.range.length) : bytes;
      return {
        body: new Response(part as Uint8Array<ArrayBuffer>).body as ReadableStream<Uint8Array>,
        size: bytes.byteLength,
        httpEtag: '"etag-1"',
        httpMetadata: { contentType: 'image/jpeg', cacheControl: 'public, max-age=600' },
      };
    },
  };
}

/** The Cache API's shape over a Map, keyed by URL. */
function fakeCache() {
  const entries = new Map<string, Response>();
  return {
    entries,
    async match(request: Request) {
      return entries.get(request.url)?.clone();
    },
    async put(request: Request, response: Response) {
      entries.set(request.url, response);
    },
  };
}

const ctx = () => {
  const pending: Promise<unknown>[] = [];
  return { waitUntil: (p: Promise<unknown>) => void pending.push(p), pending };
};

beforeAll(async () => {
  photo = await toBytes(scene(800, 600).jpeg());
});

afterEach(() => {
  reads.length = 0;
  delete (globalThis as { caches?: unknown }).caches;
});

describe('R2 as the origin', () => {
  const env = (): Env => ({ IMAGES: bucket({ 'photos/cat.jpg': photo }) as never });

  test('a resize reads the object from the IMAGES bucket', async () => {
    const res = await worker.fetch(new Request('https://img.example/photos/cat.jpg?width=200'), env(), ctx());
    const meta = await sharp(new Uint8Array(await res.arrayBuffer())).metadata();
    expect([res.status, meta.width, meta.height, meta.format]).toEqual([200, 200, 150, 'jpeg']);
    expect(reads).toEqual([{ key: 'photos/cat.jpg', range: undefined }]);
  });

  test('a passthrough keeps the object metadata; a missing key is 404; HEAD reads a range', async () => {
    const original = await worker.fetch(new Request('https://img.example/photos/cat.jpg'), env(), ctx());
    expect(original.headers.get('x-resizer-passthrough')).toBe('no-parameters');
    expect(original.headers.get('cache-control')).toBe('public, max-age=600');
    expect(original.headers.get('etag')).toBe('"etag-1"');
    expect(Buffer.from(await original.arrayBuffer()).equals(Buffer.from(photo))).toBe(true);
    const missing = await worker.fetch(new Request('https://img.example/nope.jpg?width=10'), env(), ctx());
    expect(missing.status).toBe(404);
    reads.length = 0;
    const head = await worker.fetch(
      new Request('https://img.example/photos/cat.jpg?width=200', { method: 'HEAD' }),
      env(),
      ctx(),
    );
    expect([head.status, head.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    expect(reads).toEqual([{ key: 'photos/cat.jpg', range: { offset: 0, length: 262144 } }]);
  });

  test('r2Origin answers undefined for a missing object', async () => {
    const read = r2Origin(bucket({}) as never);
    expect(await read('x.jpg', { signal: AbortSignal.timeout(1000) })).toBeUndefined();
  });
});

describe('the Cache API, under the canonical URL', () => {
  test('every spelling of one variant shares one entry; the second is a hit', async () => {
    const cache = fakeCache();
    (globalThis as { caches?: unknown }).caches = { default: cache };
    const env: Env = { IMAGES: bucket({ 'cat.jpg': photo }) as never };
    const first = ctx();
    const a = await worker.fetch(
      new Request('https://img.example/cat.jpg?width=200&quality=80&utm=1', {
        headers: { accept: ACCEPT.chrome },
      }),
      env,
      first,
    );
    await Promise.all(first.pending);
    expect([...cache.entries.keys()]).toEqual(['https://img.example/cat.jpg?width=200&format=webp']);
    reads.length = 0;
    const b = await worker.fetch(
      new Request('https://img.example/cat.jpg?fit=cover&width=%32%30%30', {
        headers: { accept: ACCEPT.chrome },
      }),
      env,
      ctx(),
    );
    expect(reads).toEqual([]); // served from the cache
    expect(Buffer.from(await b.arrayBuffer()).equals(Buffer.from(await a.arrayBuffer()))).toBe(true);
  });

  test('spellings of one path share one entry, keyed by the canonical path', async () => {
    const cache = fakeCache();
    (globalThis as { caches?: unknown }).caches = { default: cache };
    const env: Env = { IMAGES: bucket({ 'my cat.jpg': photo }) as never };
    const spellings = [
      '/my%20cat.jpg',
      '/m%79%20cat.jpg',
      '/my%20c%61t.jpg',
      '/%6D%79%20%63%61%74%2E%6A%70%67',
    ];
    for (const spelling of spellings) {
      const pending = ctx();
      const res = await worker.fetch(new Request(`https://img.example${spelling}?width=200`), env, pending);
      expect(res.status, spelling).toBe(200);
      await Promise.all(pending.pending);
    }
    expect([...cache.entries.keys()]).toEqual(['https://img.example/my%20cat.jpg?width=200']);
    expect(reads.map((read) => read.key)).toEqual(['my cat.jpg']); // one resize, three hits
    const refused = await worker.fetch(new Request('https://img.example/a%2Fb.jpg?width=200'), env, ctx());
    expect([refused.status, refused.headers.get('x-resizer-passthrough')]).toEqual([404, 'invalid-key']);
  });

  test('originals are not cached by the worker', async () => {
    const cache = fakeCache();
    (globalThis as { caches?: unknown }).caches = { default: cache };
    const pending = ctx();
    await worker.fetch(
      new Request('https://img.example/cat.jpg?width=5000'),
      { IMAGES: bucket({ 'cat.jpg': photo }) as never },
      pending,
    );
    await Promise.all(pending.pending);
    expect(cache.entries.size).toBe(0);
  });

  test('with signing, the key is decided after the signature: a refused request has none', async () => {
    const config = workerConfig({ signing: { required: true } });
    expect(await cacheKey(new Request('https://img.example/cat.jpg?width=200'), config, 's')).toBeUndefined();
    const signed = await signPath('/cat.jpg?width=200', 's', config);
    const key = await cacheKey(new Request(`https://img.example${signed}`), config, 's');
    expect(key?.url).toBe('https://img.example/cat.jpg?width=200');
  });
});

describe('signed URLs in the Worker: expiry and key ids', () => {
  const SECRET = 'worker-default-secret-0123';
  const NEXT = 'worker-next-secret-456789';

  test('EDGE_RESIZER_SECRETS adds keys by id; an expired URL has no key and is 403', async () => {
    const config = workerConfig({ signing: { required: true } });
    const secrets = workerSecrets({ EDGE_RESIZER_SECRET: SECRET, EDGE_RESIZER_SECRETS: `y2026=${NEXT}` });
    const now = Math.floor(Date.now() / 1000);
    const next = await signPath('/cat.jpg?width=200', NEXT, config, { kid: 'y2026', expires: now + 60 });
    const key = await cacheKey(new Request(`https://img.example${next}`), config, secrets);
    expect(key?.url).toBe('https://img.example/cat.jpg?width=200');
    const expired = await signPath('/cat.jpg?width=200', NEXT, config, { kid: 'y2026', expires: now - 1 });
    expect(await cacheKey(new Request(`https://img.example${expired}`), config, secrets)).toBeUndefined();
    // The Worker's handler, with the Worker's secrets (the built Worker bakes its configuration).
    const handler = createFetchHandler({
      origin: r2Origin(bucket({ 'cat.jpg': photo }) as never),
      config,
      secret: secrets,
    });
    const statuses = [];
    for (const url of [next, expired])
      statuses.push((await handler(new Request(`https://img.example${url}`))).status);
    expect(statuses).toEqual([200, 403]);
    // Once y2026 is removed, its URLs are refused.
    const retired = workerSecrets({ EDGE_RESIZER_SECRET: SECRET, EDGE_RESIZER_SECRETS: `y2027=${SECRET}` });
    expect(await cacheKey(new Request(`https://img.example${next}`), config, retired)).toBeUndefined();
  });
});

test("the Worker's limits: 1.6 MP decoded by default, 1.2 MP with alpha, under what the build baked", () => {
  expect(workerConfig().limits.maxDecodedPixels).toBe(1_600_000);
  expect(workerConfig().limits.maxDecodedAlphaPixels).toBe(1_200_000);
  expect(workerConfig().limits.maxInputPixels).toBe(25_000_000);
  expect(workerConfig({ limits: { maxDecodedPixels: 4_000_000 } }).limits.maxDecodedPixels).toBe(4_000_000);
});
