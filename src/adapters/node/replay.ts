/**
 * `edge-resizer replay EVENT.json --origin DIR|s3://BUCKET`: runs a recorded request through both
 * steps of the deployment, as CloudFront would: the viewer step (canonical query, allowlists,
 * signature with EDGE_RESIZER_SECRET, format from Accept) and then the same origin-response handler
 * the Lambda@Edge bundle exports. Returns the CloudFront result: the handler's response, or the
 * viewer function's 403; `summarise` says it in one line.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { canonicalQueryString, splitQuery } from '../../core/canonical.js';
import { probe } from '../../core/probe.js';
import { decideViewer, type SigningSecrets } from '../../core/signing.js';
import { forbidden, notFound, type ViewerResponse } from '../cloudfront-function/forbidden.js';
import type { EdgeConfig } from '../lambda-edge/config.js';
import { folderOrigin } from '../lambda-edge/folder-origin.js';
import { createHandler } from '../lambda-edge/handler.js';
import type { Origin } from '../lambda-edge/origin.js';
import { headerValue } from '../lambda-edge/request.js';
import { environmentCredentials, s3Origin } from '../lambda-edge/s3-origin.js';
import type { CloudFrontResponse, OriginResponseEvent } from '../lambda-edge/types.js';

export interface ReplayOptions {
  eventFile: string;
  origin: string;
  /** The resolved configuration (loadConfig), with any --s3-endpoint applied. */
  config: EdgeConfig;
  /** The signing secrets (one string, or by key id), when signing is required. */
  secret?: SigningSecrets | undefined;
  /** Told what the viewer step did when it changed the request (the CLI prints it on stderr). */
  note?: (line: string) => void;
}

export async function replay(options: ReplayOptions): Promise<CloudFrontResponse | ViewerResponse> {
  const event = await readJson<OriginResponseEvent>(options.eventFile, 'event');
  const cf = Array.isArray(event?.Records) ? event.Records[0]?.cf : undefined;
  if (!cf?.response || !cf.request) {
    throw new Error(`${options.eventFile} is not a CloudFront origin-response event`);
  }
  const { request } = cf;
  const decision = await decideViewer(
    {
      uri: request.uri,
      pairs: splitQuery(request.querystring ?? ''),
      accept: headerValue(request.headers, 'accept'),
    },
    options.config,
    options.secret,
  );
  if (decision.kind === 'forbidden') {
    return forbidden(decision.message);
  }
  if (decision.kind === 'not-found') return notFound();
  request.uri = decision.path;
  const query = decision.kind === 'transform' ? canonicalQueryString(decision.options) : '';
  if (decision.kind === 'original' && decision.reason !== 'no-parameters') {
    options.note?.(`viewer step cleared the query (${decision.reason}: ${decision.message})`);
  }
  request.querystring = query;
  const { config } = options;
  return createHandler({ config, origin: chooseOrigin(options.origin, config.s3Endpoint) })(event);
}

function chooseOrigin(origin: string, endpoint: string | undefined): Origin {
  const bucket = /^s3:\/\/([^/]+)\/?$/.exec(origin)?.[1];
  if (bucket) return s3Origin({ credentials: () => environmentCredentials(process.env), endpoint, bucket });
  if (origin.startsWith('s3:')) throw new Error(`expected s3://BUCKET but received '${origin}'`);
  if (!existsSync(origin)) throw new Error(`origin folder ${origin} does not exist`);
  return folderOrigin(origin);
}

async function readJson<T>(file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
}

/**
 * One line for a person: status, what happened and why, and for a generated image its type, bytes
 * and dimensions (read from the body's header). A passthrough has no body here: CloudFront serves
 * the origin's own.
 */
export function summarise(result: CloudFrontResponse | ViewerResponse): string {
  if ('statusCode' in result) {
    return `${result.statusCode} ${result.statusDescription}: refused by the viewer function (${result.headers['x-resizer-denied']?.value ?? 'no reason'})`;
  }
  const header = (name: string) => result.headers[name]?.[0]?.value;
  const type = header('content-type') ?? 'no content type';
  const status = `${result.status} ${result.statusDescription}`;
  const reason = header('x-resizer-passthrough');
  if (reason) return `${status}: passthrough (${reason}), the origin's body as it is, ${type}`;
  if (result.body === undefined) return `${status}: the origin's response, ${type}`;
  const body =
    result.bodyEncoding === 'base64'
      ? new Uint8Array(Buffer.from(result.body, 'base64'))
      : new TextEncoder().encode(result.body);
  return `${status}: resized, ${type}, ${body.byteLength} bytes, ${dimensions(body)}`;
}

function dimensions(body: Uint8Array): string {
  try {
    const { width, height } = probe(body);
    return `${width}x${height}`;
  } catch {
    return 'unknown dimensions';
  }
}
