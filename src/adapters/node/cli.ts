/**
 * The command line: `resize`, `serve`, `replay` (Lambda@Edge events) and `sign`. Failures print one
 * line and exit non-zero: 2 for a usage error or a bad configuration, 1 when the image cannot be
 * produced. `serve`, `replay` and `sign` read the one configuration file (config-file.ts) and the
 * signing secret from EDGE_RESIZER_SECRET.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CODEC_VERSIONS } from '../../codecs/versions.js';
import { parseQuery } from '../../core/params.js';
import { signPath } from '../../core/signing.js';
import { transform } from '../../core/transform.js';
import { type EdgeConfig, resolveEdgeConfig } from '../lambda-edge/config.js';
import { loadConfig } from './config-file.js';
import { replay } from './replay.js';
import { startServer } from './server.js';

const USAGE = `Usage:
  edge-resizer --version                             (the codecs inside, with their Debian versions)
  edge-resizer resize IN -o OUT [--width N] [--height N] [--fit F] [--format F] [--quality Q]
  edge-resizer serve [DIR] [--port N] [--host H] [--config FILE]
  edge-resizer replay EVENT.json --origin DIR|s3://BUCKET [--s3-endpoint URL] [--config FILE]
  edge-resizer sign PATH?QUERY [--config FILE]      (secret from EDGE_RESIZER_SECRET)`;

class UsageError extends Error {}

const EXTENSION_FORMATS: Record<string, string> = {
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.png': 'png',
  '.webp': 'webp',
  '.avif': 'avif',
};

type StringOptions = Record<string, { type: 'string'; short?: string }>;

function parse(args: string[], options: StringOptions) {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | undefined>, positionals };
  } catch (error) {
    throw new UsageError(argumentProblem(error));
  }
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
  const inferred = EXTENSION_FORMATS[path.extname(output).toLowerCase()];
  if (!query.has('format') && inferred) query.set('format', inferred);
  const parsed = parseQuery(query);
  if (parsed.kind === 'invalid') throw new UsageError(parsed.error.message);

  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(input));
  } catch (error) {
    throw new Error(`cannot read ${input}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const result = await transform(bytes, parsed.kind === 'transform' ? parsed.options : {});
  await writeFile(output, result.data);
  const { decode, resize, encode } = result.timings;
  console.log(
    `${output}: ${result.width}x${result.height} ${result.format}, ${(result.data.byteLength / 1024).toFixed(1)} KiB ` +
      `(decode ${decode.toFixed(0)} ms, resize ${resize.toFixed(0)} ms, encode ${encode.toFixed(0)} ms)`,
  );
}

/** The configuration, or a usage error naming the field (exit 2). */
function configuration(file: string | undefined): EdgeConfig {
  try {
    return loadConfig(file).config;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The signing secret: required when the configuration requires signatures. */
function signingSecret(config: EdgeConfig, required = config.signing.required): string | undefined {
  const secret = process.env.EDGE_RESIZER_SECRET;
  if (required && !secret) {
    throw new UsageError('signing is required: set EDGE_RESIZER_SECRET to the signing secret');
  }
  return secret || undefined;
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
  const { values, positionals } = parse(args, { config: { type: 'string' } });
  const [target, ...extra] = positionals;
  if (!target || extra.length > 0)
    throw new UsageError("sign takes one PATH?QUERY, e.g. '/photos/cat.jpg?width=500'");
  const config = configuration(values.config);
  const secret = signingSecret(config, true) as string;
  try {
    console.log(await signPath(target, secret, config));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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
    if (!run) throw new UsageError(`unknown command '${command}'`);
    await run(args);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // One line, never a stack trace: bad input is an answer, not a crash.
    console.error(`edge-resizer: ${message}`);
    return error instanceof UsageError ? 2 : 1;
  }
}
