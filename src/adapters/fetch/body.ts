/**
 * An original's body read in two steps: its first bytes, for the header probe, then the rest only
 * for a request the header admitted. A refused original is served from the other branch of a tee,
 * so a refusal never holds more than the probe read, whatever the original's size.
 */
import { ResizerError } from '../../core/errors.js';

export interface OpenBody {
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** The other branch of the body: the original as it is, for a refusal. */
  rest: ReadableStream<Uint8Array> | undefined;
  chunks: Uint8Array[];
  total: number;
  done: boolean;
}

/**
 * The body split in two (tee): one branch read for the probe, the other kept for a refusal. The
 * runtime's own tee buffers only what the probe read ahead of the kept branch, and a refusal then
 * returns a runtime stream (workerd pipes it natively, no JavaScript chunk per 64 KiB: streaming
 * 31 MiB through a JavaScript stream grew its isolate by 50 MiB of garbage).
 */
export function openBody(response: Response): OpenBody {
  const [probe, rest] = response.body?.tee() ?? [];
  const reader = probe?.getReader();
  return { reader, rest, chunks: [], total: 0, done: reader === undefined };
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
  // The kept branch would hold a copy of everything read from here on.
  void body.rest?.cancel();
  body.rest = undefined;
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

/** The original as it is, from its first byte: the probe's branch is let go. */
export function streamOn(body: OpenBody): ReadableStream<Uint8Array> | null {
  void body.reader?.cancel();
  body.chunks = [];
  return body.rest ?? null;
}
