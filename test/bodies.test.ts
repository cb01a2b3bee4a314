import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { createFetchHandler, type FetchHandlerOptions } from '../src/adapters/fetch/handler.js';
import { WORKER_LIMITS, workerConfig } from '../src/adapters/workers/index.js';
import { HEAD_PROBE_BYTES } from '../src/core/respond.js';
import { jpegBomb, pngBomb } from './helpers/bombs.js';
import { scene, toBytes } from './helpers/images.js';

// Bodies read only when needed: the fetch handler (and so the Worker, which wraps it) probes the
// original from its first bytes and reads the rest only for an admitted request. The originals here
// are streams that count what is pulled from them, made as they are read, so a test that read them
// whole would show it in both the count and the process's memory.

const MiB = 1024 * 1024;
const HOSTILE_BYTES = 31 * MiB;
const CHUNK = 64 * 1024;

interface Counted {
  pulled: number;
  cancelled: boolean;
}

/** `total` bytes: `header`, then junk, made chunk by chunk as the reader pulls them. */
function countedStream(header: Uint8Array, total: number, chunk = CHUNK) {
  const counted: Counted = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (counted.pulled >= total) return controller.close();
        const bytes = new Uint8Array(Math.min(chunk, total - counted.pulled)).fill(0x5a);
        const start = counted.pulled;
        if (start < header.length) bytes.set(header.subarray(start, start + bytes.length));
        counted.pulled += bytes.length;
        controller.enqueue(bytes);
      },
      cancel() {
        counted.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, counted };
}

/** An origin serving one streamed object per read, each read's count kept. */
function streamingOrigin(header: Uint8Array, total: number, options: { declare: boolean; chunk?: number }) {
  const reads: Counted[] = [];
  const origin: FetchHandlerOptions['origin'] = async () => {
    const { stream, counted } = countedStream(header, total, options.chunk);
    reads.push(counted);
    const headers: Record<string, string> = { 'content-type': 'image/png' };
    if (options.declare) headers['content-length'] = String(total);
    return new Response(stream, { headers });
  };
  return { origin, reads };
}

const get = (query: string) => new Request(`http://localhost/big.png?${query}`);

/** One image of a PNG header claiming width x height, then junk up to 31 MiB. */
async function refuse(
  config: FetchHandlerOptions['config'],
  header: Uint8Array,
  query: string,
  declare: boolean,
) {
  const { origin, reads } = streamingOrigin(header, HOSTILE_BYTES, { declare });
  const handler = createFetchHandler({ origin, config });
  const rss = process.memoryUsage.rss();
  const started = performance.now();
  const response = await handler(get(query));
  const ms = performance.now() - started;
  const growth = (process.memoryUsage.rss() - rss) / MiB;
  return { response, reads, ms, growth, pulled: reads[0]?.pulled ?? 0 };
}

