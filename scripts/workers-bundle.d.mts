export function buildWorker(options: {
  root: string;
  outdir: string;
  config?: Record<string, unknown>;
}): Promise<{ files: { name: string; bytes: number }[]; metafile: import('esbuild').Metafile }>;
