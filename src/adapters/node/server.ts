/**
 * The local dev server: the folder origin with the same URL semantics as the edge. Each request
 * goes through the viewer step (canonical.ts: canonical query, allowlists, signatures, format from
 * Accept), as the CloudFront Function does, then through the origin step, as the Lambda@Edge
 * handler does. A passthrough answers with the original bytes and the reason header; `/` is an index
 * page of the folder. It serves images only: files whose bytes are a format we know, never hidden
 * names, and only to Host names it expects (no DNS rebinding).
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { splitQuery } from '../../core/canonical.js';
import type { ResizerConfig } from '../../core/config.js';
import type { InputFormat } from '../../core/options.js';
import { sniffFormat } from '../../core/probe.js';
import {
  headOutcome,
  isTransient,
  PASSTHROUGH_HEADER,
  type PassthroughReason,
  resizeOutcome,
  TRANSIENT_CACHE_CONTROL,
} from '../../core/respond.js';
import { decideViewer } from '../../core/signing.js';
import { findInFolder, readHead, readWhole } from './folder-origin.js';
import { renderIndex } from './index-page.js';

export interface ServeOptions {
  root: string;
  config: ResizerConfig;
  /** The signing secret (EDGE_RESIZER_SECRET), checked when `config.signing.required`. */
  secret?: string | undefined;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
  /** Send this file's bytes instead of `body` (an original too large to hold). */
  file?: string;
}

export interface AnswerRequest {
  /** The request target as received: raw path plus query. */
  target: string;
  method: 'GET' | 'HEAD';
  accept: string | undefined;
}

const ORIGINAL_TYPES: Record<InputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};

/** Enough bytes to recognise any format we know (SVG's opening tag may follow a comment). */
const SNIFF_BYTES = 4096;

const NOT_FOUND: HttpAnswer = { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found\n' };

export async function answer(request: AnswerRequest, options: ServeOptions): Promise<HttpAnswer> {
  const { config } = options;
  const at = request.target.indexOf('?');
  const path = at === -1 ? request.target : request.target.slice(0, at);
  if (path === '/') {
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: await renderIndex(options.root),
    };
  }
  const started = performance.now();
  const decision = await decideViewer(
    { uri: path, pairs: splitQuery(at === -1 ? '' : request.target.slice(at + 1)), accept: request.accept },
    config,
    options.secret,
  );
  if (decision.kind === 'forbidden') {
    return {
      status: 403,
      headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' },
      body: `Forbidden: ${decision.message}\n`,
    };
  }

  const found = await findInFolder(options.root, path);
  if (!found) return NOT_FOUND;
  const head = await readHead(found.file, SNIFF_BYTES);
  const format = sniffFormat(head);
  if (!format) return NOT_FOUND; // not an image: the dev server serves nothing else
  const original = (reason: PassthroughReason, bytes?: Uint8Array) =>
    originalAnswer(format, reason, config.cacheControl, bytes ?? found.file);

  if (decision.kind === 'original') return original(decision.reason);
  if (found.size > config.limits.maxInputBytes) return original('input-too-large');
  const bytes = await readWhole(found.file);
  if (!bytes) return NOT_FOUND;
  const query = { kind: 'transform' as const, options: decision.options };
  if (request.method === 'HEAD') {
    const planned = headOutcome(bytes, { query, accept: request.accept }, config);
    if (planned.kind === 'original') return original(planned.reason, bytes);
    return { status: 200, headers: planned.headers, body: '' };
  }
  const fetchMs = performance.now() - started;
  const outcome = await resizeOutcome(bytes, { query, accept: request.accept, fetchMs }, config);
  if (outcome.kind === 'original') return original(outcome.reason, bytes);
  return { status: 200, headers: outcome.headers, body: outcome.result.data };
}

function originalAnswer(
  format: InputFormat,
  reason: PassthroughReason,
  cacheControl: string,
  source: Uint8Array | string,
): HttpAnswer {
  const headers = {
    'content-type': ORIGINAL_TYPES[format],
    'cache-control': isTransient(reason) ? TRANSIENT_CACHE_CONTROL : cacheControl,
    'x-content-type-options': 'nosniff',
    [PASSTHROUGH_HEADER]: reason,
  };
  return typeof source === 'string'
    ? { status: 200, headers, body: '', file: source }
    : { status: 200, headers, body: source };
}

/** Requests allowed to wait for the resizer; past it the server answers 503 with Retry-After. */
export const MAX_QUEUED = 16;

export interface StartOptions extends ServeOptions {
  port: number;
  host?: string;
  maxQueued?: number;
  /** Told of each request once answered (`GET /a.jpg?width=5 200`), or dropped (`... dropped`). */
  onRequest?: (line: string) => void;
}

export function startServer(options: StartOptions): Promise<Server> {
  const host = options.host ?? '127.0.0.1';
  const maxQueued = options.maxQueued ?? MAX_QUEUED;
  // Resizing is CPU-bound on one thread: requests run one at a time, so memory stays bounded and
  // each Server-Timing measures that request's work, not its neighbours'. Work whose client has
  // hung up is dropped before it starts.
  let queue: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  const server = createServer((req, res) => {
    if (!allowedHost(req.headers.host, host)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden: unexpected Host header\n');
      return;
    }
    if (waiting >= maxQueued) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('Busy, try again\n');
      return;
    }
    let gone = false;
    res.on('close', () => {
      if (!res.writableFinished) gone = true;
    });
    waiting++;
    const turn = queue.then(async () => {
      waiting--;
      if (gone) {
        options.onRequest?.(`${req.method} ${req.url} dropped`); // the client hung up while waiting
        return;
      }
      await handle(req, res, options);
      options.onRequest?.(`${req.method} ${req.url} ${res.statusCode}`);
    });
    queue = turn.catch(() => undefined);
    turn.catch((error: unknown) => {
      console.error(`edge-resizer: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error\n');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve(server));
  });
}

/**
 * Host names a page may reach us by: loopback names and IP literals (a rebinding attack needs a
 * DNS name), and the name the server was started with.
 */
export function allowedHost(header: string | undefined, boundHost: string): boolean {
  if (!header) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${header}`).hostname;
  } catch {
    return false;
  }
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0) return true;
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  return hostname === boundHost.toLowerCase();
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ServeOptions): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const result = await answer(
    { target: req.url ?? '/', method: req.method, accept: req.headers.accept },
    options,
  );
  if (result.file !== undefined) {
    res.writeHead(result.status, result.headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(result.file).pipe(res);
    return;
  }
  const body = typeof result.body === 'string' ? Buffer.from(result.body) : result.body;
  // A HEAD answered from the plan has no body to measure: its length is unknown without the work.
  const planned = req.method === 'HEAD' && result.status === 200 && body.byteLength === 0;
  const headers = planned ? result.headers : { ...result.headers, 'content-length': String(body.byteLength) };
  res.writeHead(result.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
