// WebAssembly binaries are embedded as bytes: esbuild's `binary` loader in builds, a small Vite
// plugin in tests (vitest.config.ts).
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
