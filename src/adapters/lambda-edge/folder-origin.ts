/** A folder as the origin of replayed events, with the dev server's traversal rules. */
import { ResizerError } from '../../core/errors.js';
import { readFromFolder } from '../node/folder-origin.js';
import { encodeKey, type Origin } from './origin.js';

export function folderOrigin(root: string): Origin {
  return async ({ key, maxBytes }) => {
    const bytes = await readFromFolder(root, `/${encodeKey(key)}`);
    if (bytes && bytes.byteLength > maxBytes) {
      throw new ResizerError(
        'input-too-large',
        `Original is ${bytes.byteLength} bytes, over the ${maxBytes} limit`,
      );
    }
    return bytes;
  };
}
