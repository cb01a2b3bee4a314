import { describe, expect, test } from 'vitest';
import {
  describeRequest,
  httpLocation,
  requestKey,
  s3Location,
} from '../../src/adapters/lambda-edge/request.js';
import { originResponseEvent } from '../helpers/events.js';

describe('bucket and region from the S3 origin domain', () => {
  test.each([
    ['photos.s3.us-east-1.amazonaws.com', undefined, { bucket: 'photos', region: 'us-east-1' }],
    ['photos.s3.eu-west-1.amazonaws.com', undefined, { bucket: 'photos', region: 'eu-west-1' }],
    ['photos.s3.amazonaws.com', undefined, { bucket: 'photos', region: 'us-east-1' }], // legacy global
    ['photos.s3-ap-southeast-2.amazonaws.com', undefined, { bucket: 'photos', region: 'ap-southeast-2' }], // dash form
    ['photos.s3-external-1.amazonaws.com', undefined, { bucket: 'photos', region: 'us-east-1' }],
    [
      'my.dotted.bucket.s3.us-west-2.amazonaws.com',
      undefined,
      { bucket: 'my.dotted.bucket', region: 'us-west-2' },
    ],
    [
      'photos.s3.dualstack.eu-central-1.amazonaws.com',
      undefined,
      { bucket: 'photos', region: 'eu-central-1' },
    ],
    ['photos.s3.amazonaws.com', 'eu-north-1', { bucket: 'photos', region: 'eu-north-1' }], // OAI events name the region
  ])('%s (region %s)', (domainName, region, expected) => {
    const origin = {
      s3: {
        authMethod: 'none' as const,
        customHeaders: {},
        domainName,
        path: '',
        ...(region ? { region } : {}),
      },
    };
    expect(s3Location({ origin })).toEqual({ ...expected, domainName });
  });

  test.each(['example.com', 'photos.s3.example.com', 's3.amazonaws.com'])(
    '%s is not an S3 bucket host',
    (domainName) => {
      expect(
        s3Location({ origin: { s3: { authMethod: 'none', customHeaders: {}, domainName, path: '' } } }),
      ).toBeUndefined();
    },
  );

  test('a custom origin has no S3 location', () => {
    const origin = {
      custom: {
        customHeaders: {},
        domainName: 'images.example.com',
        path: '',
        port: 443,
        protocol: 'https' as const,
      },
    };
    expect(s3Location({ origin })).toBeUndefined();
  });
});

describe('object keys', () => {
  const s3 = (path = '') => ({
    s3: { authMethod: 'none' as const, customHeaders: {}, domainName: 'b.s3.amazonaws.com', path },
  });
  test.each([
    ['/photo.jpg', '', 'photo.jpg'],
    ['/photos/cat%20one.jpg', '', 'photos/cat one.jpg'],
    ['/caf%C3%A9.jpg', '', 'café.jpg'],
    ['/a+b.jpg', '', 'a+b.jpg'],
    ['/a%2Bb.jpg', '', 'a+b.jpg'],
    ['/photo.jpg', '/images', 'images/photo.jpg'],
    ['/photo.jpg', '/images/2026', 'images/2026/photo.jpg'],
    ['/../secret.jpg', '', undefined],
    // A decoded segment must be a plain name: an encoded slash, backslash or NUL could be resolved
    // or split by whatever reads the key next, leaving the origin's prefix.
    ['/a%2Fb.jpg', '', undefined],
    ['/x%2F..%2F..%2Fprivate%2Fsecret.jpg', '/public', undefined],
    ['/a%5C..%5C..%5Csecret.jpg', '/images', undefined],
    ['/a\\..\\secret.jpg', '/images', undefined],
    ['/a%00.jpg', '', undefined],
    ['/a//b.jpg', '', undefined],
    ['/photos/', '', undefined],
    ['photo.jpg', '', undefined], // no leading slash
    ['/.hidden.jpg', '', '.hidden.jpg'], // S3 keys may start with a dot
    ['/%2e%2e/secret.jpg', '', undefined],
    ['/a/./b.jpg', '', undefined],
    ['/bad%zz.jpg', '', undefined],
    ['/', '', undefined],
  ])('%s with origin path %j', (uri, path, key) => {
    expect(requestKey({ uri, origin: s3(path) })).toBe(key);
  });
});

test('describeRequest reads the query, Accept, status and origin headers', () => {
  const event = originResponseEvent({
    uri: '/photo.jpg',
    querystring: 'height=200&width=300&utm=1',
    accept: 'image/webp,*/*',
    status: '200',
    responseHeaders: { 'cache-control': 'max-age=60', 'content-length': '12345' },
  });
  expect(describeRequest(event)).toEqual({
    method: 'GET',
    key: 'photo.jpg',
    s3: { bucket: 'photos', region: 'us-east-1', domainName: 'photos.s3.us-east-1.amazonaws.com' },
    query: { kind: 'transform', options: { width: 300, height: 200 } },
    accept: 'image/webp,*/*',
    originStatus: '200',
    originCacheControl: 'max-age=60',
    originLength: 12345,
  });
});

test('an event without records is a TypeError, not a silent passthrough', () => {
  expect(() => describeRequest({ Records: [] })).toThrow(TypeError);
});

describe('custom origin URLs stay on the origin and under its path', () => {
  const custom = (path: string) => ({
    custom: {
      customHeaders: { 'x-origin-secret': [{ key: 'X-Origin-Secret', value: 's3cr3t' }] },
      domainName: 'images.example.com',
      path,
      port: 8443,
      protocol: 'https' as const,
    },
  });
  test.each([
    ['/photo.jpg', '/images', 'https://images.example.com:8443/images/photo.jpg'],
    ['/a%20b/c.jpg', '', 'https://images.example.com:8443/a%20b/c.jpg'],
  ])('%s under %j', (uri, path, url) => {
    expect(httpLocation({ uri, origin: custom(path) })).toEqual({
      url,
      headers: { 'x-origin-secret': 's3cr3t' },
    });
  });
  test.each([
    '/a\\..\\..\\secret.jpg',
    '/a%5C..%5Csecret.jpg',
    '/x%2F..%2F..%2Fsecret.jpg',
    '//evil.example.com/x.jpg',
    '@evil.example.com/x.jpg',
    'evil.example.com/x.jpg',
  ])('%s is refused', (uri) => {
    expect(httpLocation({ uri, origin: custom('/images') })).toBeUndefined();
  });
});
