// Where the AWS CLI and the CDK would find credentials, decided offline and in order, as the AWS SDK's
// default chain looks: so `npm run deploy` can fail in one line, with the command that fixes it,
// before it spends time building. Reading the files is all it does: whether the keys are still valid
// is for AWS to say (cdk deploy then reports it).
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The profile names of an AWS config or credentials file (`[default]`, `[profile x]`, `[x]`). */
export function profilesOf(text) {
  return [...text.matchAll(/^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]/gm)].map((m) => m[1]);
}

/**
 * The credential source, or a problem: { source } or { problem, fix }. `env` is process.env, `home`
 * the user's home folder (the files' default place), `imds` whether an instance role answered.
 */
export function credentialSource(env, home = os.homedir(), imds = false) {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { source: 'AWS_ACCESS_KEY_ID' };
  const configFile = env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config');
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials');
  const profiles = [configFile, credentialsFile]
    .filter((file) => existsSync(file))
    .flatMap((file) => profilesOf(readFileSync(file, 'utf8')));
  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE;
  if (profile) {
    if (profiles.includes(profile)) return { source: `profile ${profile}` };
    return {
      problem: `AWS_PROFILE=${profile} names no profile in ${configFile} or ${credentialsFile}`,
      fix: `\`aws configure --profile ${profile}\``,
    };
  }
  if (profiles.includes('default')) return { source: 'profile default' };
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return { source: 'AWS_WEB_IDENTITY_TOKEN_FILE' };
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    return { source: 'the container role' };
  if (imds) return { source: 'the instance role' };
  return {
    problem: `no AWS credentials (no AWS_ACCESS_KEY_ID, no AWS_PROFILE, no [default] profile in ${configFile} or ${credentialsFile})`,
    fix: '`aws configure` (or `export AWS_PROFILE=NAME` for a profile you have)',
  };
}

/**
 * Whether an EC2 instance role answers (IMDSv2 token), within a short wait; skipped when
 * AWS_EC2_METADATA_DISABLED=true, as the SDK skips it.
 */
export async function instanceRoleAnswers(env, timeoutMs = 400) {
  if (String(env.AWS_EC2_METADATA_DISABLED).toLowerCase() === 'true') return false;
  try {
    const response = await fetch('http://169.254.169.254/latest/api/token', {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok;
  } catch {
    return false;
  }
}
