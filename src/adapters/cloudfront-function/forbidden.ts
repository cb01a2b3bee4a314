/**
 * The viewer function's own answers (403, and 404 for a path no origin would serve), in CloudFront
 * Functions' response shape: one definition for the function and for `replay`, which prints what
 * the function would answer. (Kept apart from viewer-request.ts, whose baked configuration exists
 * only inside the built function.)
 */
export interface ViewerResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, { value: string }>;
}

function answer(statusCode: number, statusDescription: string, name: string, value: string): ViewerResponse {
  const headers: Record<string, { value: string }> = {
    'content-type': { value: 'text/plain' },
    'cache-control': { value: 'no-store' },
  };
  headers[name] = { value: value };
  return { statusCode: statusCode, statusDescription: statusDescription, headers: headers };
}

export function forbidden(message: string): ViewerResponse {
  return answer(403, 'Forbidden', 'x-resizer-denied', message);
}

/** A path the origin would refuse (canonical.ts): answered here, never forwarded or cached. */
export function notFound(): ViewerResponse {
  return answer(404, 'Not Found', 'x-resizer-passthrough', 'invalid-key');
}
