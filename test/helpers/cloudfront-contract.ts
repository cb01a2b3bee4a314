/**
 * What a live distribution enforces on an origin-response result (EDGE-FACTS.md): every result a
 * test produces goes through `violations`, which lists what CloudFront would refuse with a 502.
 */
import type { CloudFrontHeaders, CloudFrontResponse } from '../../src/adapters/lambda-edge/types.js';

const READ_ONLY = ['transfer-encoding', 'via'];
const DISALLOWED = [
  'connection',
  'expect',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'trailer',
  'upgrade',
  'x-real-ip',
  'x-cache',
  'x-forwarded-proto',
];
const DISALLOWED_PREFIXES = ['x-accel-', 'x-amz-cf-', 'x-amzn-', 'x-edge-'];
export const GENERATED_BUDGET = 1_000_000;

export function violations(result: CloudFrontResponse, incoming: { headers: CloudFrontHeaders }): string[] {
  const problems: string[] = [];
  const status = Number(result.status);
  if (typeof result.status !== 'string' || !Number.isInteger(status) || status < 200 || status > 599) {
    problems.push(`status ${JSON.stringify(result.status)} is not a string between 200 and 599`);
  }
  for (const [name, entries] of Object.entries(result.headers)) {
    if (name !== name.toLowerCase()) problems.push(`header ${name} is not lowercase`);
    if (!Array.isArray(entries) || entries.length === 0)
      problems.push(`header ${name} is not a non-empty array`);
    for (const entry of entries ?? []) {
      if (typeof entry.value !== 'string') problems.push(`header ${name} has a non-string value`);
      if (entry.key !== undefined && entry.key.toLowerCase() !== name)
        problems.push(`header ${name} has key ${entry.key}`);
      if (/[\r\n]/.test(entry.value ?? '')) problems.push(`header ${name} has a line break`);
    }
    const added = !(name in incoming.headers);
    if (added && (DISALLOWED.includes(name) || DISALLOWED_PREFIXES.some((p) => name.startsWith(p)))) {
      problems.push(`header ${name} may not be added`);
    }
  }
  for (const name of READ_ONLY) {
    if (JSON.stringify(result.headers[name]) !== JSON.stringify(incoming.headers[name])) {
      problems.push(`read-only header ${name} changed`);
    }
  }
  if (result.body !== undefined) {
    if (result.bodyEncoding !== 'base64' && result.bodyEncoding !== 'text')
      problems.push('body without a valid bodyEncoding');
    if (result.bodyEncoding === 'base64' && !isBase64(result.body)) problems.push('body is not valid base64');
    if (result.status === '204') problems.push('a 204 response has a body');
    const size = result.body.length + headerSize(result.headers) + 32;
    if (size > GENERATED_BUDGET)
      problems.push(`generated response is ${size} bytes, over ${GENERATED_BUDGET}`);
  }
  return problems;
}

function headerSize(headers: CloudFrontHeaders): number {
  return Object.entries(headers).reduce(
    (sum, [name, entries]) => sum + entries.reduce((s, e) => s + name.length + e.value.length + 4, 0),
    0,
  );
}

function isBase64(text: string): boolean {
  return (
    text.length % 4 === 0 &&
    /^[A-Za-z0-9+/]*={0,2}$/.test(text) &&
    Buffer.from(text, 'base64').toString('base64') === text
  );
}

export function decodeBody(result: CloudFrontResponse): Buffer {
  if (result.body === undefined) throw new Error('result has no body');
  return Buffer.from(result.body, 'base64');
}

export function header(result: CloudFrontResponse, name: string): string | undefined {
  return result.headers[name]?.[0]?.value;
}
