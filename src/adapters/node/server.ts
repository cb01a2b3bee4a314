/**
 * The local dev server: Node's HTTP server around the fetch handler (the same request path as
 * Workers, Deno and Bun), with the folder as its origin (images only, never hidden names) and the
 * index page at `/`. Node's part is what only a local server needs: Host names it expects (no DNS
 * rebinding), one resize at a time with a bounded queue, no work for clients that have gone, and
 * no client that stops reading holding anything: bodies are sent outside the queue, under a write
 * timeout.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ResizerConfig } from '../../core/config.js';
import { createFetchHandler, type FetchHandler, type FetchHandlerOptions } from '../fetch/handler.js';
import { folderImages } from './folder-origin.js';
import { renderIndex } from './index-page.js';

export interface ServeOptions {
  root: string;
  config: ResizerConfig;
  /** The signing secrets (EDGE_RESIZER_SECRET[S]), checked when `config.signing.required`. */
  secret?: FetchHandlerOptions['secret'];
}

/** The dev server's fetch handler: the index page at `/`, the folder's images everywhere else. */
export function devHandler(options: ServeOptions): FetchHandler {
  const images = createFetchHandler({
    origin: folderImages(options.root),
    config: options.config,
    secret: options.secret,
  });
  return async (request) => {
    if (new URL(request.url).pathname !== '/') return images(request);
    return new Response(await renderIndex(options.root, options.config), {
      headers: { 'content-type': 'text/html; charset=utf-8' },
    });
  };
}

/** Requests allowed to wait for the resizer; past it the server answers 503 with Retry-After. */
export const MAX_QUEUED = 16;

/**
 * How long a response's socket may go without taking a byte before it is closed: a client that
 * stops reading a 30 MB original would otherwise hold its socket and the file open forever.
 */
export const WRITE_TIMEOUT_MS = 15_000;

/** The methods served; anything else is 405 before it reaches a Request (undici refuses TRACE). */
const METHODS = ['GET', 'HEAD'];

export interface StartOptions extends ServeOptions {
  port: number;
  host?: string;
  maxQueued?: number;
  /** See WRITE_TIMEOUT_MS. */
  writeTimeoutMs?: number;
  /** Told of each request once answered (`GET /a.jpg?width=5 200`), or dropped (`... dropped`). */
  onRequest?: (line: string) => void;
}

export function startServer(options: StartOptions): Promise<Server> {
  const host = options.host ?? '127.0.0.1';
  const maxQueued = options.maxQueued ?? MAX_QUEUED;
  const writeTimeoutMs = options.writeTimeoutMs ?? WRITE_TIMEOUT_MS;
  const handler = devHandler(options);
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
    if (!METHODS.includes(req.method ?? '')) {
      res
        .writeHead(405, { 'content-type': 'text/plain', allow: METHODS.join(', ') })
        .end('Method not allowed\n');
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
      // One turn of the event loop first, through its I/O phase: hang-ups that arrived while the last
      // request held the thread are read, so that a client gone by now is seen as gone.
      await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
      waiting--;
      // A client that hung up has ended its side of the socket; the response's 'close' follows later.
      if (gone || req.socket.destroyed || req.socket.readableEnded) {
        options.onRequest?.(`${req.method} ${req.url} dropped`); // the client hung up while waiting
        return;
      }
      const response = await handler(toRequest(req));
      // The turn ends with the work: the body goes out beside the next request's turn.
      void send(response, res, writeTimeoutMs).then(
        () => options.onRequest?.(`${req.method} ${req.url} ${res.statusCode}`),
        (error: unknown) => {
          console.error(`edge-resizer: ${error instanceof Error ? error.message : String(error)}`);
          res.destroy();
        },
      );
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

function toRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  // The path as sent; the Host was checked above, so any loopback origin does for the URL.
  return new Request(`http://localhost${req.url ?? '/'}`, { method: req.method ?? 'GET', headers });
}

async function send(response: Response, res: ServerResponse, writeTimeoutMs: number): Promise<void> {
  if (res.destroyed || !res.socket || res.socket.destroyed) {
    await response.body?.cancel(); // the client hung up while its image was made
    return;
  }
  // Closing the socket ends the pipe below, which cancels the body (and closes its file).
  res.setTimeout(writeTimeoutMs, () => res.destroy());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  // pipeline destroys the body when the socket closes (pipe would leave it, and its file, open).
  await pipeline(body, res).catch((error: unknown) => {
    if (!res.destroyed) throw error; // a client gone (or timed out) is no failure of ours
  });
}
