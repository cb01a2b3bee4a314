// Writes test/fixtures/events/*.json from the typed specs (npm run fixtures). The JSON files are
// committed: tests and `edge-resizer replay` read them as CloudFront would send them.
import { writeFileSync } from 'node:fs';
import { EVENT_SPECS } from '../test/fixtures/events/specs.js';
import { originResponseEvent } from '../test/helpers/events.js';

for (const [name, spec] of Object.entries(EVENT_SPECS)) {
  writeFileSync(
    `test/fixtures/events/${name}.json`,
    `${JSON.stringify(originResponseEvent(spec), null, 2)}\n`,
  );
}
console.log(`${Object.keys(EVENT_SPECS).length} event fixtures written`);
