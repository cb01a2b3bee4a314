/**
 * The command line: `resize`, `serve`, `replay` (Lambda@Edge events) and `sign`. Failures print one
 * line and exit non-zero: 2 for a usage error or a bad configuration, 1 when the image cannot be
 * produced. `resize`, `serve`, `replay` and `sign` read the one configuration file (config-file.ts);
 * `serve`, `replay` and `sign` the signing secret from EDGE_RESIZER_SECRET.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CODEC_VERSIONS } from '../../codecs/versions.js';
import { type ResizerConfig, resolveConfig } from '../../core/config.js';
import { ResizerError } from '../../core/errors.js';
import { FORMAT_PARAMS, formatOfName, type OutputFormat, outputFormatOfName } from '../../core/options.js';
import { parseQuery } from '../../core/params.js';
import { probe } from '../../core/probe.js';
import {
  type SigningSecrets,
  secretFor,
  secretProblem,
  secretsFromEnvironment,
  signPath,
} from '../../core/signing.js';
import { transform } from '../../core/transform.js';
import { type EdgeConfig, resolveEdgeConfig } from '../lambda-edge/config.js';
import { loadConfig } from './config-file.js';
import { replay, summarise } from './replay.js';
import { startServer } from './server.js';

const HELP: Record<string, string> = {
  resize: `edge-resizer resize IN -o OUT [--width N] [--height N] [--fit F] [--format F] [--quality Q] [--config FILE]
  Resizes one image as the edge would. The format comes from --format, else from OUT's extension
  (.jpg .jpeg .png .webp .avif). --fit is cover (default), contain, fill, inside or outside.
  --config FILE (else edge-resizer.config.json, when present) sets the limits, default quality,
  background and allowlists, as for serve; every output format is on.
  IN may be a folder: every image below it goes to the same path under the folder OUT, in --format
  or its own format (PNG for GIF), with a line of progress each. An image smaller than asked is
  written at its own size in that format (--smaller encode, the default) or copied as it is
  (--smaller copy); SVG and animations are copied as they are; other files are skipped and said
  so. The exit code is 1 only when an image could not be resized.`,
  serve: `edge-resizer serve [DIR] [--port N] [--host H] [--config FILE]
  Serves the images in DIR (default .) with the URL semantics of the edge, and an index page at /.`,
  replay: `edge-resizer replay EVENT.json --origin DIR|s3://BUCKET [--s3-endpoint URL] [--config FILE] [--json]
  Runs a recorded CloudFront event through the viewer function and the origin-response handler, and
  prints one line: status, resized or passthrough (and why), content type, bytes and dimensions.
  --json prints the exact CloudFront result object instead, base64 body included.`,
  sign: `edge-resizer sign PATH?QUERY [--expires TIME] [--key-id ID] [--config FILE]
  Prints the path signed as the viewer function checks it (the path canonical: '/my cat.jpg' is
  signed as '/my%20cat.jpg'). The secret comes from EDGE_RESIZER_SECRET, or with --key-id ID from
  EDGE_RESIZER_SECRETS (id=secret,id=secret). --expires: seconds from now (3600), a duration (90s,
  15m, 12h, 7d) or a date (2027-01-31T00:00:00Z); the URL is refused (403) from then on.`,
};

const USAGE = `Usage:
  edge-resizer --version                             (the codecs inside, with their Debian versions)
${Object.values(HELP)
  .map((text) => `  ${text.split('\n')[0] as string}`)
  .join('\n')}
  edge-resizer COMMAND --help                        (what one command does)`;

class UsageError extends Error {}

/** `--help` for one command, as an exception so any command can stop there. */
class HelpRequest extends Error {}

type StringOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function parse(args: string[], options: StringOptions) {
  if (args.includes('--help') || args.includes('-h')) throw new HelpRequest();
  // parseArgs reads `--width -5` as two options; a value that looks like a negative number is a value,
  // so it reaches the parameter check and is reported as invalid rather than missing.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (/^--?[\w-]+$/.test(arg) && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joined, options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError(argumentProblem(error));
  }
  // A repeated option would silently take its last value: refuse it.
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) throw new UsageError(`option '--${token.name}' given more than once`);
    seen.add(token.name);
  }
  return { values: parsed.values as Record<string, string | undefined>, positionals: parsed.positionals };
}

