/**
 * Request paths -> object keys, for every origin (S3, custom HTTP, folder). Each segment is
 * percent-decoded once and must then be a plain name, by the rule the viewer function's canonical
 * path also follows (`decodeSegment` in canonical.ts, so the cache key and the object key cannot
 * disagree). `encodeKey` writes a key back for a URL, and `keyUrl` checks that the URL it builds
 * stays on the origin's host and under its prefix.
 */
import { pathSegments } from './canonical.js';

export { pathSegments };

/** The prefix of an origin path (`/images/`, `images`): trusted configuration, empty parts ignored. */
export function prefixSegments(prefix: string): string[] {
  return prefix.split('/').filter((segment) => segment !== '');
}

/** The object key for a request path under an origin prefix, or undefined when the path is unsafe. */
export function objectKey(prefix: string, path: string): string | undefined {
  const segments = pathSegments(path);
  if (segments === undefined) return undefined;
  return [...prefixSegments(prefix), ...segments].join('/');
}

/** `a b/c+d.jpg` -> `a%20b/c%2Bd.jpg`: each segment encoded per RFC 3986, as S3 signing expects. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

/**
 * `base` + the encoded key, checked: the URL must keep `base`'s origin and path prefix. Throws a
 * TypeError otherwise (a bug, since keys are validated; nothing leaves the function unchecked).
 */
export function keyUrl(base: string, key: string): URL {
  const root = new URL(base);
  const prefix = root.pathname.endsWith('/') ? root.pathname : `${root.pathname}/`;
  const url = new URL(`${root.origin}${prefix}${encodeKey(key)}`);
  if (url.origin !== root.origin || !url.pathname.startsWith(prefix)) {
    throw new TypeError(`Refusing an origin URL outside ${root.origin}${prefix}`);
  }
  return url;
}
