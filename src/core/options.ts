/** The canonical, typed description of what a caller asks for. Everything after parsing trusts it. */
export const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export type Fit = (typeof FITS)[number];

export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Output formats this build can encode; the configuration refuses to enable any other. */
export const ENCODABLE_FORMATS: readonly OutputFormat[] = ['jpeg', 'png', 'webp', 'avif'];

// Spelled out (no spread): the viewer-request CloudFront Function carries this table.
export const FORMAT_PARAMS = ['jpeg', 'png', 'webp', 'avif', 'auto'] as const;
export type FormatParam = (typeof FORMAT_PARAMS)[number];

export interface TransformOptions {
  width?: number;
  height?: number;
  fit?: Fit;
  format?: FormatParam;
  quality?: number;
}

/** Input formats the header probe recognises; only some are decoded. */
export type InputFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'svg';
