#!/usr/bin/env node
// npm run fuzz [-- --cases N] [--seed S]: the fuzz test's engine at scale, against the built library
// and Lambda@Edge bundle. Cases run in a worker thread; if one stops making progress for 10 s, the
// main thread reports it as a hang and ends the worker. Prints counts by outcome and mutator.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const root = fileURLToPath(new URL('..', import.meta.url));

if (isMainThread) {
  const { values } = parseArgs({
    options: { cases: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' } },
  });
  const cases = Number(values.cases);
  const seed = Number(values.seed);
  const started = performance.now();
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { cases, seed } });
  let last = { index: -1, at: performance.now() };
  let summary;
  worker.on('message', (message) => {
    if (message.progress !== undefined) last = { index: message.progress, at: performance.now() };
    if (message.summary) summary = message.summary;
  });
  const watchdog = setInterval(() => {
    if (performance.now() - last.at > 10_000) {
      console.error(`hang: case ${last.index + 1} made no progress for 10 s`);
      worker.terminate();
    }
  }, 1000);
  worker.on('exit', (code) => {
    clearInterval(watchdog);
    if (!summary) {
      console.error(`fuzz: the worker ended early (exit ${code}) after case ${last.index}`);
      process.exit(1);
    }
    const { counts, byMutator, failures, slowest } = summary;
    console.log(
      `fuzz: ${cases} cases x 2 paths (transform, Lambda@Edge handler), seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const [pathName, c] of Object.entries(counts)) {
      console.log(
        `  ${pathName.padEnd(10)} images ${c.image}, refused ${c.refused}, crashes ${c.crash}, hangs ${c.hang}`,
      );
    }
    console.log('  by mutator (transform path):');
    for (const [mutator, c] of Object.entries(byMutator))
      console.log(`    ${mutator.padEnd(10)} images ${c.image ?? 0}, refused ${c.refused ?? 0}`);
    console.log(`  slowest case: ${slowest.ms.toFixed(0)} ms (${slowest.label})`);
    for (const failure of failures.slice(0, 20)) console.log(`  FAIL ${failure}`);
    process.exit(failures.length ? 1 : 0);
  });
} else {
  const sharp = (await import('sharp')).default;
  const { classify, makeCase, seedImages } = await import('./fuzz-lib.mjs');
  const { transform, parseQuery, isResizerError } = await import(path.join(root, 'dist/index.js'));
  const edge = await import(path.join(root, 'dist/lambda-edge/index.mjs'));
  const { cases, seed } = workerData;
  const seeds = await seedImages(sharp);
  const counts = { transform: {}, handler: {} };
  const byMutator = {};
  const failures = [];
  let slowest = { ms: 0, label: '' };
  const tally = (bucket, key) => {
    bucket[key] = (bucket[key] ?? 0) + 1;
  };
  for (const c of Object.values(counts)) Object.assign(c, { image: 0, refused: 0, crash: 0, hang: 0 });

  for (let i = 0; i < cases; i++) {
    const c = makeCase(seeds, seed, i);
    const label = `case ${i} ${c.seed} ${c.mutator} ?${c.query}`;
    const viaTransform = await classify(async () => {
      const result = await transform(c.bytes, parseQuery(c.query).options);
      const meta = await sharp(result.data).metadata();
      if (meta.width !== result.width || meta.height !== result.height)
        throw new Error('output is not what it says');
    }, isResizerError);
    const handler = edge.createHandler({ config: edge.config, origin: async () => c.bytes });
    const event = JSON.parse(
      JSON.stringify({
        Records: [
          {
            cf: {
              config: {},
              request: {
                uri: '/f.img',
                querystring: c.query,
                headers: {},
                origin: { s3: { domainName: 'b.s3.amazonaws.com', path: '' } },
              },
              response: { status: '200', statusDescription: 'OK', headers: {} },
            },
          },
        ],
      }),
    );
    const viaHandler = await classify(
      async () => {
        const result = await handler(event);
        const reason = result.headers['x-resizer-passthrough']?.[0]?.value;
        if (reason === 'internal-error') throw new Error('internal-error passthrough');
        if (reason) throw Object.assign(new Error(reason), { passthrough: true });
        if (!result.body || result.bodyEncoding !== 'base64')
          throw new Error('resized without a base64 body');
      },
      (error) => isResizerError(error) || error?.passthrough === true,
    );
    for (const [name, r] of [
      ['transform', viaTransform],
      ['handler', viaHandler],
    ]) {
      tally(counts[name], r.outcome);
      if (r.outcome === 'crash' || r.outcome === 'hang')
        failures.push(`${name} ${label}: ${r.outcome} ${r.detail}`);
      if (r.ms > slowest.ms) slowest = { ms: r.ms, label: `${name} ${label}` };
    }
    byMutator[c.mutator] ??= {};
    tally(byMutator[c.mutator], viaTransform.outcome);
    parentPort.postMessage({ progress: i });
  }
  parentPort.postMessage({ summary: { counts, byMutator, failures, slowest } });
}
