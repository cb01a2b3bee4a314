import type { Metafile } from 'esbuild';
export const BUNDLED_PACKAGES_FILE: string;
export function packageFolder(input: string): string | undefined;
export function bundledPackages(metafile: Metafile, root: string): { name: string; version: string }[];
export function advisoriesFor(
  report: { vulnerabilities?: Record<string, { severity: string; range: string; via: unknown[] }> },
  names: string[],
): { name: string; severity: string; range: string; via: string[] }[];
