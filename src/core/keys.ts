/**
 * Request paths -> object keys, for every origin (S3, custom HTTP, folder). Each segment is
 * percent-decoded once and must then be a plain name: a segment that is empty, `.` or `..`, or that
 * holds `/`, `\` or NUL is refused, because a URL parser or a file system downstream would resolve
 * or split it and the request could leave the origin's prefix. `encodeKey` writes a key back for a
 * URL, and `keyUrl` checks that the URL it builds stays on the origin's host and under its prefix.
 */

/** The decoded segments of a path that starts with `/`, or undefined when any segment is unsafe. */
export function pathSegments(path: string): string[] | undefined {
  if (!path.startsWith('/')) return undefined;
  const segments: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments;
}

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
