/**
 * Lambda@Edge has no environment variables: configuration is one typed object, baked into the
 * bundle at build time (scripts/build.mjs reads edge-resizer.config.json and defines
 * __EDGE_RESIZER_CONFIG__), resolved against safe defaults and checked when the bundle loads.
 */
import {
  type ConfigOverrides,
  checkInteger,
  checkKnownFields,
  invalid,
  type ResizerConfig,
  resolveConfig,
} from '../../core/config.js';

export interface EdgeConfig extends ResizerConfig {
  /** Time allowed to fetch the original, well inside the 30 s origin-trigger timeout. */
  fetchTimeoutMs: number;
  /** Time allowed for the whole request (fetch included), checked between stages. */
  timeBudgetMs: number;
  /** Largest generated response, base64 body plus headers (CloudFront allows 1 MB for origin triggers). */
  responseBudgetBytes: number;
  /** An S3-compatible endpoint to read originals from instead of the bucket in the event. */
  s3Endpoint?: string | undefined;
}

export type EdgeConfigOverrides = ConfigOverrides &
  Partial<Pick<EdgeConfig, 'fetchTimeoutMs' | 'timeBudgetMs' | 'responseBudgetBytes' | 's3Endpoint'>>;

export const EDGE_DEFAULTS = {
  fetchTimeoutMs: 10_000,
  // Leaves 10 s of the 30 s trigger timeout for the one stage that may already be running.
  timeBudgetMs: 20_000,
  // 1 MB is CloudFront's limit; whether base64 inflation counts is undocumented, so budget the
  // encoded body plus headers, with a margin below the smaller (decimal) reading of the limit.
  responseBudgetBytes: 1_000_000,
} as const;

/** The fields the edge adds to the core configuration. */
const EDGE_FIELDS = ['fetchTimeoutMs', 'timeBudgetMs', 'responseBudgetBytes', 's3Endpoint'] as const;

/**
 * A configuration file's content (or the object baked into a bundle), checked strictly: an unknown
 * field, a wrong type, an out-of-range value or a feature no build serves throws, naming the field.
 */
export function resolveEdgeConfig(overrides: EdgeConfigOverrides = {}): EdgeConfig {
  checkKnownFields(overrides, EDGE_FIELDS);
  const { fetchTimeoutMs, timeBudgetMs, responseBudgetBytes, s3Endpoint, ...core } = overrides;
  const config: EdgeConfig = {
    ...resolveConfig(core),
    fetchTimeoutMs: fetchTimeoutMs ?? EDGE_DEFAULTS.fetchTimeoutMs,
    timeBudgetMs: timeBudgetMs ?? EDGE_DEFAULTS.timeBudgetMs,
    responseBudgetBytes: responseBudgetBytes ?? EDGE_DEFAULTS.responseBudgetBytes,
    s3Endpoint,
  };
  checkInteger('fetchTimeoutMs', config.fetchTimeoutMs, 100, 25_000);
  checkInteger('timeBudgetMs', config.timeBudgetMs, 100, 29_000);
  checkInteger('responseBudgetBytes', config.responseBudgetBytes, 10_000, 1_048_576);
  if (s3Endpoint !== undefined && !/^https?:\/\/[^/]+/.test(s3Endpoint))
    invalid('s3Endpoint', 'an http(s) URL', s3Endpoint);
  return config;
}
