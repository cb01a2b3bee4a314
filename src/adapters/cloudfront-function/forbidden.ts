/**
 * The viewer function's 403, in CloudFront Functions' response shape: one definition for the
 * function and for `replay`, which prints what the function would answer. (Kept apart from
 * viewer-request.ts, whose baked configuration exists only inside the built function.)
 */
export interface ViewerResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, { value: string }>;
}

export function forbidden(message: string): ViewerResponse {
  return {
    statusCode: 403,
    statusDescription: 'Forbidden',
    headers: {
      'content-type': { value: 'text/plain' },
      'cache-control': { value: 'no-store' },
      'x-resizer-denied': { value: message },
    },
  };
}
