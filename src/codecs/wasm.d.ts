// WebAssembly binaries are embedded as bytes: esbuild's `binary` loader in builds, a small Vite
// plugin in tests (vitest.config.ts).
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}

// This one ships a wasm-bindgen `.wasm.d.ts` describing the instance's exports, which would shadow
// the wildcard above; name it explicitly.
declare module '@jsquash/png/codec/pkg/squoosh_png_bg.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
