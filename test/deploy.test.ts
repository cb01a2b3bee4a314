/**
 * The deploy tooling's offline parts: `npm run deploy` without credentials stops before building,
 * in one line with the command that fixes it; the credential sources it accepts; `npm run logs`
 * reads every Region's replica log group (its commands, printed by --dry-run).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { credentialSource, profilesOf } from '../scripts/aws-credentials.mjs';

const run = promisify(execFile);

/** The environment without any AWS_* variable, with HOME in a fresh folder (no ~/.aws). */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: mkdtempSync(path.join(tmpdir(), 'edge-resizer-home-')),
  };
  for (const name of Object.keys(env))
    if (name.startsWith('AWS_') || name.startsWith('CDK_')) delete env[name];
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

async function node(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run deploy checks credentials before building', () => {
  test('none: one line with the command that fixes it, exit 1, in well under the build time, dist/ untouched', async () => {
    const env = bareEnv();
    const before = statSync('dist/build-config.json').mtimeMs;
    const started = performance.now();
    const { code, stdout, stderr } = await node(['scripts/deploy.mjs'], env);
    const ms = performance.now() - started;
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const aws = path.join(env.HOME as string, '.aws');
    expect(stderr).toBe(
      `deploy: no AWS credentials (no AWS_ACCESS_KEY_ID, no AWS_PROFILE, no [default] profile in ${aws}/config or ${aws}/credentials): run \`aws configure\` (or \`export AWS_PROFILE=NAME\` for a profile you have), then npm run deploy again\n`,
    );
    expect(ms).toBeLessThan(5000); // the build alone takes 9 s or more
    expect(statSync('dist/build-config.json').mtimeMs).toBe(before);
  });

  test('a profile that does not exist is named, with the command for that profile', async () => {
    const { code, stderr } = await node(['scripts/deploy.mjs'], bareEnv({ AWS_PROFILE: 'prod' }));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^deploy: AWS_PROFILE=prod names no profile in \S+\/\.aws\/config or \S+\/\.aws\/credentials: run `aws configure --profile prod`, then npm run deploy again\n$/,
    );
  });

  test('the sources the AWS SDK reads are accepted, in its order', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'edge-resizer-home-'));
    const none = credentialSource({}, home);
    expect(none).toMatchObject({ fix: expect.stringMatching(/^`aws configure`/) });
    expect(credentialSource({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, home)).toEqual({
      source: 'AWS_ACCESS_KEY_ID',
    });
    expect(credentialSource({ AWS_ACCESS_KEY_ID: 'a' }, home)).toHaveProperty('problem');
    expect(credentialSource({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/x' }, home)).toEqual({
      source: 'the container role',
    });
    expect(credentialSource({ AWS_WEB_IDENTITY_TOKEN_FILE: '/t', AWS_ROLE_ARN: 'arn' }, home)).toHaveProperty(
      'source',
    );
    expect(credentialSource({}, home, true)).toEqual({ source: 'the instance role' });
    mkdirSync(path.join(home, '.aws'));
    writeFileSync(path.join(home, '.aws', 'config'), '[profile sso-dev]\nsso_session = x\n');
    expect(credentialSource({ AWS_PROFILE: 'sso-dev' }, home)).toEqual({ source: 'profile sso-dev' });
    expect(credentialSource({}, home)).toHaveProperty('problem'); // no [default]
    writeFileSync(path.join(home, '.aws', 'credentials'), '[default]\naws_access_key_id = a\n');
    expect(credentialSource({}, home)).toEqual({ source: 'profile default' });
    expect(profilesOf('[default]\n[profile a-b]\n  [ c ]\nx = [y]\n')).toEqual(['default', 'a-b', 'c']);
  });
});

describe('npm run logs reads the replica log group in every Region', () => {
  test('--dry-run: the Regions, then one filter-log-events per Region on /aws/lambda/us-east-1.<function>', async () => {
    const before = Date.now();
    const { code, stdout } = await node(['scripts/logs.mjs', '--dry-run', '--since', '2h'], bareEnv());
    expect(code).toBe(0);
    const [regions, events] = stdout.trim().split('\n');
    expect(regions).toBe(
      "aws ec2 describe-regions --query 'Regions[].RegionName' --output text   # each REGION of:",
    );
    const match =
      /^aws logs filter-log-events --region \$REGION --log-group-name \/aws\/lambda\/us-east-1\.EdgeResizer-origin-response --start-time (\d+) --output json$/.exec(
        events as string,
      );
    expect(match).not.toBeNull();
    const start = Number(match?.[1]);
    expect(before - start).toBeGreaterThanOrEqual(2 * 3_600_000 - 1000);
    expect(before - start).toBeLessThan(2 * 3_600_000 + 60_000);
  });

  test('named Regions, another stack and a filter pattern, quoted for the shell', async () => {
    const args = [
      '--dry-run',
      '--regions',
      'eu-west-1,ap-south-1',
      '--stack',
      'Shop',
      '--filter',
      '{ $.outcome = "passthrough" }',
    ];
    const { stdout } = await node(['scripts/logs.mjs', ...args], bareEnv());
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const [index, region] of ['eu-west-1', 'ap-south-1'].entries()) {
      expect(lines[index]).toMatch(
        new RegExp(
          `^aws logs filter-log-events --region ${region} --log-group-name /aws/lambda/us-east-1\\.Shop-origin-response --start-time \\d+ --filter-pattern '\\{ \\$\\.outcome = "passthrough" \\}' --output json$`,
        ),
      );
    }
  });

  test('without credentials or with a bad --since: one line, exit 1', async () => {
    const bad = await node(['scripts/logs.mjs', '--since', '2 hours'], bareEnv());
    expect([bad.code, bad.stderr]).toEqual([
      1,
      "logs: Expected a duration such as 30m, 2h or 7d for --since but received '2 hours'\n",
    ]);
    const bare = await node(['scripts/logs.mjs'], bareEnv());
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(
      /^logs: (no AWS credentials .*: run `aws configure`.*|the AWS CLI is not installed: \S+)\n$/,
    );
  });
});