/** Node's parseArgs messages run to several lines; say the same in one. */
function argumentProblem(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const name = /'(-{1,2}[\w-]+)/.exec(message)?.[1] ?? /'([^']*)'/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${name}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `option '${name}' needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${name}'`;
    default:
      return message.split('\n')[0] ?? message;
  }
}

async function resizeCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' },
    width: { type: 'string' },
    height: { type: 'string' },
    fit: { type: 'string' },
    format: { type: 'string' },
    quality: { type: 'string' },
    config: { type: 'string' },
    smaller: { type: 'string' },
  });
  const [input, ...extra] = positionals;
  const output = values.output;
  if (!input || typeof output !== 'string' || extra.length > 0)
    throw new UsageError('resize takes IN and -o OUT');
  const config = resizeConfig(values.config);
  const query = new URLSearchParams();
  for (const name of ['width', 'height', 'fit', 'format', 'quality'] as const) {
    const value = values[name];
    if (typeof value === 'string') query.set(name, value);
  }
  checkSides(query, config.limits.maxOutputDimension);
  checkOutputFormat(query.get('format'));
  if (existsSync(input) && statSync(input).isDirectory()) {
    const smaller = values.smaller ?? 'encode';
    if (smaller !== 'encode' && smaller !== 'copy')
      throw new UsageError(`Expected one of encode, copy for --smaller but received '${smaller}'`);
    return resizeFolder(input, output, query, config, smaller);
  }
  if (values.smaller !== undefined) throw new UsageError('--smaller applies to a folder of images');
  const inferred = outputFormatOfName(output);
  const asked = query.get('format');
  if (!inferred && (asked === null || asked === 'auto'))
    throw new UsageError(
      `cannot tell the output format of '${path.basename(output)}': name it .jpg, .png, .webp or .avif, or pass --format`,
    );
  if (inferred && asked !== null && asked !== 'auto' && asked !== inferred)
    throw new UsageError(`--format ${asked} contradicts the output name '${path.basename(output)}'`);
  if (inferred && (asked === null || asked === 'auto')) query.set('format', inferred);
  const options = transformOptions(query, config);
  const bytes = await readInput(input);
  const result = await resizeBytes(bytes, input, options, config);
  await writeOutput(output, result.data);
  const { decode, resize, encode } = result.timings;
  console.log(
    `${output}: ${summary(result)} (decode ${decode.toFixed(0)} ms, resize ${resize.toFixed(0)} ms, encode ${encode.toFixed(0)} ms)`,
  );
}

type Transformed = Awaited<ReturnType<typeof transform>>;

function summary(result: Transformed): string {
  return `${result.width}x${result.height} ${result.format}, ${(result.data.byteLength / 1024).toFixed(1)} KiB`;
}

/**
 * The configuration file's limits, quality, background and allowlists (--config FILE, else
 * edge-resizer.config.json when present), with every format this build encodes on: `resize`
 * writes what it is asked to.
 */
function resizeConfig(file: string | undefined): ResizerConfig {
  // The file's whole configuration (the edge's fields with it) with the formats replaced.
  return resolveConfig({ ...configuration(file), formats: { webp: true, avif: true } });
}

/**
 * Width and height are checked against the configuration's output cap, the limit that decides
 * (the URL grammar's own bound, 16383, is WebP's and never the one a user meets).
 */
function checkSides(query: URLSearchParams, cap: number): void {
  for (const name of ['width', 'height'] as const) {
    const value = query.get(name);
    if (value !== null && !(/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= cap))
      throw new UsageError(`Expected integer between 1 and ${cap} for ${name} but received '${value}'`);
  }
}

/** GIF (and SVG) are read, never written: say so rather than that the name disagrees. */
function checkOutputFormat(asked: string | null): void {
  if (asked === null || (FORMAT_PARAMS as readonly string[]).includes(asked)) return;
  const read = formatOfName(`.${asked}`) ?? (asked.toLowerCase() === 'svg' ? 'svg' : undefined);
  throw new UsageError(
    read
      ? `--format ${asked}: ${read.toUpperCase()} is read but not written; choose jpeg, png, webp or avif`
      : `Expected one of jpeg, png, webp, avif, auto for format but received '${asked}'`,
  );
}

/** The query's options, or a usage error naming the bad parameter. */
function transformOptions(query: URLSearchParams, config: ResizerConfig) {
  const parsed = parseQuery(query, config);
  if (parsed.kind === 'invalid') throw new UsageError(parsed.error.message);
  return parsed.kind === 'transform' ? parsed.options : {};
}

