// The two pipelines the bench compares, each: setup() once per process, then
// run(bytes, { width, quality, format }) -> { data, stages? } producing an image `width` px wide in
// `format` (jpeg by default). For AVIF, sharp runs at its defaults (quality 50, effort 4): run ours
// with --quality 45, which our scale maps to libavif's 50 (src/codecs/avif.ts), so both encoders get
// the same quantiser and only speed and effort differ.
export const PIPELINES = {
  'edge-resizer': {
    async setup() {
      const { transform } = await import('../dist/index.js');
      const context = { config: { formats: { webp: true, avif: true } } };
      return async (bytes, { width, quality, format = 'jpeg' }) => {
        const result = await transform(bytes, { width, quality, format }, context);
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
      return async (bytes, { width, quality, format = 'jpeg' }) => ({
        data: await sharp(bytes)
          .rotate()
          .resize(width)
          .toFormat(format, format === 'avif' ? {} : { quality })
          .toBuffer(),
      });
    },
  },
};
