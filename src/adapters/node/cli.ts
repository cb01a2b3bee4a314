/**
 * The command line: `resize`, `serve`, `replay` (Lambda@Edge events) and `sign`. Failures print one
 * line and exit non-zero: 2 for a usage error or a bad configuration, 1 when the image cannot be
 * produced. `serve`, `replay` and `sign` read the one configuration file (config-file.ts) and the
 * signing secret from EDGE_RESIZER_SECRET.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CODEC_VERSIONS } from '../../codecs/versions.js';
import { resolveConfig } from '../../core/config.js';
import { ResizerError } from '../../core/errors.js';
import { type OutputFormat, outputFormatOfName } from '../../core/options.js';
import { parseQuery } from '../../core/params.js';
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
import { replay } from './replay.js';
import { startServer } from './server.js';

const HELP: Record<string, string> = {
  resize: `edge-resizer resize IN -o OUT [--width N] [--height N] [--fit F] [--format F] [--quality Q]
  Resizes one image as the edge would. The format comes from --format, else from OUT's extension
  (.jpg .jpeg .png .webp .avif). --fit is cover (default), contain, fill, inside or outside.
  IN may be a folder: every image below it goes to the same path under the folder OUT, in --format
  or its own format (PNG for GIF), with a line of progress each.`,
  serve: `edge-resizer serve [DIR] [--port N] [--host H] [--config FILE]
  Serves the images in DIR (default .) with the URL semantics of the edge, and an index page at /.`,
  replay: `edge-resizer replay EVENT.json --origin DIR|s3://BUCKET [--s3-endpoint URL] [--config FILE]
  Runs a recorded CloudFront event through the viewer function and the origin-response handler.`,
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

/** `resize` writes what it is asked to: every format this build encodes is on. */
const RESIZE_CONFIG = resolveConfig({ formats: { webp: true, avif: true } });

type StringOptions = Record<string, { type: 'string'; short?: string }>;

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
  });
  const [input, ...extra] = positionals;
  const output = values.output;
  if (!input || typeof output !== 'string' || extra.length > 0)
    throw new UsageError('resize takes IN and -o OUT');

  const query = new URLSearchParams();
  for (const name of ['width', 'height', 'fit', 'format', 'quality'] as const) {
    const value = values[name];
    if (typeof value === 'string') query.set(name, value);
  }
  if (existsSync(input) && statSync(input).isDirectory()) return resizeFolder(input, output, query);
  const inferred = outputFormatOfName(output);
  const asked = query.get('format');
  if (!inferred && (asked === null || asked === 'auto'))
    throw new UsageError(
      `cannot tell the output format of '${path.basename(output)}': name it .jpg, .png, .webp or .avif, or pass --format`,
    );
  if (inferred && asked !== null && asked !== 'auto' && asked !== inferred)
    throw new UsageError(`--format ${asked} contradicts the output name '${path.basename(output)}'`);
  if (inferred && (asked === null || asked === 'auto')) query.set('format', inferred);
  const options = transformOptions(query);
  const result = await resizeFile(input, output, options);
  const { decode, resize, encode } = result.timings;
  console.log(
    `${output}: ${summary(result)} (decode ${decode.toFixed(0)} ms, resize ${resize.toFixed(0)} ms, encode ${encode.toFixed(0)} ms)`,
  );
}

type Transformed = Awaited<ReturnType<typeof transform>>;

function summary(result: Transformed): string {
  return `${result.width}x${result.height} ${result.format}, ${(result.data.byteLength / 1024).toFixed(1)} KiB`;
}

/** The query's options, or a usage error naming the bad parameter. */
function transformOptions(query: URLSearchParams) {
  const parsed = parseQuery(query, RESIZE_CONFIG);
  if (parsed.kind === 'invalid') throw new UsageError(parsed.error.message);
  return parsed.kind === 'transform' ? parsed.options : {};
}

async function resizeFile(input: string, output: string, options: ReturnType<typeof transformOptions>) {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(input));
  } catch (error) {
    throw new Error(`cannot read ${input}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let result: Transformed;
  try {
    result = await transform(bytes, options, { config: RESIZE_CONFIG });
  } catch (error) {
    throw new Error(`${input}: ${describe(error)}`);
  }
  await mkdir(path.dirname(output), { recursive: true });
  await writeFile(output, result.data);
  return result;
}

const FORMAT_EXTENSIONS: Record<string, string> = { jpeg: '.jpg', png: '.png', webp: '.webp', avif: '.avif' };

/**
 * A folder in, a folder out, as sharp-cli users expect: every image below IN (hidden names skipped)
 * is resized to the same relative path under OUT, in --format or else its own format (PNG for GIF),
 * with a line of progress each. A file that cannot be resized is reported and skipped; the exit
 * code is 1 when any was.
 */
async function resizeFolder(input: string, output: string, query: URLSearchParams): Promise<void> {
  const asked = query.get('format');
  const options = transformOptions(query);
  const entries = await readdir(input, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(input, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(path.sep).some((part) => part.startsWith('.')))
    .sort();
  if (!files.length) throw new UsageError(`no files in ${input}`);
  let failed = 0;
  for (const [index, file] of files.entries()) {
    const own = outputFormatOfName(file);
    const format = (asked && asked !== 'auto' ? asked : (own ?? 'png')) as OutputFormat;
    const target = path.join(output, file.replace(/\.[^./\\]*$/, '') + FORMAT_EXTENSIONS[format]);
    const progress = `[${index + 1}/${files.length}] ${file}`;
    try {
      const result = await resizeFile(path.join(input, file), target, { ...options, format });
      console.error(`${progress} -> ${target}: ${summary(result)}`);
    } catch (error) {
      failed++;
      const reason = (error instanceof Error ? error.message : String(error)).replace(
        `${path.join(input, file)}: `,
        '',
      );
      console.error(`${progress}: skipped, ${reason}`);
    }
  }
  console.log(`${files.length - failed} of ${files.length} images written to ${output}`);
  if (failed) throw new Error(`${failed} of ${files.length} files could not be resized (see above)`);
}

/** What went wrong with an image, said for a person at a terminal. */
function describe(error: unknown): string {
  if (!(error instanceof ResizerError)) return error instanceof Error ? error.message : String(error);
  switch (error.code) {
    case 'unsupported-input':
      return error.message.endsWith(' is served as it is')
        ? error.message.replace(/ is served as it is$/, ' cannot be resized')
        : `${error.message}: not a JPEG, PNG, WebP, GIF or AVIF image`;
    case 'upscale':
      return `${error.message}: edge-resizer never enlarges; ask for a smaller size`;
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
  console.log(JSON.stringify(result, null, 2));
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