/** What a file-system error code means, for a person; the code itself for anything rarer. */
const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a folder',
  ENOTDIR: 'a parent is not a folder',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a file of that name is in the way',
};

function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return FILE_PROBLEMS[code] ?? code;
}

async function readInput(input: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(input));
  } catch (error) {
    throw new Error(`${input}: ${fileProblem(error)}`);
  }
}

/** A missing folder is created; a place nothing can be created in is named, with why. */
async function writeOutput(output: string, data: Uint8Array): Promise<void> {
  try {
    await mkdir(path.dirname(output), { recursive: true });
    await writeFile(output, data);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'cannot create a file in that folder' : fileProblem(error);
    throw new Error(`cannot write ${output}: ${why}`);
  }
}

async function resizeBytes(
  bytes: Uint8Array,
  input: string,
  options: ReturnType<typeof transformOptions>,
  config: ResizerConfig,
): Promise<Transformed> {
  try {
    return await transform(bytes, options, { config });
  } catch (error) {
    throw new Error(`${input}: ${describe(error, bytes)}`);
  }
}

const FORMAT_EXTENSIONS: Record<string, string> = { jpeg: '.jpg', png: '.png', webp: '.webp', avif: '.avif' };

/** A folder's output must be a folder: an existing file, or a name with an image extension, is not. */
function checkOutputFolder(input: string, output: string): void {
  const isFile = existsSync(output) && !statSync(output).isDirectory();
  if (isFile || (!existsSync(output) && formatOfName(output)))
    throw new UsageError(
      `-o ${output} ${isFile ? 'is a file' : 'names an image file'}: the images of the folder ${input} go to a folder`,
    );
}

/** One file of a folder: written, copied as it is, or skipped (not an image), each with why. */
type BatchOutcome =
  | { kind: 'written'; target: string; result: Transformed; note?: string }
  | { kind: 'copied'; target: string; why: string }
  | { kind: 'skipped'; why: string };

interface BatchPlan {
  asked: string | null;
  options: ReturnType<typeof transformOptions>;
  config: ResizerConfig;
  smaller: 'encode' | 'copy';
}

async function batchFile(
  source: string,
  file: string,
  output: string,
  plan: BatchPlan,
): Promise<BatchOutcome> {
  const bytes = await readInput(source);
  const info = probeOrUndefined(bytes);
  if (!info) return { kind: 'skipped', why: 'not an image (not JPEG, PNG, WebP, GIF or AVIF)' };
  const own = outputFormatOfName(file);
  const format = (plan.asked && plan.asked !== 'auto' ? plan.asked : (own ?? 'png')) as OutputFormat;
  const copyTarget = path.join(output, file);
  if (info.format === 'svg' || info.animated) {
    await writeOutput(copyTarget, bytes);
    const what = info.animated ? `animated ${info.format.toUpperCase()}` : 'SVG';
    return { kind: 'copied', target: copyTarget, why: `${what} is served as it is` };
  }
  const target = path.join(output, file.replace(/\.[^./\\]*$/, '') + FORMAT_EXTENSIONS[format]);
  try {
    const result = await transform(bytes, { ...plan.options, format }, { config: plan.config });
    await writeOutput(target, result.data);
    return { kind: 'written', target, result };
  } catch (error) {
    if (!(error instanceof ResizerError) || error.code !== 'upscale') {
      throw error instanceof ResizerError ? new Error(describe(error, bytes)) : error;
    }
  }
  // Smaller than asked: never enlarged (sharp's withoutEnlargement), so its own size, re-encoded
  // to the asked format, or with --smaller copy the original bytes.
  const size = `${info.width}x${info.height}`;
  if (plan.smaller === 'copy') {
    await writeOutput(copyTarget, bytes);
    return { kind: 'copied', target: copyTarget, why: `smaller than asked (${size})` };
  }
  const { quality } = plan.options;
  const result = await transform(bytes, { format, ...(quality ? { quality } : {}) }, { config: plan.config });
  await writeOutput(target, result.data);
  return { kind: 'written', target, result, note: ' (smaller than asked: its own size)' };
}

