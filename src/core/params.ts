/**
 * Query string -> canonical TransformOptions, or a typed rejection. Table-driven: each recognised
 * parameter is one record with a validator; names outside the table are ignored. The canonical key is
 * built in table order, so the order of parameters in the URL never changes output or cache key.
 */
import { ResizerError } from './errors.js';
import { FITS, FORMAT_PARAMS, type TransformOptions } from './options.js';

type Validator<T> = (name: string, raw: string) => T;

/** Largest width or height a request may name; WebP's own limit is 16383. */
export const MAX_DIMENSION = 16383;

function expected(what: string, name: string, raw: string): ResizerError {
  return new ResizerError('invalid-parameter', `Expected ${what} for ${name} but received '${raw}'`);
}

function integer(min: number, max: number): Validator<number> {
  return (name, raw) => {
    // Canonical decimal only: no sign, exponent, hex, padding, leading zeros or non-ASCII digits.
    if (!/^[1-9][0-9]{0,8}$/.test(raw)) throw expected(`integer between ${min} and ${max}`, name, raw);
    const value = Number(raw);
    if (value < min || value > max) throw expected(`integer between ${min} and ${max}`, name, raw);
    return value;
  };
}

function oneOf<T extends string>(values: readonly T[]): Validator<T> {
  return (name, raw) => {
    if (!(values as readonly string[]).includes(raw))
      throw expected(`one of ${values.join(', ')}`, name, raw);
    return raw as T;
  };
}

const PARAMETERS = {
  width: integer(1, MAX_DIMENSION),
  height: integer(1, MAX_DIMENSION),
  fit: oneOf(FITS),
  format: oneOf(FORMAT_PARAMS),
  quality: integer(1, 100),
} satisfies { [K in keyof TransformOptions]-?: Validator<NonNullable<TransformOptions[K]>> };

export type ParameterName = keyof typeof PARAMETERS;
export const PARAMETER_NAMES = Object.keys(PARAMETERS) as ParameterName[];

export type ParsedQuery =
  | { kind: 'none' }
  | { kind: 'transform'; options: TransformOptions }
  | { kind: 'invalid'; error: ResizerError };

/** Parses a raw query string (with or without a leading `?`) or URLSearchParams. Never throws. */
export function parseQuery(query: string | URLSearchParams): ParsedQuery {
  const params = typeof query === 'string' ? new URLSearchParams(query) : query;
  const raw: Partial<Record<ParameterName, string>> = {};
  try {
    for (const name of PARAMETER_NAMES) {
      const values = [...new Set(params.getAll(name))];
      if (values.length > 1) {
        throw new ResizerError(
          'invalid-parameter',
          `Expected one value for ${name} but received ${values.map((v) => `'${v}'`).join(' and ')}`,
        );
      }
      if (values[0] !== undefined) raw[name] = values[0];
    }
    if (Object.keys(raw).length === 0) return { kind: 'none' };
    return { kind: 'transform', options: parseRecord(raw) };
  } catch (error) {
    if (error instanceof ResizerError) return { kind: 'invalid', error };
    throw error;
  }
}

function parseRecord(raw: Partial<Record<ParameterName, string>>): TransformOptions {
  const options: Record<string, unknown> = {};
  for (const name of PARAMETER_NAMES) {
    const value = raw[name];
    if (value !== undefined) options[name] = PARAMETERS[name](name, value);
  }
  return options as TransformOptions;
}

/**
 * Validates options handed to the library directly (numbers rather than strings), with the same
 * table and messages as the query parser. Throws ResizerError('invalid-parameter').
 */
export function normalizeOptions(options: TransformOptions): TransformOptions {
  if (options === null || typeof options !== 'object') {
    throw new ResizerError(
      'invalid-parameter',
      `Expected an options object but received '${String(options)}'`,
    );
  }
  const raw: Partial<Record<ParameterName, string>> = {};
  for (const name of PARAMETER_NAMES) {
    const value: unknown = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number')
      throw expected(describe(name), name, String(value));
    raw[name] = String(value);
  }
  return parseRecord(raw);
}

function describe(name: ParameterName): string {
  return name === 'fit' || name === 'format' ? 'a string' : 'an integer';
}

/** The canonical query for options: fixed parameter order, so equal requests share one cache key. */
export function canonicalQuery(options: TransformOptions): string {
  const parts: string[] = [];
  for (const name of PARAMETER_NAMES) {
    const value = options[name];
    if (value !== undefined) parts.push(`${name}=${value}`);
  }
  return parts.join('&');
}
