/** Entry of the viewer function with signing required: CloudFront calls `handler` by name. */
import { signedRequest, type ViewerEvent } from './viewer-request.js';

export async function handler(event: ViewerEvent) {
  return signedRequest(event);
}
