/**
 * `edge-resizer replay EVENT.json --origin DIR|s3://BUCKET`: runs a recorded origin-response event
 * through the same handler the Lambda@Edge bundle exports and returns the CloudFront result.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type EdgeConfigOverrides, resolveEdgeConfig } from '../lambda-edge/config.js';
import { folderOrigin } from '../lambda-edge/folder-origin.js';
import { createHandler } from '../lambda-edge/handler.js';
import type { Origin } from '../lambda-edge/origin.js';
import { environmentCredentials, s3Origin } from '../lambda-edge/s3-origin.js';
import type { CloudFrontResponse, OriginResponseEvent } from '../lambda-edge/types.js';

export interface ReplayOptions {
  eventFile: string;
  origin: string;
  s3Endpoint?: string | undefined;
  /** Configuration file (JSON); default edge-resizer.config.json in the working directory, if any. */
  configFile?: string | undefined;
}

export async function replay(options: ReplayOptions): Promise<CloudFrontResponse> {
  const event = await readJson<OriginResponseEvent>(options.eventFile, 'event');
  if (!Array.isArray(event?.Records) || !event.Records[0]?.cf?.response || !event.Records[0].cf.request) {
    throw new Error(`${options.eventFile} is not a CloudFront origin-response event`);
  }
  const configFile =
    options.configFile ?? (existsSync('edge-resizer.config.json') ? 'edge-resizer.config.json' : undefined);
  const overrides = configFile ? await readJson<EdgeConfigOverrides>(configFile, 'configuration') : {};
  const config = resolveEdgeConfig({
    ...overrides,
    ...(options.s3Endpoint ? { s3Endpoint: options.s3Endpoint } : {}),
  });
  return createHandler({ config, origin: chooseOrigin(options.origin, config.s3Endpoint) })(event);
}

function chooseOrigin(origin: string, endpoint: string | undefined): Origin {
  const bucket = /^s3:\/\/([^/]+)\/?$/.exec(origin)?.[1];
  if (bucket) return s3Origin({ credentials: () => environmentCredentials(process.env), endpoint, bucket });
  if (origin.startsWith('s3:')) throw new Error(`expected s3://BUCKET but received '${origin}'`);
  if (!existsSync(origin)) throw new Error(`origin folder ${origin} does not exist`);
  return folderOrigin(origin);
}

async function readJson<T>(file: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
}
