export function findToolchain(): { clang: string; linker: string } | undefined;
export function build(outDir: string, names?: string[]): Promise<string[]>;
export function hasWasiSysroot(): boolean;
export function codecVersions(): Record<string, string>;
export function cmykTiff(width: number, height: number, pixels: Uint8Array): Uint8Array;
export function codecSources(
  name: string,
  options?: { pristine?: boolean },
): { trees: Record<string, string>; files: string[] };
