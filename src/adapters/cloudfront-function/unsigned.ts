/** Entry of the viewer function without signing: CloudFront calls `handler` by name. */
import { unsignedRequest, type ViewerEvent } from './viewer-request.js';

export function handler(event: ViewerEvent) {
  return unsignedRequest(event);
}
