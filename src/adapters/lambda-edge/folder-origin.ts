/** A folder as the origin of replayed events, with the dev server's path rules. */
import { ResizerError } from '../../core/errors.js';
import { encodeKey } from '../../core/keys.js';
import { findInFolder, readHead, readWhole } from '../node/folder-origin.js';
import type { Origin } from './origin.js';

export function folderOrigin(root: string): Origin {
  return async ({ key, maxBytes, firstBytes }) => {
    const found = await findInFolder(root, `/${encodeKey(key)}`);
    if (!found) return undefined;
    if (firstBytes !== undefined) return readHead(found.file, firstBytes);
    if (found.size > maxBytes) {
      throw new ResizerError(
        'input-too-large',
        `Original is ${found.size} bytes, over the ${maxBytes} limit`,
      );
    }
    return readWhole(found.file);
  };
}
