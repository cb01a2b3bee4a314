// The three pipelines the bench compares, each: setup() once per process, then
// run(bytes, { width, quality }) -> { data, stages? } producing a JPEG `width` px wide.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const wasmOf = (specifier) => WebAssembly.compile(readFileSync(require.resolve(specifier)));

export const PIPELINES = {
  'edge-resizer': {
    async setup() {
      const { transform } = await import('../dist/index.js');
      return async (bytes, { width, quality }) => {
        const result = await transform(bytes, { width, quality, format: 'jpeg' });
        return { data: result.data, stages: result.timings };
      };
    },
  },
  // Native libvips, as fair as it gets: one thread, no operation cache, EXIF orientation applied.
  sharp: {
    async setup() {
      const sharp = (await import('sharp')).default;
      sharp.concurrency(1);
      sharp.cache(false);
      return async (bytes, { width, quality }) => ({
        data: await sharp(bytes).rotate().resize(width).jpeg({ quality }).toBuffer(),
      });
    },
  },
  // The plain jSquash pipeline with its defaults (MozJPEG, Lanczos3 in linear light), the starting point.
  jsquash: {
    async setup() {
      const jpegDecode = await import('@jsquash/jpeg/decode.js');
      const jpegEncode = await import('@jsquash/jpeg/encode.js');
      const png = await import('@jsquash/png/decode.js');
      const resize = await import('@jsquash/resize');
      await jpegDecode.init(await wasmOf('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'));
      await jpegEncode.init(await wasmOf('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm'));
      await png.init(await wasmOf('@jsquash/png/codec/pkg/squoosh_png_bg.wasm'));
      await resize.initResize(await wasmOf('@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm'));
      return async (bytes, { width, quality }) => {
        const stages = {};
        let start = performance.now();
        const isPng = bytes[0] === 0x89;
        const image = isPng ? await png.decode(bytes) : await jpegDecode.default(bytes);
        stages.decode = performance.now() - start;
        start = performance.now();
        const height = Math.round((image.height * width) / image.width);
        const resized = await resize.default(image, { width, height });
        stages.resize = performance.now() - start;
        start = performance.now();
        const data = new Uint8Array(await jpegEncode.default(resized, { quality }));
        stages.encode = performance.now() - start;
        return { data, stages };
      };
    },
  },
};
