// `npm run audit:bundles`: the npm packages each built bundle carries, checked against npm's
// advisories. Everything the bundles ship is bundled from devDependencies (aws4fetch into the
// Lambda@Edge code, the CLI and the library), so `npm audit --omit=dev` sees none of it. The list
// comes from esbuild's metafiles, written by the build to dist/bundled-packages.json: exactly the
// packages whose files went into a bundle. `npm audit --json` reports the whole tree; this keeps
// the advisories of those packages and exits 1 when there is one (2 when npm cannot answer).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const BUNDLED_PACKAGES_FILE = 'dist/bundled-packages.json';

/** `node_modules/a/node_modules/@s/b/x.js` -> the innermost package's folder, `node_modules/a/node_modules/@s/b`. */
export function packageFolder(input) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.replaceAll('\\', '/'));
  return match?.[1];
}

/** The packages (name and installed version) whose files are inputs of an esbuild metafile. */
export function bundledPackages(metafile, root) {
  const folders = new Set(Object.keys(metafile.inputs).map(packageFolder).filter(Boolean));
  const packages = [...folders].map((folder) => {
    const { name, version } = JSON.parse(readFileSync(path.join(root, folder, 'package.json'), 'utf8'));
    return { name, version };
  });
  const unique = new Map(packages.map((p) => [`${p.name}@${p.version}`, p]));
  return [...unique.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** npm's advisories for the named packages, from `npm audit --json` over the whole tree. */
export function advisoriesFor(report, names) {
  const vulnerabilities = report.vulnerabilities ?? {};
  return names.flatMap((name) => {
    const found = vulnerabilities[name];
    if (!found) return [];
    const via = found.via.map((v) => (typeof v === 'string' ? v : `${v.title} (${v.url})`));
    return [{ name, severity: found.severity, range: found.range, via }];
  });
}

function npmAudit(root) {
  return new Promise((resolve, reject) => {
    // npm exits non-zero when it finds anything; its JSON report is what counts.
    execFile('npm', ['audit', '--json'], { cwd: root, maxBuffer: 64 << 20 }, (error, stdout) => {
      try {
        const report = JSON.parse(stdout);
        if (report.vulnerabilities) resolve(report);
        else reject(new Error(report.error?.summary ?? report.message ?? 'npm audit printed no advisories'));
      } catch {
        reject(error ?? new Error('npm audit printed no report'));
      }
    });
  });
}

async function main() {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  let bundles;
  try {
    bundles = JSON.parse(readFileSync(path.join(root, BUNDLED_PACKAGES_FILE), 'utf8'));
  } catch {
    console.error(`audit:bundles: ${BUNDLED_PACKAGES_FILE} is missing; run npm run build first`);
    process.exit(2);
  }
  for (const [bundle, packages] of Object.entries(bundles)) {
    console.log(
      `${bundle}: ${packages.map((p) => `${p.name}@${p.version}`).join(', ') || 'no npm packages'}`,
    );
  }
  const names = [...new Set(Object.values(bundles).flatMap((packages) => packages.map((p) => p.name)))];
  let report;
  try {
    report = await npmAudit(root);
  } catch (error) {
    console.error(`audit:bundles: npm audit could not answer: ${error.message.split('\n')[0]}`);
    process.exit(2);
  }
  const found = advisoriesFor(report, names);
  for (const { name, severity, range, via } of found) {
    console.log(`${severity}: ${name} ${range}: ${via.join('; ')}`);
  }
  console.log(`${found.length} bundled package(s) with known vulnerabilities, of ${names.length} bundled`);
  process.exit(found.length > 0 ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
