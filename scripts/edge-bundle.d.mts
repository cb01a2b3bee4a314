export function buildEdgeBundle(options: {
  root: string;
  outfile: string;
  config?: Record<string, unknown>;
}): Promise<{ bytes: Buffer }>;
export function zippedSize(bytes: Uint8Array, name?: string): number;
