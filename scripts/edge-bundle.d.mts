export interface PackageFile {
  name: string;
  bytes: Buffer;
}
export function buildEdgeBundle(options: {
  root: string;
  outfile: string;
  config?: Record<string, unknown>;
}): Promise<{ bytes: Buffer; files: PackageFile[]; metafile: import('esbuild').Metafile }>;
export function zippedSize(bytes: Uint8Array, name?: string): number;
export function zippedPackageSize(files: { name: string; bytes: Uint8Array }[]): number;
export function packageFiles(dir: string): PackageFile[];
export function lazyWasm(
  outdir: string,
  files?: Map<string, string>,
  only?: string[],
): import('esbuild').Plugin;
export const OPTIONAL_WASM: string[];
export function corePathFiles<T extends { name: string }>(files: T[]): T[];
