/** `edge-resizer/fetch`: the Web-standard request path, for Workers, Deno, Bun and Node. */

export { hmacBase64url, signPath } from '../../core/signing.js';
export {
  createFetchHandler,
  type FetchHandler,
  type FetchHandlerOptions,
  type OriginFunction,
  urlOrigin,
} from './handler.js';
