/**
 * The one configuration file, `edge-resizer.config.json` (or `--config FILE`), as every Node command
 * reads it (serve, replay, sign, synth; build checks the same schema through the bundle it bakes).
 * The schema is resolveEdgeConfig's: an unknown field, a wrong type, an out-of-range value or a
 * feature no build serves fails with one line naming the field, as ResizerError `invalid-config` (the
 * code the library throws for the same mistake in `transform`'s `context.config`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ResizerError } from '../../core/errors.js';
import { type EdgeConfig, resolveEdgeConfig } from '../lambda-edge/config.js';

export const CONFIG_FILE = 'edge-resizer.config.json';

export interface LoadedConfig {
  config: EdgeConfig;
  /** The file read, or undefined when none was given and the default file does not exist. */
  file: string | undefined;
}

/** `file` must exist when given; otherwise `edge-resizer.config.json` in `dir` is read if present. */
export function loadConfig(file?: string, dir = process.cwd()): LoadedConfig {
  const chosen =
    file ?? (defaultFileExists(path.join(dir, CONFIG_FILE)) ? path.join(dir, CONFIG_FILE) : undefined);
  if (chosen === undefined) return { config: resolveEdgeConfig({}), file: undefined };
  let text: string;
  try {
    text = readFileSync(chosen, 'utf8');
  } catch (error) {
    throw new ResizerError(
      'invalid-config',
      `cannot read configuration ${chosen}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: error },
    );
  }
  let overrides: unknown;
  try {
    overrides = JSON.parse(text);
  } catch (error) {
    throw new ResizerError('invalid-config', `${chosen} is not valid JSON`, { cause: error });
  }
  try {
    return { config: resolveEdgeConfig(overrides as never), file: chosen };
  } catch (error) {
    throw new ResizerError('invalid-config', `${chosen}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Whether the optional default file is there. Under Node's permission model a folder the process
 * may not read throws ERR_ACCESS_DENIED even for existsSync: an optional file it cannot see is absent.
 */
function defaultFileExists(file: string): boolean {
  try {
    return existsSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_ACCESS_DENIED') return false;
    throw error;
  }
}
