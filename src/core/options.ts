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

/** File extensions of the formats we recognise, for the CLI and the codec warm-up. */
const EXTENSIONS: Record<string, InputFormat> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
};

/** The format a file name claims by its extension (case-insensitive), or undefined. */
export function formatOfName(name: string): InputFormat | undefined {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : EXTENSIONS[name.slice(dot + 1).toLowerCase()];
}

/** The format we can write that a file name asks for by its extension, or undefined. */
export function outputFormatOfName(name: string): OutputFormat | undefined {
  const format = formatOfName(name);
  return ENCODABLE_FORMATS.find((encodable) => encodable === format);
}
