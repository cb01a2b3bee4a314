#!/usr/bin/env node
// npm run bench [-- --images DIR] [--runs N] [--width W] [--quality Q] [--format F] [--out NAME or PATH]
// edge-resizer and native sharp side by side, in one run, on one machine:
// warm latency (median, with stages), first call, fresh-process cold start, peak RSS, output bytes,
// SSIM against sharp's output, and the Lambda@Edge bundle's zipped size. Prints a table, writes
// bench/results/NAME.json and NAME.svg. Timings are medians; the machine is shared and noisy.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { corePathFiles, packageFiles, zippedPackageSize } from '../scripts/edge-bundle.mjs';
import { chart } from './chart.mjs';
import { generatedCorpus } from './corpus.mjs';
import { PIPELINES } from './pipelines.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const { values } = parseArgs({
  options: {
    images: { type: 'string' },
    runs: { type: 'string', default: '7' },
    width: { type: 'string', default: '800' },
    quality: { type: 'string', default: '80' },
    out: { type: 'string', default: 'latest' },
    cold: { type: 'string', default: '3' },
    format: { type: 'string', default: 'jpeg' },
  },
});
// Results go to bench/results/NAME.{json,svg}; a NAME with a slash is a path of its own. Its folder
// is made before the runs, so a mistyped one costs nothing.
const out = values.out.includes('/') ? path.resolve(values.out) : path.join(here, 'results', values.out);
mkdirSync(path.dirname(out), { recursive: true });
const runs = Number(values.runs);
const spec = { width: Number(values.width), quality: Number(values.quality), format: values.format };
const names = Object.keys(PIPELINES);

const images = values.images
  ? readdirSync(values.images)
      .filter((n) => /\.(jpe?g|png|webp|gif|avif)$/i.test(n))
      .sort()
      .map((n) => path.join(values.images, n))
  : await generatedCorpus(path.join(here, '.corpus'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const geomean = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

async function rgba(bytes) {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data), width: info.width, height: info.height };
}

function coldStart(name, file) {
  const samples = [];
  for (let i = 0; i < Number(values.cold); i++) {
    const started = performance.now();
    const line = execFileSync(
      process.execPath,
      [path.join(here, 'child.mjs'), name, file, spec.width, spec.quality, spec.format],
      {
        cwd: root,
      },
    );
    samples.push({ wallMs: performance.now() - started, ...JSON.parse(line.toString()) });
  }
  return {
    coldMs: median(samples.map((s) => s.wallMs)),
    firstMs: median(samples.map((s) => s.firstMs)),
    setupMs: median(samples.map((s) => s.setupMs)),
    maxRssMiB: median(samples.map((s) => s.maxRssMiB)),
  };
}

const results = [];
const runners = {};
for (const name of names) runners[name] = await PIPELINES[name].setup();
for (const file of images) {
  const bytes = readFileSync(file);
  const meta = await sharp(bytes).metadata();
  const row = {
    image: path.basename(file),
    size: `${meta.width}x${meta.height}`,
    bytes: bytes.length,
    pipelines: {},
  };
  let reference;
  for (const name of names) {
    const run = runners[name];
    await run(bytes, spec); // warm-up
    const totals = [];
    const stages = {};
    let output;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      output = await run(bytes, spec);
      totals.push(performance.now() - started);
      for (const [stage, ms] of Object.entries(output.stages ?? {})) {
        stages[stage] = [...(stages[stage] ?? []), ms];
      }
    }
    if (name === 'sharp') reference = output.data;
    row.pipelines[name] = {
      warmMs: median(totals),
      stagesMs: Object.fromEntries(Object.entries(stages).map(([s, xs]) => [s, median(xs)])),
      outputBytes: output.data.length,
      output: output.data,
      ...coldStart(name, file),
    };
    process.stderr.write(`${row.image} ${name}: ${median(totals).toFixed(0)} ms\n`);
  }
  const ref = await rgba(reference);
  for (const name of names) {
    const p = row.pipelines[name];
    const out = await rgba(p.output);
    p.ssimVsSharp = out.width === ref.width && out.height === ref.height ? ssim(out, ref).mssim : null;
    delete p.output;
  }
  results.push(row);
}

const edgeDir = path.join(root, 'dist/lambda-edge');
const bundleZipped = zippedPackageSize(packageFiles(edgeDir));
const indexZipped = zippedPackageSize(corePathFiles(packageFiles(edgeDir)));
const ratio = (key, name) => geomean(results.map((r) => r.pipelines[name][key] / r.pipelines.sharp[key]));
const summary = Object.fromEntries(
  names.map((name) => [
    name,
    {
      warm: ratio('warmMs', name),
      first: ratio('firstMs', name),
      cold: ratio('coldMs', name),
      rss: ratio('maxRssMiB', name),
      bytes: ratio('outputBytes', name),
      minSsim: Math.min(...results.map((r) => r.pipelines[name].ssimVsSharp ?? 0)),
    },
  ]),
);

const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const lines = [
  `edge-resizer bench: ${spec.width} px wide ${spec.format.toUpperCase()} q${spec.quality}, ${runs} warm runs (median), ${values.cold} cold processes; ${machine}`,
  '',
  '| image | pipeline | warm ms | stages (decode/resize/encode) | first call ms | cold start ms | peak RSS MiB | bytes | SSIM vs sharp |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const row of results) {
  for (const name of names) {
    const p = row.pipelines[name];
    const stages = Object.keys(p.stagesMs).length
      ? Object.values(p.stagesMs)
          .map((v) => v.toFixed(0))
          .join('/')
      : '-';
    lines.push(
      `| ${row.image} (${row.size}) | ${name} | ${p.warmMs.toFixed(0)} | ${stages} | ${p.firstMs.toFixed(0)} | ${p.coldMs.toFixed(0)} | ${p.maxRssMiB.toFixed(0)} | ${p.outputBytes} | ${p.ssimVsSharp?.toFixed(4) ?? '-'} |`,
    );
  }
}
lines.push(
  '',
  '| ratio to sharp (geometric mean) | warm | first call | cold start | peak RSS | bytes | min SSIM |',
  '|---|---|---|---|---|---|---|',
);
for (const name of names) {
  const s = summary[name];
  lines.push(
    `| ${name} | ${s.warm.toFixed(2)}x | ${s.first.toFixed(2)}x | ${s.cold.toFixed(2)}x | ${s.rss.toFixed(2)}x | ${s.bytes.toFixed(2)}x | ${s.minSsim.toFixed(4)} |`,
  );
}
lines.push(
  '',
  `Lambda@Edge package: ${(bundleZipped / 1024).toFixed(0)} KiB zipped; its JPEG/PNG/WebP path: ${(indexZipped / 1024).toFixed(0)} KiB`,
);
console.log(lines.join('\n'));

writeFileSync(
  `${out}.json`,
  `${JSON.stringify({ machine, spec, runs, results, summary, bundleZipped, indexZipped }, null, 2)}\n`,
);
writeFileSync(`${out}.svg`, chart(results, names, spec));
process.stderr.write(`wrote ${path.relative(root, out)}.json and .svg\n`);
