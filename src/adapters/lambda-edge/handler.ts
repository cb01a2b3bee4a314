/**
 * The origin-response handler: event -> request description -> decision -> fetch -> transform ->
 * CloudFront result. Every path that does not resize returns the origin's response with a reason.
 */
import { isResizerError } from '../../core/errors.js';
import { applyWidthPolicy } from '../../core/policy.js';
import { resizeOutcome } from '../../core/respond.js';
import type { EdgeConfig } from './config.js';
import type { Origin } from './origin.js';
import { describeRequest, originResponse } from './request.js';
import { headerBytes, imageBudget, passthrough, resized } from './result.js';
import type { CloudFrontResponse, OriginResponseEvent } from './types.js';

export interface HandlerOptions {
  config: EdgeConfig;
  origin: Origin;
}

/** Room for the headers we add (Content-Type, Cache-Control, Vary, Server-Timing, ...). */
const ADDED_HEADER_ALLOWANCE = 512;

export type OriginResponseHandler = (event: OriginResponseEvent) => Promise<CloudFrontResponse>;

export function createHandler({ config, origin }: HandlerOptions): OriginResponseHandler {
  return async (event) => {
    const deadline = performance.now() + config.timeBudgetMs;
    const response = originResponse(event);
    const request = describeRequest(event);
    if (request.originStatus !== '200') return passthrough(response, 'origin-status');
    if (request.query.kind === 'none') return passthrough(response, 'no-parameters');
    if (request.query.kind === 'invalid') return passthrough(response, 'invalid-parameter');
    if (request.key === undefined) return passthrough(response, 'invalid-key');
    if ((request.originLength ?? 0) > config.limits.maxInputBytes)
      return passthrough(response, 'input-too-large');
    try {
      applyWidthPolicy(request.query.options, config); // refuse before reading the origin
    } catch (error) {
      if (isResizerError(error)) return passthrough(response, error.code);
      throw error;
    }

    const started = performance.now();
    let original: Uint8Array | undefined;
    try {
      original = await origin({
        key: request.key,
        s3: request.s3,
        maxBytes: config.limits.maxInputBytes,
        signal: AbortSignal.timeout(config.fetchTimeoutMs),
      });
    } catch (error) {
      if (isResizerError(error)) return passthrough(response, error.code);
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return passthrough(response, timedOut ? 'origin-timeout' : 'origin-error');
    }
    if (original === undefined) return passthrough(response, 'origin-missing');

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
        fetchMs: performance.now() - started,
        maxOutputBytes,
        deadline,
      },
      config,
    );
    if (outcome.kind === 'original') return passthrough(response, outcome.reason);
    return (
      resized(response, outcome.result, outcome.headers, config.responseBudgetBytes) ??
      passthrough(response, 'response-too-large')
    );
  };
}
