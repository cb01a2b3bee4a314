import { beforeAll, describe, expect, test } from 'vitest';
import {
  canonicalPath,
  canonicalQueryString,
  canonicalRequest,
  rulesOf,
  signatureMessage,
  viewerDecision,
} from '../../src/core/canonical.js';
import { objectKey } from '../../src/core/keys.js';
import { hmacBase64url, signPath } from '../../src/core/signing.js';
import ACCEPT from '../fixtures/accept-headers.json' with { type: 'json' };
import { buildDeployables, type Synthesized, synthesize } from '../helpers/deployables.js';
import {
  encodeAll,
  forwardedQuery,
  type HostileRequest,
  hostileRequest,
  ODD_PATHS,
  pathSpelling,
  pathSpellingCount,
  REFUSED_PATHS,
  random,
  viewerEvent,
} from '../helpers/hostile.js';
import { njsSyntaxError, runInNjs } from '../helpers/njs.js';

// The viewer-request CloudFront Function exactly as `npm run synth` puts it in the template
// (cdk.out), run under Debian's njs (the engine cloudfront-js-2.0 descends from), on crafted and
// generated requests. The same code is the core's canonicaliser, so the function and the origin
// cannot disagree; these tests prove it on the engine and check the bounds it promises.

type Result = {
  uri?: string;
  statusCode?: number;
  headers?: Record<string, { value: string }>;
  querystring?: Record<string, { value: string }>;
};

const LISTS = {
  allowedWidths: [320, 640, 1280],
  allowedHeights: [200, 400],
  allowedQualities: [50, 75],
};

let plain: Synthesized;
let bounded: Synthesized;
let signed: Synthesized;
const SECRET = 'correct horse battery staple';

beforeAll(async () => {
  [plain, bounded, signed] = await Promise.all([
    synthesize({}),
    synthesize({ ...LISTS, snapWidths: true }),
    synthesize({ allowedWidths: [320, 640], signing: { required: true } }),
  ]);
}, 180_000);

async function runFunction(
  fn: Synthesized,
  requests: HostileRequest[],
  uri = '/photos/cat.jpg',
  secret?: string,
) {
  const events = requests.map((r) => viewerEvent(uri, r.pairs, r.accept));
  return runInNjs<Result>(fn.templateFunctionCode, events, secret === undefined ? {} : { secret });
}

const req = (query: string, accept: string | undefined = ACCEPT.curl): HostileRequest => ({
  pairs: query === '' ? [] : query.split('&').map((p) => p.split('=') as [string, string]),
  accept,
});

test('synth builds both functions from the file it is given', () => {
  expect(bounded.config).toMatchObject({ ...LISTS, snapWidths: true });
  expect(bounded.bundle.config).toEqual(bounded.config); // the Lambda@Edge bundle in the same dist/
  expect(bounded.templateFunctionCode).toContain('allowedHeights:[200,400]');
});

