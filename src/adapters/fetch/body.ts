/**
 * An original's body read in two steps: its first bytes, for the header probe, then the rest only
 * for a request the header admitted. A refused original is streamed on from where the probe
 * stopped, so a refusal never holds more than the probe read, whatever the original's size.
 */
import { ResizerError } from '../../core/errors.js';

export interface OpenBody {
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  chunks: Uint8Array[];
  total: number;
  done: boolean;
}

export function openBody(response: Response): OpenBody {
  const reader = response.body?.getReader();
  return { reader, chunks: [], total: 0, done: reader === undefined };
}

/** Reads on until at least `atLeast` bytes are held or the body ends. */
export async function readAtLeast(body: OpenBody, atLeast: number): Promise<void> {
  while (!body.done && body.total < atLeast) await readChunk(body);
}

async function readChunk(body: OpenBody): Promise<void> {
  const next = await body.reader?.read();
  if (!next || next.done) {
    body.done = true;
    return;
  }
  body.chunks.push(next.value);
  body.total += next.value.byteLength;
}

/** The bytes read so far, as one array. */
export function bytesRead(body: OpenBody): Uint8Array {
  if (body.chunks.length === 1) return body.chunks[0] as Uint8Array;
  const bytes = new Uint8Array(body.total);
  let offset = 0;
  for (const chunk of body.chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The whole body; past `maxBytes` the stream is cancelled and `input-too-large` thrown. */
export async function readRest(body: OpenBody, maxBytes: number): Promise<Uint8Array> {
  while (!body.done) {
    await readChunk(body);
    if (body.total > maxBytes) {
      await body.reader?.cancel();
      body.chunks = [];
      throw new ResizerError(
        'input-too-large',
        `Original is ${body.total} bytes or more, over the ${maxBytes} limit`,
      );
    }
  }
  return bytesRead(body);
}

/**
 * The whole body again as a stream: the chunks already read, then the rest as the client pulls it
 * (nothing is read ahead), and a client that goes away cancels the origin's stream.
 */
export function streamOn(body: OpenBody): ReadableStream<Uint8Array> {
  const held = body.chunks;
  body.chunks = [];
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = held.shift();
        if (chunk) return controller.enqueue(chunk);
        const next = await body.reader?.read();
        if (!next || next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => body.reader?.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
