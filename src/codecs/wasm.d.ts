// WebAssembly binaries are embedded as bytes: esbuild's `binary` loader in builds, a small Vite
// plugin in tests (vitest.config.ts). The Lambda@Edge bundle keeps the rarely used ones (colour,
// GIF, AVIF) in files beside index.mjs instead, and imports a function that reads them on first use
// (scripts/edge-bundle.mjs).
declare module '*.wasm' {
  const bytes: Uint8Array<ArrayBuffer> | (() => Promise<Uint8Array<ArrayBuffer>>);
  export default bytes;
}
