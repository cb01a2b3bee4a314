/** Output format choice: an explicit `format`, or for `auto`/absent the best one `Accept` allows. */
import { acceptedImageTypeList, negotiatedFormat } from './canonical.js';
import { ResizerError } from './errors.js';
import { type FormatParam, formatOfName, type InputFormat, type OutputFormat } from './options.js';

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
        `Output format ${requested} is disabled in the configuration (formats: { ${requested}: true } enables it)`,
      );
    }
    return { format: requested, negotiated: false };
  }
  return { format: negotiatedFormat(accept, enabled) ?? fallbackFormat(input), negotiated: true };
}

/** The input's own format when we can write it; PNG for GIF (lossless, keeps transparency), else JPEG. */
export function fallbackFormat(input: InputFormat): OutputFormat {
  if (input === 'gif') return 'png';
  return input === 'png' || input === 'webp' ? input : 'jpeg';
}

/**
 * Media types named explicitly with q > 0. Wildcards do not count: a client that sends only
 * `*\/*` (curl) has not said it can display WebP.
 */
export function acceptedImageTypes(accept: string | undefined): Set<string> {
  return new Set(acceptedImageTypeList(accept));
}

/**
 * A guess of the input and output formats of a request from the object's name and the canonical
 * format, before the original is read: only to start compiling codecs early (`prepareCodecs`).
 */
export function likelyFormats(key: string, format: FormatParam | undefined) {
  const input = formatOfName(key);
  const output: OutputFormat | undefined =
    format && format !== 'auto' ? format : input ? fallbackFormat(input) : undefined;
  return { input, output };
}
