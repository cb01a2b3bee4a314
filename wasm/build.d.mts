export function findToolchain(): { clang: string; linker: string } | undefined;
export function build(outDir: string): string[];
