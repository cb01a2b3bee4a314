/** edge-resizer: the runtime-agnostic library. */
export { initWasm, type WasmModuleName } from './codecs/index.js';
export type { WasmSource } from './codecs/wasm-slot.js';
export {
  type ConfigOverrides,
  DEFAULT_CONFIG,
  DEFAULT_LIMITS,
  type Limits,
  type ResizerConfig,
  resolveConfig,
} from './core/config.js';
export { ERROR_CODES, type ErrorCode, isResizerError, ResizerError } from './core/errors.js';
export { acceptedImageTypes, chooseFormat } from './core/negotiate.js';
export type { Fit, FormatParam, InputFormat, OutputFormat, TransformOptions } from './core/options.js';
export { canonicalQuery, type ParsedQuery, parseQuery } from './core/params.js';
export { type ImageInfo, probe, sniffFormat } from './core/probe.js';
export {
  MIME_TYPES,
  planTransform,
  type Timings,
  type TransformContext,
  type TransformResult,
  transform,
} from './core/transform.js';
