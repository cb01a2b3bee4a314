/**
 * The Lambda@Edge bundle's entry (dist/lambda-edge/index.mjs): `handler` for the origin-response
 * trigger, configured from the object baked in at build time, reading originals from S3 with the
 * function's own credentials (or with a plain GET from a custom origin).
 */
import { type EdgeConfigOverrides, resolveEdgeConfig } from './config.js';
import { createHandler } from './handler.js';
import { eitherOrigin } from './origin.js';
import { environmentCredentials, s3Origin } from './s3-origin.js';

declare const __EDGE_RESIZER_CONFIG__: EdgeConfigOverrides | undefined;

/** The configuration this bundle was built with, resolved against the defaults. */
export const config = resolveEdgeConfig(
  typeof __EDGE_RESIZER_CONFIG__ === 'undefined' ? {} : __EDGE_RESIZER_CONFIG__,
);

export const handler = createHandler({
  config,
  origin: eitherOrigin(
    s3Origin({ credentials: () => environmentCredentials(process.env), endpoint: config.s3Endpoint }),
  ),
  // One JSON line per request in CloudWatch (/aws/lambda/us-east-1.<name>, in the serving Region).
  log: (entry) => console.log(JSON.stringify({ source: 'edge-resizer', ...entry })),
});

export { folderOrigin } from './folder-origin.js';
export { createHandler } from './handler.js';
export { eitherOrigin, httpOrigin } from './origin.js';
export { s3Origin } from './s3-origin.js';
