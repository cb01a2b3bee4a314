/**
 * A real S3-compatible server on loopback (s3rver), filled over the S3 protocol with SigV4-signed
 * PUTs, so the code under test talks to S3 exactly as it would in production.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AwsClient } from 'aws4fetch';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';
import { encodeKey } from '../../src/core/keys.js';

/** s3rver's built-in credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Server {
  endpoint: string;
  close(): Promise<void>;
}

export async function startS3(bucket: string, folder: string): Promise<S3Server> {
  const directory = mkdtempSync(path.join(tmpdir(), 'edge-resizer-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new AwsClient({ ...S3RVER_CREDENTIALS, service: 's3', region: 'us-east-1' });
  for (const file of walk(folder)) {
    const key = path.relative(folder, file).split(path.sep).join('/');
    const response = await client.fetch(`${endpoint}/${bucket}/${encodeKey(key)}`, {
      method: 'PUT',
      body: readFileSync(file),
    });
    if (response.status !== 200) throw new Error(`PUT ${key}: ${response.status} ${await response.text()}`);
  }
  return {
    endpoint,
    close: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? walk(file) : [file];
  });
}
