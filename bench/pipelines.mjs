// The two pipelines the bench compares, each: setup() once per process, then
// run(bytes, { width, quality }) -> { data, stages? } producing a JPEG `width` px wide.
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
};
