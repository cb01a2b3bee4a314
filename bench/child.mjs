// One pipeline, one image, in a fresh process: how long the import and the first call take, and the
// peak RSS. Prints one JSON line; bench/run.mjs times the whole process from spawn to exit.
import { readFileSync, writeFileSync } from 'node:fs';
import { PIPELINES } from './pipelines.mjs';

const [name, file, width, quality, format, outFile] = process.argv.slice(2);
const started = performance.now();
const run = await PIPELINES[name].setup();
const imported = performance.now();
const { data } = await run(readFileSync(file), { width: Number(width), quality: Number(quality), format });
const done = performance.now();
if (outFile) writeFileSync(outFile, data);
console.log(
  JSON.stringify({ setupMs: imported - started, firstMs: done - imported, maxRssMiB: peakRssMiB() }),
);

/**
 * The process's own RSS high-water mark. getrusage's maxRSS is not it for a child: Linux carries the
 * parent's figure across fork and exec, so a child of a large bench process inherits its peak.
 */
function peakRssMiB() {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {}
  return process.resourceUsage().maxRSS / 1024;
}