describe('a refusal reads only the header', () => {
  // The first call loads the pipeline's modules: time is measured warm, as a running service is.
  beforeAll(async () => {
    const { origin } = streamingOrigin(pngBomb(6000, 5000), CHUNK, { declare: true });
    await (await createFetchHandler({ origin })(get('width=800'))).arrayBuffer();
  });

  test('31 MiB behind a 6000x5000 PNG header, declared length, default limits: too-many-pixels from its first chunk', async () => {
    const { response, pulled, ms, growth, reads } = await refuse({}, pngBomb(6000, 5000), 'width=800', true);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-resizer-passthrough')).toBe('too-many-pixels');
    // One chunk probed and one pulled ahead by the tee that keeps the original: 494 never pulled.
    expect(pulled).toBeLessThanOrEqual(2 * CHUNK);
    expect(growth).toBeLessThan(16);
    expect(ms).toBeLessThan(100);
    // The original is still served whole, streamed from where the probe stopped.
    expect(response.headers.get('content-length')).toBe(String(HOSTILE_BYTES));
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body.byteLength).toBe(HOSTILE_BYTES);
    expect(body.subarray(0, 24)).toEqual(pngBomb(6000, 5000).subarray(0, 24));
    expect(reads).toHaveLength(1);
  });

  test.each([
    ['a 6000x5000 PNG header', pngBomb(6000, 5000), 'width=800', 'too-many-pixels'],
    ['a 400x300 JPEG header asked to upscale', jpegBomb(400, 300), 'width=800', 'upscale'],
    ['unknown bytes', new Uint8Array(16).fill(7), 'width=800', 'unsupported-input'],
  ])(
    'the Worker, 31 MiB behind %s, no declared length: refused after the first chunks',
    async (_, header, query, reason) => {
      const { response, pulled, growth } = await refuse(workerConfig(), header, query, false);
      expect(response.headers.get('x-resizer-passthrough')).toBe(reason);
      expect(pulled).toBeLessThanOrEqual(2 * CHUNK);
      expect(growth).toBeLessThan(16);
      await response.body?.cancel();
    },
  );

  test('a client that leaves a refused original unread cancels the origin stream', async () => {
    const { response, reads } = await refuse({}, pngBomb(6000, 5000), 'width=800', true);
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    expect(reads[0]?.cancelled).toBe(true);
    expect(reads[0]?.pulled).toBeLessThanOrEqual(3 * CHUNK);
  });

  test('an admitted header with junk behind it stops at the Worker input limit, then streams the original', async () => {
    const { origin, reads } = streamingOrigin(pngBomb(1000, 1000), HOSTILE_BYTES, { declare: false });
    const handler = createFetchHandler({ origin, config: workerConfig() });
    const response = await handler(get('width=500'));
    expect(response.headers.get('x-resizer-passthrough')).toBe('input-too-large');
    expect(reads[0]?.pulled).toBeLessThanOrEqual(WORKER_LIMITS.maxInputBytes + 2 * CHUNK);
    expect(reads[0]?.cancelled).toBe(true);
    expect(reads[1]?.pulled).toBe(0); // the second read is streamed to the client as it reads
    await response.body?.cancel();
  });

  test('the Worker refuses a declared 31 MiB original without pulling a byte', async () => {
    const { response, pulled } = await refuse(workerConfig(), pngBomb(1000, 1000), 'width=500', true);
    expect(response.headers.get('x-resizer-passthrough')).toBe('input-too-large');
    expect(pulled).toBe(0);
    await response.body?.cancel();
  });
});

describe('an admitted original is read whole and resized', () => {
  /** A JPEG whose frame header sits behind `padding` bytes of an application segment. */
  async function jpegWithLeadingSegment(padding: number): Promise<Uint8Array> {
    const jpeg = await toBytes(scene(640, 480).jpeg());
    const segments: Uint8Array[] = [jpeg.subarray(0, 2)];
    for (let left = padding; left > 0; left -= 65533) {
      const length = Math.min(left, 65533);
      const app = new Uint8Array(length + 4);
      app.set([0xff, 0xef, (length + 2) >> 8, (length + 2) & 0xff]);
      segments.push(app);
    }
    segments.push(jpeg.subarray(2));
    return Buffer.concat(segments);
  }

  test.each([
    ['in one chunk', 0, 1 << 20],
    ['in 1,000-byte chunks', 0, 1000],
    ['with 100 KB before its frame header, in 1,000-byte chunks', 100_000, 1000],
  ])('a JPEG %s', async (_, padding, chunk) => {
    const jpeg = await jpegWithLeadingSegment(padding);
    const { origin, reads } = streamingOrigin(jpeg, jpeg.length, { declare: true, chunk });
    const response = await createFetchHandler({ origin, config: workerConfig() })(get('width=320'));
    expect(response.headers.get('x-resizer-passthrough')).toBeNull();
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(new Uint8Array(await response.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
    expect(reads[0]?.pulled).toBe(jpeg.length);
  });

  test('a header past the probe bytes is left to the transform, which reads the whole original', async () => {
    const jpeg = await jpegWithLeadingSegment(HEAD_PROBE_BYTES + 10_000);
    const { origin } = streamingOrigin(jpeg, jpeg.length, { declare: true });
    const response = await createFetchHandler({ origin })(get('width=320'));
    expect(response.headers.get('x-resizer-passthrough')).toBeNull();
    const meta = await sharp(new Uint8Array(await response.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
  });
});