test('the template deploys the built function, which njs runs', () => {
  expect(plain.templateFunctionCode).toBe(plain.viewerCode);
  expect(plain.templateFunctionCode).toMatch(/function handler\(/);
  expect(plain.templateFunctionCode).not.toMatch(/\bimport\b/); // no module needed without signing
});

test('njs rejects what CloudFront Functions do not document, so the harness would catch it', async () => {
  expect(await njsSyntaxError('for (const x of [1]) {}')).toMatch(/not supported/);
  expect(await njsSyntaxError('const a = {}; const b = a?.c;')).toBeDefined();
  expect(await njsSyntaxError('var handler = function () { return 1; };')).toBeUndefined();
});

describe('canonical keys, on njs', () => {
  const cases: [string, string, string | undefined][] = [
    ['percent-encoded digits are decoded once', 'width=%35%30%30', 'width=500'],
    ['an encoded name is the name', 'wid%74h=500', 'width=500'],
    ['defaults are dropped', 'width=500&fit=cover&quality=80&format=auto', 'width=500'],
    ['fit with one side changes nothing', 'width=300&fit=inside', 'width=300'],
    [
      'order, junk and agreeing repeats',
      'utm=1&quality=70&height=5&width=9&fit=fill&width=9',
      'width=9&height=5&fit=fill&quality=70',
    ],
    ['lookalike names are not ours', 'Width=500&w=500&width%20=500', ''],
    ['a conflicting repeat clears the query', 'width=500&width=600', ''],
    ['an invalid value clears the query', 'width=abc&height=200', ''],
    ['a malformed escape clears the query', 'width=%zz', ''],
    ['a padded number is invalid', 'width=%2050', ''],
    ['a disabled format clears the query', 'width=300&format=avif', ''],
    ['only defaults: the original', 'quality=80&fit=cover', ''],
    ['explicit format is kept whatever Accept says', 'width=10&format=png', 'width=10&format=png'],
  ];
  test.each(cases)('%s: %s -> %s', async (_name, query, key) => {
    for (const accept of [ACCEPT.curl, undefined]) {
      const [result] = await runFunction(plain, [req(query, accept)]);
      expect(forwardedQuery(result as Result)).toBe(key);
    }
  });

  test.each([
    ['chrome', 'width=300&format=webp'],
    ['safari', 'width=300&format=webp'],
    ['firefox', 'width=300&format=webp'],
    ['curl', 'width=300'],
    ['none', 'width=300'],
    ['webp refused', 'width=300'],
    ['upper case', 'width=300&format=webp'],
  ] as const)('format from Accept for %s', async (client, key) => {
    const results = await runFunction(plain, [
      req('width=300', ACCEPT[client]),
      req('width=300&format=auto', ACCEPT[client]),
    ]);
    for (const result of results) expect(forwardedQuery(result)).toBe(key);
  });
});

describe('a few thousand generated requests', () => {
  const rnd = random(20261126);
  const requests = Array.from({ length: 3000 }, () => hostileRequest(rnd));

  test('the function decides exactly as the core, and forwards only what the origin takes as it is', async () => {
    for (const fn of [plain, bounded]) {
      const results = await runFunction(fn, requests);
      const rules = rulesOf(fn.config);
      results.forEach((result, i) => {
        const request = requests[i] as HostileRequest;
        const decision = viewerDecision(
          { uri: '/photos/cat.jpg', pairs: request.pairs, accept: request.accept },
          rules,
          () => false,
          0,
        );
        const expected = decision.kind === 'transform' ? canonicalQueryString(decision.options) : '';
        expect(forwardedQuery(result), JSON.stringify(request)).toBe(expected);
        // The origin re-parses what it receives: already canonical, so nothing changes or is refused.
        const forwarded = forwardedQuery(result);
        const again = canonicalRequest(
          forwarded === '' ? [] : forwarded.split('&').map((p) => p.split('=') as [string, string]),
          rules,
        );
        if (forwarded === '') expect(again.kind).toBe('none');
        else expect(again.kind === 'transform' && canonicalQueryString(again.options)).toBe(forwarded);
      });
    }
  }, 60_000);

  test('the keys one path can have stay within the bound, whatever is sent', async () => {
    // The bound for these lists: (|widths|+1) x (|heights|+1) x (|qualities|+1) x fits x formats,
    // with formats = none, jpeg, png, webp (AVIF is off).
    const bound = (3 + 1) * (2 + 1) * (2 + 1) * 5 * 4;
    const sprayed: HostileRequest[] = [...requests];
    for (let w = 1; w <= 2000; w++)
      sprayed.push({ pairs: [['width', encodeAll(String(w))]], accept: ACCEPT.chrome });
    for (let h = 1; h <= 1000; h++)
      sprayed.push({
        pairs: [
          ['width', '320'],
          ['height', String(h)],
        ],
        accept: undefined,
      });
    for (let q = 1; q <= 100; q++)
      sprayed.push({
        pairs: [
          ['width', '320'],
          ['quality', String(q)],
        ],
        accept: ACCEPT.safari,
      });
    const results = await runFunction(bounded, sprayed);
    const keys = new Set(results.map(forwardedQuery));
    expect(keys.size).toBeLessThanOrEqual(bound);
    expect(keys.size).toBeGreaterThan(20); // the generator does reach many variants
    for (const key of keys) {
      const values = new URLSearchParams(key);
      const width = values.get('width');
      const height = values.get('height');
      const quality = values.get('quality');
      if (width !== null) expect(LISTS.allowedWidths).toContain(Number(width));
      if (height !== null) expect(LISTS.allowedHeights).toContain(Number(height));
      if (quality !== null) expect(LISTS.allowedQualities).toContain(Number(quality));
    }
  }, 60_000);

  test('refusing instead of snapping: other values are the original, one key', async () => {
    const strict = await buildDeployables(LISTS);
    const results = await runInNjs<Result>(
      strict.viewerCode,
      [
        req('width=321'),
        req('width=320&height=201'),
        req('width=320&quality=51'),
        req('width=640&height=400&quality=50'),
      ].map((r) => viewerEvent('/a.jpg', r.pairs, r.accept)),
    );
    expect(results.map(forwardedQuery)).toEqual(['', '', '', 'width=640&height=400&quality=50']);
  }, 60_000);
});

describe('paths in the key, on njs', () => {
  /** The cache key CloudFront builds from what the function forwards: path plus the query. */
  const cacheKeyOf = (result: Result) => `${result.uri}?${forwardedQuery(result)}`;

  test('thousands of spellings of one object are one cache key', async () => {
    const name = '/photos/landscape.jpg';
    expect(pathSpellingCount('/landscape.jpg')).toBe(41_472); // the count, for one name
    const rnd = random(20261204);
    const spellings = new Set<string>();
    while (spellings.size < 4000) spellings.add(pathSpelling(rnd, name));
    const events = [...spellings].map((uri) => viewerEvent(uri, [['width', '320']], ACCEPT.curl));
    const results = await runInNjs<Result>(plain.templateFunctionCode, events);
    expect(new Set(results.map(cacheKeyOf))).toEqual(new Set([`${name}?width=320`]));
  }, 60_000);

  test('the function and the origin decode every path alike; what the origin refuses is a 404 here', async () => {
    const rnd = random(7);
    const paths = [...ODD_PATHS, ...REFUSED_PATHS];
    for (let i = 0; i < 1500; i++) paths.push(pathSpelling(rnd, ODD_PATHS[i % ODD_PATHS.length] as string));
    for (const refused of REFUSED_PATHS.slice(1, -1)) paths.push(pathSpelling(rnd, refused));
    const results = await runInNjs<Result>(
      plain.templateFunctionCode,
      paths.map((uri) => viewerEvent(uri, [['width', '320']], undefined)),
    );
    let refused = 0;
    results.forEach((result, i) => {
      const path = paths[i] as string;
      const key = objectKey('', path);
      if (key === undefined) {
        refused++;
        expect(result.statusCode, path).toBe(404);
        expect(result.headers?.['x-resizer-passthrough']?.value).toBe('invalid-key');
        return;
      }
      // The origin reads the forwarded (canonical) path as the same object key as the raw one.
      expect(result.uri, path).toBe(canonicalPath(path));
      expect(objectKey('', result.uri as string), path).toBe(key);
      expect(canonicalPath(result.uri as string)).toBe(result.uri); // canonical stays canonical
    });
    expect(refused).toBeGreaterThanOrEqual(REFUSED_PATHS.length);
    // One key per object: spellings of one name land on one forwarded path.
    const forwarded = new Set(results.filter((r) => r.uri !== undefined).map((r) => r.uri));
    const objects = new Set(paths.map((p) => objectKey('', p)).filter((k) => k !== undefined));
    expect(forwarded.size).toBe(objects.size);
  }, 60_000);

  test.each([
    ['/photos/my cat.jpg', '/photos/my%20cat.jpg'],
    ['/photos/my+cat.jpg', '/photos/my%2Bcat.jpg'],
    ['/caf%c3%a9.jpg', '/caf%C3%A9.jpg'],
    ['/cat%402x.jpg', '/cat@2x.jpg'],
    ['/%28a%29.jpg', '/(a).jpg'],
    ['/%7Euser/x.jpg', '/~user/x.jpg'],
  ])('%s is forwarded as %s', async (uri, canonical) => {
    const [result] = await runInNjs<Result>(plain.templateFunctionCode, [viewerEvent(uri, [], undefined)]);
    expect(result?.uri).toBe(canonical);
  });
});

const cacheKey = (result: Result) => `${result.uri}?${forwardedQuery(result)}`;

describe('signed URLs', () => {
  test('a valid signature passes (and is never forwarded); missing, wrong or tampered ones get 403', async () => {
    const path = '/photos/cat.jpg';
    const good = await signPath(`${path}?width=320&quality=80`, SECRET, signed.config);
    expect(good).toBe(
      `${path}?width=320&sig=${await hmacBase64url(SECRET, signatureMessage(path, { width: 320 }))}`,
    );
    const sig = new URL(good, 'https://x').searchParams.get('sig') as string;
    const requests: HostileRequest[] = [
      req(`width=320&sig=${sig}`),
      req(`sig=${sig}&utm=1&width=%33%32%30&fit=cover`), // reordered, encoded, defaults: same canonical request
      req('width=320'), // missing
      req(`width=320&sig=${sig.slice(0, -1)}A`), // wrong
      req(`width=640&sig=${sig}`), // another request's signature
      req(`width=320&sig=${sig}&sig=${sig}`), // repeated
      req('utm=1'), // no transform asked: the original needs no signature
      req(`width=abc&sig=${sig}`), // invalid values cannot be signed
    ];
    const results = await runFunction(signed, requests, path, SECRET);
    expect(results.map((r) => r.statusCode ?? forwardedQuery(r))).toEqual([
      'width=320',
      'width=320',
      403,
      403,
      403,
      403,
      '',
      403,
    ]);
    expect(results[2]?.headers?.['cache-control']?.value).toBe('no-store');
  });

  test('with no secret in the key value store, every signature is refused', async () => {
    const good = await signPath('/a.jpg?width=320', SECRET, signed.config);
    const sig = new URL(good, 'https://x').searchParams.get('sig') as string;
    const [result] = await runFunction(signed, [req(`width=320&sig=${sig}`)], '/a.jpg');
    expect(result?.statusCode).toBe(403);
  });

  test('an expires in the past is 403; one ahead passes; expires and kid are covered by the signature', async () => {
    const now = Math.floor(Date.now() / 1000);
    const path = '/photos/cat.jpg';
    const ahead = await signPath(`${path}?width=320`, SECRET, signed.config, { expires: now + 600 });
    const past = await signPath(`${path}?width=320`, SECRET, signed.config, { expires: now - 1 });
    const query = (url: string) => url.slice(url.indexOf('?') + 1);
    const stretched = query(ahead).replace(`expires=${now + 600}`, `expires=${now + 99_999}`);
    const results = await runFunction(
      signed,
      [req(query(ahead)), req(query(past)), req(stretched), req(query(ahead).replace(/&expires=\d+/, ''))],
      path,
      SECRET,
    );
    expect(results.map((r) => r.statusCode ?? forwardedQuery(r))).toEqual(['width=320', 403, 403, 403]);
    expect(results.map((r) => r.headers?.['x-resizer-denied']?.value)).toEqual([
      undefined,
      'Expired',
      'Invalid signature',
      'Invalid signature',
    ]);
  });

  test('rotation: a URL signed with the old key id works until that key is removed', async () => {
    const OLD = 'the secret of 2025, retired soon';
    const NEW = 'the secret of 2026, current now';
    const path = '/photos/cat.jpg';
    const urls = [
      await signPath(`${path}?width=320`, OLD, signed.config), // today's URLs: no kid, the default key
      await signPath(`${path}?width=320`, OLD, signed.config, { kid: 'y2025' }),
      await signPath(`${path}?width=640`, NEW, signed.config, { kid: 'y2026' }),
      (await signPath(`${path}?width=640`, NEW, signed.config, { kid: 'y2026' })).replace(
        'kid=y2026',
        'kid=y2025',
      ),
    ];
    const requests = urls.map((url) => req(url.slice(url.indexOf('?') + 1)));
    const run = async (store: Record<string, string>) =>
      (
        await runInNjs<Result>(
          signed.templateFunctionCode,
          requests.map((r) => viewerEvent(path, r.pairs, r.accept)),
          { store },
        )
      ).map((r) => r.statusCode ?? forwardedQuery(r));
    const both = { 'signing-secret': OLD, 'signing-secret-y2025': OLD, 'signing-secret-y2026': NEW };
    expect(await run(both)).toEqual(['width=320', 'width=320', 'width=640', 403]);
    const retired = { 'signing-secret-y2026': NEW };
    expect(await run(retired)).toEqual([403, 403, 'width=640', 403]);
  });

  test('a signature covers the canonical path: any spelling of the signed path passes', async () => {
    const signedUrl = await signPath('/photos/my cat.jpg?width=320', SECRET, signed.config);
    expect(signedUrl.startsWith('/photos/my%20cat.jpg?width=320&sig=')).toBe(true);
    const query = signedUrl.slice(signedUrl.indexOf('?') + 1);
    const results = await runInNjs<Result>(
      signed.templateFunctionCode,
      ['/photos/my%20cat.jpg', '/photos/my%20c%61t.jpg', '/%70hotos/my cat.jpg', '/photos/my%20dog.jpg'].map(
        (uri) => viewerEvent(uri, req(query).pairs, undefined),
      ),
      { secret: SECRET },
    );
    expect(results.map((r) => r.statusCode ?? cacheKey(r))).toEqual([
      '/photos/my%20cat.jpg?width=320',
      '/photos/my%20cat.jpg?width=320',
      '/photos/my%20cat.jpg?width=320',
      403,
    ]);
  });

  test('the template holds no secret: a key value store, associated with the function', () => {
    const resources = Object.values(signed.template.Resources);
    expect(resources.filter((r) => r.Type === 'AWS::CloudFront::KeyValueStore')).toHaveLength(1);
    const fn = resources.find((r) => r.Type === 'AWS::CloudFront::Function');
    expect(JSON.stringify(fn?.Properties.FunctionConfig)).toContain('KeyValueStoreAssociations');
    expect(JSON.stringify(signed.template)).not.toContain(SECRET);
    expect(signed.templateFunctionCode.startsWith("import cf from 'cloudfront';")).toBe(true);
    expect(
      Object.values(plain.template.Resources).some((r) => r.Type === 'AWS::CloudFront::KeyValueStore'),
    ).toBe(false);
  });
});

test('the function stays under 10 KB with the largest configuration', async () => {
  const list = (max: number) => Array.from({ length: 64 }, (_, i) => max - i);
  const largest = await buildDeployables({
    allowedWidths: list(16383),
    allowedHeights: list(16383),
    allowedQualities: list(100).map((q) => q - 36),
    snapWidths: true,
    signing: { required: true },
  });
  expect(Buffer.byteLength(largest.viewerCode)).toBeLessThan(10 * 1024);
  const [result] = await runInNjs<Result>(
    largest.viewerCode,
    [viewerEvent('/a.jpg', [['width', '16000']], undefined)],
    {
      secret: 's',
    },
  );
  expect(result?.statusCode).toBe(403);
}, 60_000);
