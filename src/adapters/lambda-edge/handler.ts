/**
 * The origin-response handler: event -> request description -> decision -> fetch -> transform ->
 * CloudFront result. Every path that does not resize returns the origin's response with a reason,
 * and every request ends in one log entry.
 */

import { prepareCodecs } from '../../codecs/index.js';
import { isResizerError } from '../../core/errors.js';
import { likelyFormats } from '../../core/negotiate.js';
import { HEAD_PROBE_BYTES, headOutcome, type PassthroughReason, resizeOutcome } from '../../core/respond.js';
import type { Timings } from '../../core/transform.js';
import type { EdgeConfig } from './config.js';
import type { Origin } from './origin.js';
import { describeRequest, type EdgeRequest, originResponse } from './request.js';
import { headerBytes, imageBudget, passthrough, planned, resized } from './result.js';
import type { CloudFrontResponse, OriginResponseEvent } from './types.js';

/** One line per request, for CloudWatch (the Lambda entry writes it as JSON). */
export interface RequestLog {
  key: string | undefined;
  query: string;
  outcome: 'resized' | 'passthrough' | 'planned';
  reason?: PassthroughReason;
  detail?: string;
  format?: string;
  width?: number;
  height?: number;
  quality?: number;
  bytes?: number;
  ms: number;
  timings?: Timings & { fetch: number };
  /** What did not stop the resize but deserves a look (an ICC profile that was ignored, and why). */
  notes?: string[];
}

export interface HandlerOptions {
  config: EdgeConfig;
  origin: Origin;
  log?: ((entry: RequestLog) => void) | undefined;
}

/** Room for the headers we add (Content-Type, Cache-Control, Vary, Server-Timing, ...). */
const ADDED_HEADER_ALLOWANCE = 512;

export type OriginResponseHandler = (event: OriginResponseEvent) => Promise<CloudFrontResponse>;

type Handled = { response: CloudFrontResponse; log: Omit<RequestLog, 'key' | 'query' | 'ms'> };

export function createHandler({ config, origin, log }: HandlerOptions): OriginResponseHandler {
  return async (event) => {
    const started = performance.now();
    const response = originResponse(event);
    const request = describeRequest(event, config);
    let handled: Handled;
    try {
      handled = await handle(request, response, config, origin, started);
    } catch (error) {
      // A bug must not become CloudFront's 502: the original, briefly cached, and the reason logged.
      handled = skipped(response, 'internal-error', error instanceof Error ? error.message : String(error));
    }
    log?.({
      key: request.key,
      query: (event.Records[0]?.cf.request.querystring ?? '').slice(0, 256),
      ...handled.log,
      ms: Math.round(performance.now() - started),
    });
    return handled.response;
  };
}

function skipped(response: CloudFrontResponse, reason: PassthroughReason, detail?: string): Handled {
  return {
    response: passthrough(response, reason),
    log: { outcome: 'passthrough', reason, ...(detail ? { detail } : {}) },
  };
}

async function handle(
  request: EdgeRequest,
  response: CloudFrontResponse,
  config: EdgeConfig,
  origin: Origin,
  started: number,
): Promise<Handled> {
  if (request.originStatus !== '200') return skipped(response, 'origin-status');
  if (request.query.kind === 'none') return skipped(response, 'no-parameters');
  // Refusals (invalid values, allowlists, disabled formats) are decided before the origin is read.
  if (request.query.kind === 'invalid')
    return skipped(response, request.query.error.code, request.query.error.message);
  if (request.key === undefined) return skipped(response, 'invalid-key');
  if ((request.originLength ?? 0) > config.limits.maxInputBytes) return skipped(response, 'input-too-large');

  const head = request.method === 'HEAD';
  if (!head) {
    // A cold instance compiles the codecs it will likely need while the original is read.
    const { input, output } = likelyFormats(request.key, request.query.options.format);
    prepareCodecs(input, output);
  }
  let original: Uint8Array | undefined;
  try {
    original = await origin({
      key: request.key,
      s3: request.s3,
      http: request.http,
      maxBytes: config.limits.maxInputBytes,
      // HEAD plans from the header alone: no resize work, and only the first bytes are read.
      ...(head ? { firstBytes: HEAD_PROBE_BYTES } : {}),
      signal: AbortSignal.timeout(config.fetchTimeoutMs),
    });
  } catch (error) {
    if (isResizerError(error)) return skipped(response, error.code, error.message);
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return skipped(response, timedOut ? 'origin-timeout' : 'origin-error', String(error));
  }
  if (original === undefined) return skipped(response, 'origin-missing');
  const fetchMs = performance.now() - started;
  if (head) {
    const plan = headOutcome(
      original,
      { query: request.query, accept: request.accept, originCacheControl: request.originCacheControl },
      config,
    );
    if (plan.kind === 'original') return skipped(response, plan.reason, plan.detail);
    return { response: planned(response, plan.headers), log: { outcome: 'planned' } };
  }

  const maxOutputBytes = imageBudget(
    config.responseBudgetBytes,
    headerBytes(response.headers) + ADDED_HEADER_ALLOWANCE,
  );
  const outcome = await resizeOutcome(
    original,
    {
      query: request.query,
      accept: request.accept,
      originCacheControl: request.originCacheControl,
      fetchMs,
      maxOutputBytes,
      deadline: started + config.timeBudgetMs,
    },
    config,
  );
  if (outcome.kind === 'original') return skipped(response, outcome.reason, outcome.detail);
  const { result } = outcome;
  const generated = resized(response, result, outcome.headers, config.responseBudgetBytes);
  if (!generated) return skipped(response, 'response-too-large');
  return {
    response: generated,
    log: {
      outcome: 'resized',
      format: result.format,
      width: result.width,
      height: result.height,
      quality: result.quality,
      bytes: result.data.byteLength,
      timings: { fetch: fetchMs, ...result.timings },
      ...(result.notes ? { notes: result.notes } : {}),
    },
  };
}
