/**
 * The one error type of edge-resizer. Adapters map `code` to a response (a passthrough with a reason
 * header at the edge, a one-line message in the CLI); nothing else inspects messages.
 */
export const ERROR_CODES = [
  'invalid-parameter', // a recognised query parameter or option is malformed
  'upscale', // the request asks for more pixels than the original has
  'unsupported-input', // not a raster format we decode (SVG, GIF, AVIF, CMYK JPEG, animation, unknown)
  'corrupt-input', // a format we decode, but its bytes are broken
  'input-too-large', // more input bytes than the limit
  'too-many-pixels', // more input pixels than the limit, decided from the header
  'output-too-large', // the requested output exceeds the output dimension limit
  'format-disabled', // the requested output format is switched off in the configuration
  'codec-failure', // a codec trapped or ran out of memory
  'codec-unavailable', // a codec's WebAssembly could not be read (a runtime permission, a missing file)
  'timeout', // the request's time budget ran out between stages
  'width-not-allowed', // the configuration allows only listed widths, and snapping is off
  'height-not-allowed', // the same, for heights
  'quality-not-allowed', // the same, for qualities
  'invalid-config', // the configuration has an unknown field or a bad value (the message names it)
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class ResizerError extends Error {
  override readonly name = 'ResizerError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isResizerError(value: unknown): value is ResizerError {
  return value instanceof ResizerError;
}
