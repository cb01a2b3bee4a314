/**
 * Query string -> canonical TransformOptions, or a typed rejection, through the one canonicaliser
 * (canonical.ts) that the viewer-request CloudFront Function also runs. Parameter order, repeats,
 * percent-encoding and default values never change the result or the canonical query.
 */
import {
  applyAllowlists,
  type Canonical,
  canonicalize,
  canonicalQueryString,
  canonicalRequest,
  type QueryRules,
  queryRulesOf,
  type RawPair,
  type RulesConfig,
  splitQuery,
} from './canonical.js';
import { DEFAULT_CONFIG } from './config.js';
import { ResizerError } from './errors.js';
import type { TransformOptions } from './options.js';

export { MAX_DIMENSION } from './canonical.js';

export type ParsedQuery =
  | { kind: 'none' }
  | { kind: 'transform'; options: TransformOptions }
  | { kind: 'invalid'; error: ResizerError };

type RulesSource = Omit<RulesConfig, 'signing'>;

/** The slice of the configuration the canonical form depends on. */
export function queryRules(config: RulesSource = DEFAULT_CONFIG): QueryRules {
  return queryRulesOf(config);
}

function parsed(canonical: Canonical): ParsedQuery {
  if (canonical.kind !== 'invalid') return canonical;
  const { code, message } = canonical.refusal;
  return { kind: 'invalid', error: new ResizerError(code, message) };
}

/**
 * Parses a raw query string (with or without a leading `?`), its pairs, or URLSearchParams, and
 * applies the configuration's allowlists. Never throws.
 */
export function parseQuery(
  query: string | URLSearchParams | readonly RawPair[],
  config: RulesSource = DEFAULT_CONFIG,
): ParsedQuery {
  const pairs =
    typeof query === 'string'
      ? splitQuery(query)
      : Array.isArray(query)
        ? (query as readonly RawPair[])
        : [...(query as URLSearchParams)].map(
            ([name, value]) => [encodeURIComponent(name), encodeURIComponent(value)] as const,
          );
  return parsed(canonicalRequest(pairs, queryRules(config)));
}

/**
 * Validates options handed to the library directly (numbers rather than strings), with the same
 * table and messages as the query parser, then applies the allowlists. Throws ResizerError.
 */
export function normalizeOptions(
  options: TransformOptions,
  config: RulesSource = DEFAULT_CONFIG,
): TransformOptions {
  if (options === null || typeof options !== 'object') {
    throw new ResizerError(
      'invalid-parameter',
      `Expected an options object but received '${String(options)}'`,
    );
  }
  const pairs: RawPair[] = [];
  for (const name of ['width', 'height', 'fit', 'format', 'quality'] as const) {
    const value: unknown = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number') {
      const what = name === 'fit' || name === 'format' ? 'a string' : 'an integer';
      throw new ResizerError(
        'invalid-parameter',
        `Expected ${what} for ${name} but received '${String(value)}'`,
      );
    }
    pairs.push([name, encodeURIComponent(String(value))]);
  }
  const rules = queryRules(config);
  const canonical = canonicalize(pairs, rules);
  const result = parsed(
    canonical.kind === 'transform' ? applyAllowlists(canonical.options, rules) : canonical,
  );
  if (result.kind === 'invalid') throw result.error;
  return result.kind === 'transform' ? result.options : {};
}

/** The canonical query for options: fixed parameter order, so equal requests share one cache key. */
export function canonicalQuery(options: TransformOptions): string {
  return canonicalQueryString(options);
}