function probeOrUndefined(bytes: Uint8Array) {
  try {
    return probe(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A folder in, a folder out, as sharp-cli users expect: every image below IN (hidden names skipped)
 * is resized to the same relative path under OUT, in --format or else its own format (PNG for GIF),
 * with a line of progress each. An image smaller than asked is written at its own size (or copied,
 * with --smaller copy); SVG and animations are copied as they are, as the edge serves them; other
 * files are skipped, each with why. The exit code is 1 only when an image could not be handled.
 */
async function resizeFolder(
  input: string,
  output: string,
  query: URLSearchParams,
  config: ResizerConfig,
  smaller: 'encode' | 'copy',
): Promise<void> {
  checkOutputFolder(input, output);
  const plan: BatchPlan = {
    asked: query.get('format'),
    options: transformOptions(query, config),
    config,
    smaller,
  };
  const entries = await readdir(input, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(input, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(path.sep).some((part) => part.startsWith('.')))
    .sort();
  if (!files.length) throw new UsageError(`no files in ${input}`);
  const counts = { written: 0, copied: 0, skipped: 0, failed: 0 };
  for (const [index, file] of files.entries()) {
    const progress = `[${index + 1}/${files.length}] ${file}`;
    let outcome: BatchOutcome;
    try {
      outcome = await batchFile(path.join(input, file), file, output, plan);
    } catch (error) {
      counts.failed++;
      const reason = (error instanceof Error ? error.message : String(error)).replace(
        `${path.join(input, file)}: `,
        '',
      );
      console.error(`${progress}: failed, ${reason}`);
      continue;
    }
    counts[outcome.kind]++;
    if (outcome.kind === 'written')
      console.error(`${progress} -> ${outcome.target}: ${summary(outcome.result)}${outcome.note ?? ''}`);
    else if (outcome.kind === 'copied')
      console.error(`${progress} -> ${outcome.target}: copied, ${outcome.why}`);
    else console.error(`${progress}: skipped, ${outcome.why}`);
  }
  const parts = [`${counts.written} resized`, `${counts.copied} copied`, `${counts.skipped} skipped`];
  if (counts.failed) parts.push(`${counts.failed} failed`);
  console.log(`${output}: ${parts.join(', ')} of ${files.length} files`);
  if (counts.failed)
    throw new Error(`${counts.failed} of ${files.length} images could not be resized (see above)`);
}

/** What went wrong with an image, said for a person at a terminal; decided by code and header. */
function describe(error: unknown, bytes: Uint8Array): string {
  if (!(error instanceof ResizerError)) return error instanceof Error ? error.message : String(error);
  switch (error.code) {
    case 'unsupported-input': {
      const info = probeOrUndefined(bytes);
      if (!info) return 'not an image: not a JPEG, PNG, WebP, GIF or AVIF file';
      return `${info.animated ? 'animated ' : ''}${info.format.toUpperCase()} input cannot be resized`;
    }
    case 'upscale':
      return `${error.message}: edge-resizer never enlarges; ask for a smaller size`;
    case 'too-many-pixels':
    case 'input-too-large':
      return `${error.message}: raise "limits" in a configuration file and pass --config FILE`;
    default:
      return error.message;
  }
}

/** The configuration, or a usage error naming the field (exit 2). */
function configuration(file: string | undefined): EdgeConfig {
  try {
    return loadConfig(file).config;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The signing secrets, EDGE_RESIZER_SECRET plus any by key id in EDGE_RESIZER_SECRETS: required
 * when the configuration requires signatures.
 */
function signingSecret(config: EdgeConfig, required = config.signing.required): SigningSecrets | undefined {
  const secret = process.env.EDGE_RESIZER_SECRET;
  if (required && !secret && !process.env.EDGE_RESIZER_SECRETS) {
    throw new UsageError('signing is required: set EDGE_RESIZER_SECRET to the signing secret');
  }
  if (!process.env.EDGE_RESIZER_SECRETS) return secret || undefined;
  try {
    return secretsFromEnvironment(secret, process.env.EDGE_RESIZER_SECRETS);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function serveCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
  });
  const root = positionals[0] ?? '.';
  const port = Number(values.port ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`invalid port '${values.port}'`);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`no folder ${root}`);
  const config = configuration(values.config);
  const secret = signingSecret(config);
  const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
  const server = await startServer({ root, port, host, config, secret });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(
    `edge-resizer serving ${path.resolve(root)} on http://${host === '127.0.0.1' ? 'localhost' : host}:${actual}`,
  );
}

async function replayCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    origin: { type: 'string' },
    's3-endpoint': { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [eventFile, ...extra] = positionals;
  if (!eventFile || !values.origin || extra.length > 0)
    throw new UsageError('replay takes EVENT.json and --origin');
  const loaded = configuration(values.config);
  const endpoint = values['s3-endpoint'];
  const config = endpoint ? configurationWith(loaded, { s3Endpoint: endpoint }) : loaded;
  const result = await replay({
    eventFile,
    origin: values.origin,
    config,
    secret: signingSecret(config),
    note: (line) => console.error(`edge-resizer: ${line}`),
  });
  console.log(values.json ? JSON.stringify(result, null, 2) : summarise(result));
}

function configurationWith(config: EdgeConfig, overrides: { s3Endpoint: string }): EdgeConfig {
  try {
    return resolveEdgeConfig({ ...config, ...overrides });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function signCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    config: { type: 'string' },
    expires: { type: 'string' },
    'key-id': { type: 'string' },
  });
  const [target, ...extra] = positionals;
  if (!target || extra.length > 0)
    throw new UsageError("sign takes one PATH?QUERY, e.g. '/photos/cat.jpg?width=500'");
  const config = configuration(values.config);
  const kid = values['key-id'];
  const secret = secretToSign(kid);
  const expires = values.expires === undefined ? undefined : expiryOf(values.expires, Date.now());
  let signed: string;
  try {
    signed = await signPath(target, secret, config, { expires, kid });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!config.signing.required) {
    console.error(
      'edge-resizer: note: signing.required is off in this configuration, so nothing checks this signature',
    );
  }
  console.log(signed);
}

const SECRET_HINT = 'e.g. $(openssl rand -base64 32), the value stored in the key value store';

/** The secret `sign` signs with: the default key's, or the key id's; missing or placeholder: a usage error. */
function secretToSign(kid: string | undefined): string {
  const { EDGE_RESIZER_SECRET: single, EDGE_RESIZER_SECRETS: list } = process.env;
  let secrets: SigningSecrets;
  try {
    secrets = secretsFromEnvironment(single, kid === undefined ? undefined : list);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const where =
    kid === undefined ? 'EDGE_RESIZER_SECRET' : `the secret of key id '${kid}' in EDGE_RESIZER_SECRETS`;
  const secret = secretFor(secrets, kid);
  if (!secret) {
    throw new UsageError(
      kid === undefined
        ? `no signing secret: set EDGE_RESIZER_SECRET to the secret the edge checks with (${SECRET_HINT})`
        : `no secret for key id '${kid}': add ${kid}=SECRET to EDGE_RESIZER_SECRETS (${SECRET_HINT})`,
    );
  }
  const problem = secretProblem(secret);
  if (problem) throw new UsageError(`${where} ${problem}: set a random secret (${SECRET_HINT})`);
  return secret;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `--expires`: seconds from now, a duration (15m, 12h, 7d) or a date -> unix seconds, in the future. */
export function expiryOf(text: string, nowMs: number): number {
  const now = Math.floor(nowMs / 1000);
  const duration = /^(\d{1,9})([smhd]?)$/.exec(text);
  let expires: number;
  if (duration) expires = now + Number(duration[1]) * (DURATION_UNITS[duration[2] || 's'] as number);
  else if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text)))
    expires = Math.floor(Date.parse(text) / 1000);
  else
    throw new UsageError(
      `Expected seconds (3600), a duration (15m, 12h, 7d) or a date (2027-01-31T00:00:00Z) for --expires but received '${text}'`,
    );
  if (expires <= now) throw new UsageError(`--expires ${text} is not in the future`);
  return expires;
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  resize: resizeCommand,
  serve: serveCommand,
  replay: replayCommand,
  sign: signCommand,
};

/** The package's version (from its package.json, one folder above dist/) and the codecs inside. */
function versionText(): string {
  let version = 'unknown';
  try {
    const file = new URL('../package.json', import.meta.url);
    version = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    // run from the sources: the codecs are still worth listing
  }
  const codecs = Object.entries(CODEC_VERSIONS).map(([name, what]) => `  ${name} ${what}`);
  return [`edge-resizer ${version}`, ...codecs].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(versionText());
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  try {
    if (!run) throw new UsageError(`unknown command '${command}' (resize, serve, replay, sign)`);
    await run(args);
    return 0;
  } catch (error) {
    if (error instanceof HelpRequest) {
      console.log(HELP[command] ?? USAGE);
      return 0;
    }
    const message = error instanceof Error ? error.message : String(error);
    // One line, never a stack trace: bad input is an answer, not a crash.
    console.error(`edge-resizer: ${message}`);
    return error instanceof UsageError ? 2 : 1;
  }
}
