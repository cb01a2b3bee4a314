/** Output format choice: an explicit `format`, or for `auto`/absent the best one `Accept` allows. */
import { ResizerError } from './errors.js';
import type { FormatParam, InputFormat, OutputFormat } from './options.js';

export interface EnabledFormats {
  webp: boolean;
  avif: boolean;
}

export interface FormatChoice {
  format: OutputFormat;
  /** True when the choice depended on Accept, so responses must carry `Vary: Accept`. */
  negotiated: boolean;
}

export function chooseFormat(
  requested: FormatParam | undefined,
  input: InputFormat,
  accept: string | undefined,
  enabled: EnabledFormats,
): FormatChoice {
  if (requested !== undefined && requested !== 'auto') {
    if ((requested === 'webp' || requested === 'avif') && !enabled[requested]) {
      throw new ResizerError(
        'format-disabled',
        `Output format ${requested} is disabled in the configuration`,
      );
    }
    return { format: requested, negotiated: false };
  }
  const accepted = acceptedImageTypes(accept);
  if (enabled.avif && accepted.has('image/avif')) return { format: 'avif', negotiated: true };
  if (enabled.webp && accepted.has('image/webp')) return { format: 'webp', negotiated: true };
  return { format: fallbackFormat(input), negotiated: true };
}

/** The input's own format when we can write it, else JPEG. */
function fallbackFormat(input: InputFormat): OutputFormat {
  return input === 'png' || input === 'webp' ? input : 'jpeg';
}

/**
 * Media types named explicitly with q > 0. Wildcards do not count: a client that sends only
 * `*\/*` (curl) has not said it can display WebP.
 */
export function acceptedImageTypes(accept: string | undefined): Set<string> {
  const types = new Set<string>();
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    if (type.startsWith('image/') && !type.endsWith('*')) types.add(type);
  }
  return types;
}
