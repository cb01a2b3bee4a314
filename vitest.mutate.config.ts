/**
 * The suite StrykerJS runs against each mutant (`npm run mutate`): the tests that exercise the
 * sources in-process and quickly. Tests of built artefacts (bundles, the viewer function under njs,
 * the packed library, the CLI) would run the unmutated dist/ and only cost time.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  plugins: base.plugins,
  test: {
    ...base.test,
    include: [
      'test/unit/**/*.test.ts',
      'test/transform.test.ts',
      'test/reliability.test.ts',
      'test/server.test.ts',
      'test/lambda-edge/handler.test.ts',
      'test/lambda-edge/request.test.ts',
      'test/workers.test.ts',
    ],
    exclude: ['test/unit/boundaries.test.ts'], // reads dist/ and the build's freshness
    globalSetup: [],
  },
});
