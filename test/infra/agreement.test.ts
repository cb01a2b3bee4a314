import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CloudFrontResponse } from '../../src/adapters/lambda-edge/types.js';
import { startServer } from '../../src/adapters/node/server.js';
import { signPath } from '../../src/core/signing.js';
import { makeCorpus } from '../helpers/corpus.js';
import { type Synthesized, synthesize } from '../helpers/deployables.js';
import { originResponseEvent } from '../helpers/events.js';
import {
  type HostileRequest,
  hostileRequest,
  plausibleRequest,
  random,
  rawQuery,
  viewerEvent,
} from '../helpers/hostile.js';
import { runInNjs } from '../helpers/njs.js';

// The same requests through the dev server, and through the deployed path (the viewer function from
// the synthesized template, under njs, then the built Lambda@Edge handler on its canonical query),
// must come to the same decision: 403, the original, or the same image (size and format).

type Decision = string;

const PATHS = [
  '/photo.jpg',
  '/alpha.png',
  '/pic.webp',
  '/anim.gif',
  '/corrupt.jpg',
  '/photos/nested%20cat.jpg',
];
const SECRET = 'agreement-secret';

let root: string;
let deployments: { name: string; fn: Synthesized; secret?: string }[];

beforeAll(async () => {
  root = await makeCorpus();
  const [bounded, signed] = await Promise.all([
    synthesize({ allowedWidths: [100, 320, 640], allowedQualities: [40, 75], snapWidths: true }),
    synthesize({ allowedHeights: [100, 200, 400], signing: { required: true } }),
  ]);
  deployments = [
    { name: 'allowlists, snapping', fn: bounded },
    { name: 'signing, strict heights', fn: signed, secret: SECRET },
  ];
}, 180_000);

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

async function describeImage(body: Uint8Array): Promise<Decision> {
  const meta = await sharp(body).metadata();
  return `${meta.width}x${meta.height} ${meta.format}`;
}

test.each([0, 1])(
  'dev server and function + handler agree (deployment %i)',
  async (index) => {
    const { fn, secret } = deployments[index] as (typeof deployments)[number];
    const server = await startServer({ root, port: 0, config: fn.config, secret });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));

    const rnd = random(7 + index);
    const cases: { path: string; request: HostileRequest }[] = [];
    for (let i = 0; i < 150; i++) {
      const path = PATHS[i % PATHS.length] as string;
      const request = i % 3 === 0 ? hostileRequest(rnd) : plausibleRequest(rnd);
      if (secret && i % 4 !== 0) {
        // Three in four signed, as a site would sign them (only valid requests can be).
        const signed = await signPath(`${path}?${rawQuery(request.pairs)}`, secret, fn.config).catch(
          () => undefined,
        );
        if (signed?.includes('sig=')) {
          const query = signed.slice(signed.indexOf('?') + 1);
          request.pairs = query.split('&').map((p) => p.split('=') as [string, string]);
        }
      }
      cases.push({ path, request });
    }

    // The deployed path: viewer function (template code, njs), then the built handler.
    const viewer = await runInNjs<{ statusCode?: number; querystring?: Record<string, { value: string }> }>(
      fn.templateFunctionCode,
      cases.map(({ path, request }) => viewerEvent(path, request.pairs, request.accept)),
      secret ? { secret } : {},
    );
    const handler = fn.bundle.createHandler({ config: fn.config, origin: fn.bundle.folderOrigin(root) });
    const deployed: Decision[] = [];
    for (const [i, result] of viewer.entries()) {
      if (result.statusCode !== undefined) {
        deployed.push(String(result.statusCode));
        continue;
      }
      const { path, request } = cases[i] as (typeof cases)[number];
      const querystring = Object.entries(result.querystring ?? {})
        .map(([name, { value }]) => `${name}=${value}`)
        .join('&');
      const response: CloudFrontResponse = await handler(
        originResponseEvent({
          uri: path,
          querystring,
          ...(request.accept ? { accept: request.accept } : {}),
        }),
      );
      deployed.push(response.body ? await describeImage(Buffer.from(response.body, 'base64')) : 'original');
    }

    const local: Decision[] = [];
    for (const { path, request } of cases) {
      const query = rawQuery(request.pairs);
      const res = await fetch(`${base}${path}${query ? `?${query}` : ''}`, {
        headers: request.accept === undefined ? {} : { accept: request.accept },
      });
      const body = new Uint8Array(await res.arrayBuffer());
      if (res.status !== 200) local.push(String(res.status));
      else local.push(res.headers.get('x-resizer-passthrough') ? 'original' : await describeImage(body));
    }

    expect(local).toEqual(deployed);
    // The generators reach every kind of decision, images included.
    const count = (kind: string) =>
      local.filter((d) => (d === 'original' || d === '403' ? d : 'image') === kind).length;
    expect(count('image')).toBeGreaterThan(20);
    expect(count('original')).toBeGreaterThan(20);
    if (secret) expect(count('403')).toBeGreaterThan(10);
  },
  180_000,
);
