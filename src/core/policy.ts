/**
 * Cache-busting protection, for library callers: the allowlists of canonical.ts applied to typed
 * options, throwing the refusal as a ResizerError. Queries get the same rule inside parseQuery.
 */
import { applyAllowlists } from './canonical.js';
import type { ResizerConfig } from './config.js';
import { ResizerError } from './errors.js';
import type { TransformOptions } from './options.js';
import { queryRules } from './params.js';

export function applyPolicy(options: TransformOptions, config: ResizerConfig): TransformOptions {
  const checked = applyAllowlists(options, queryRules(config));
  if (checked.kind === 'invalid') throw new ResizerError(checked.refusal.code, checked.refusal.message);
  return checked.kind === 'transform' ? checked.options : {};
}
