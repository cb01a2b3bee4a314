#!/usr/bin/env node
// `npm run logs [-- --since 1h] [--filter PATTERN] [--stack NAME] [--regions a,b] [--dry-run]`: the
// origin-response function's log lines from every Region, oldest first. Lambda@Edge runs a replica
// in the Region nearest each viewer, and each replica logs there, to
// /aws/lambda/us-east-1.<function>, so one Region's console shows only part of the story. Uses the
// AWS CLI and its credentials; --dry-run prints the commands instead of running them.
import { execFileSync, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { credentialSource, instanceRoleAnswers } from './aws-credentials.mjs';

const { values } = parseArgs({
  options: {
    since: { type: 'string', default: '1h' },
    filter: { type: 'string' },
    stack: { type: 'string', default: 'EdgeResizer' },
    regions: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
});

function fail(line) {
  console.error(`logs: ${line}`);
  process.exit(1);
}

/** `30m`, `2h`, `7d` in milliseconds. */
function duration(text) {
  const match = /^(\d+)([mhd])$/.exec(text);
  if (!match) fail(`Expected a duration such as 30m, 2h or 7d for --since but received '${text}'`);
  return Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2]];
}

const group = `/aws/lambda/us-east-1.${values.stack}-origin-response`;
const start = Date.now() - duration(values.since);
const dryRun = values['dry-run'];
const regionsCommand = ['ec2', 'describe-regions', '--query', 'Regions[].RegionName', '--output', 'text'];
const eventsCommand = (region) => [
  'logs',
  'filter-log-events',
  '--region',
  region,
  '--log-group-name',
  group,
  '--start-time',
  String(start),
  ...(values.filter ? ['--filter-pattern', values.filter] : []),
  '--output',
  'json',
];
const quote = (arg) => (/^[\w./:,=@$-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);

if (dryRun) {
  const regions = values.regions?.split(',') ?? ['$REGION'];
  if (!values.regions) console.log(`aws ${regionsCommand.map(quote).join(' ')}   # each REGION of:`);
  for (const region of regions) console.log(`aws ${eventsCommand(region).map(quote).join(' ')}`);
  process.exit(0);
}

if (spawnSync('aws', ['--version'], { stdio: 'ignore' }).error)
  fail(
    'the AWS CLI is not installed: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
  );
const found = credentialSource(process.env);
if ('problem' in found && !(await instanceRoleAnswers(process.env)))
  fail(`${found.problem}: run ${found.fix}`);

function aws(args) {
  const run = spawnSync('aws', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { ok: run.status === 0, stdout: run.stdout, stderr: run.stderr.trim() };
}

const regions =
  values.regions?.split(',') ?? execFileSync('aws', regionsCommand, { encoding: 'utf8' }).trim().split(/\s+/);
const lines = [];
for (const region of regions) {
  const result = aws(eventsCommand(region));
  // No replica has run in that Region yet: its log group does not exist.
  if (!result.ok && result.stderr.includes('ResourceNotFoundException')) continue;
  if (!result.ok) fail(`${region}: ${result.stderr.split('\n').pop()}`);
  for (const event of JSON.parse(result.stdout).events ?? [])
    lines.push({
      time: event.timestamp,
      text: `${region} ${new Date(event.timestamp).toISOString()} ${event.message.trim()}`,
    });
}
lines.sort((a, b) => a.time - b.time);
for (const { text } of lines) console.log(text);
console.error(
  `logs: ${lines.length} lines from ${group} since ${new Date(start).toISOString()} in ${regions.length} Regions`,
);
