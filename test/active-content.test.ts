import { describe, expect, test } from 'vitest';
import { createFetchHandler } from '../src/adapters/fetch/handler.js';
import { ACTIVE_CONTENT_CSP, passthroughHeaders } from '../src/core/respond.js';
import { jpegBomb } from './helpers/bombs.js';

// An original that can carry script, passed through by the fetch handler (and so the Worker, Deno,
// Bun and the dev server), is sandboxed: opened on its own, its script never runs in our origin.
// The Lambda@Edge bundle's side is in test/lambda-edge/bundle.test.ts.

const SVG = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>',
);
const POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

const objects: Record<string, () => Response | Uint8Array> = {
  'evil.svg': () => SVG,
  'page.jpg': () =>
    new Response('<html><script>alert(1)</script></html>', { headers: { 'content-type': 'text/html' } }),
  'photo.jpg': () =>
    new Response(jpegBomb(400, 300) as Uint8Array<ArrayBuffer>, {
      headers: { 'content-type': 'image/jpeg' },
    }),
};
const handler = createFetchHandler({ origin: async (key) => objects[key]?.() });

describe('passthroughs of active content carry a sandboxing Content-Security-Policy', () => {
  test.each([
    ['/evil.svg?width=100', 'unsupported-input', 'image/svg+xml'],
    ['/evil.svg', 'no-parameters', 'image/svg+xml'],
    ['/page.jpg?width=100', 'unsupported-input', 'text/html'],
  ])('%s: %s, %s', async (url, reason, type) => {
    for (const method of ['GET', 'HEAD']) {
      const response = await handler(new Request(`http://localhost${url}`, { method }));
      expect(response.status).toBe(200);
      expect(response.headers.get('x-resizer-passthrough')).toBe(reason);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('content-security-policy')).toBe(POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  test('a raster original passed through carries none', async () => {
    const response = await handler(new Request('http://localhost/photo.jpg?width=800'));
    expect(response.headers.get('x-resizer-passthrough')).toBe('upscale');
    expect(response.headers.get('content-security-policy')).toBeNull();
  });

  test.each([
    ['image/svg+xml', true],
    ['IMAGE/SVG+XML; charset=utf-8', true],
    ['text/html', true],
    ['application/xml', true],
    ['application/octet-stream', true],
    [undefined, true],
    ['image/jpeg', false],
    ['image/png', false],
    ['image/webp', false],
    ['image/gif', false],
    ['image/avif', false],
  ])('the policy for %s: %s', (type, sandboxed) => {
    expect(ACTIVE_CONTENT_CSP).toBe(POLICY);
    expect(passthroughHeaders(type)).toEqual(sandboxed ? { 'content-security-policy': POLICY } : {});
  });
});
