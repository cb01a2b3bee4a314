/**
 * The local dev server: the folder origin with the same URL semantics as the edge. A passthrough
 * answers with the original bytes and the reason header; `/` is an index page of the folder.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ResizerConfig } from '../../core/config.js';
import { parseQuery } from '../../core/params.js';
import { sniffFormat } from '../../core/probe.js';
import { PASSTHROUGH_HEADER, type PassthroughReason, resizeOutcome } from '../../core/respond.js';
import { readFromFolder } from './folder-origin.js';
import { renderIndex } from './index-page.js';

export interface ServeOptions {
  root: string;
  config: ResizerConfig;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

const ORIGINAL_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};

export async function answer(
  url: URL,
  accept: string | undefined,
  options: ServeOptions,
): Promise<HttpAnswer> {
  if (url.pathname === '/') {
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: await renderIndex(options.root),
    };
  }
  const started = performance.now();
  const original = await readFromFolder(options.root, url.pathname);
  if (!original) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found\n' };
  const fetchMs = performance.now() - started;

  const query = parseQuery(url.search);
  if (query.kind === 'none') return originalAnswer(original, options.config.cacheControl, 'no-parameters');
  const outcome = await resizeOutcome(original, { query, accept, fetchMs }, options.config);
  if (outcome.kind === 'original')
    return originalAnswer(original, options.config.cacheControl, outcome.reason);
  return { status: 200, headers: outcome.headers, body: outcome.result.data };
}

function originalAnswer(bytes: Uint8Array, cacheControl: string, reason: PassthroughReason): HttpAnswer {
  const format = sniffFormat(bytes);
  return {
    status: 200,
    headers: {
      'content-type': (format && ORIGINAL_TYPES[format]) ?? 'application/octet-stream',
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
      [PASSTHROUGH_HEADER]: reason,
    },
    body: bytes,
  };
}

export function startServer(options: ServeOptions & { port: number; host?: string }): Promise<Server> {
  // Resizing is CPU-bound on one thread: requests run one at a time, so memory stays bounded and
  // each Server-Timing measures that request's work, not its neighbours'.
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    const turn = queue.then(() => handle(req, res, options));
    queue = turn.catch(() => undefined);
    turn.catch((error: unknown) => {
      console.error(`edge-resizer: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error\n');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve(server));
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ServeOptions): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const result = await answer(url, req.headers.accept, options);
  const body = typeof result.body === 'string' ? Buffer.from(result.body) : result.body;
  res.writeHead(result.status, { ...result.headers, 'content-length': String(body.byteLength) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
