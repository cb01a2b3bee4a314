import { describe, expect, test } from 'vitest';
import { jpegEncoder } from '../../src/codecs/jpeg.js';
import { WasmSlot } from '../../src/codecs/wasm-slot.js';
import { rawRgba, scene } from '../helpers/images.js';

// (module (func (export "ok") (result i32) i32.const 42) (func (export "trap") unreachable))
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x00,
  0x03, 0x03, 0x02, 0x00, 0x01, 0x07, 0x0d, 0x02, 0x02, 0x6f, 0x6b, 0x00, 0x00, 0x04, 0x74, 0x72, 0x61, 0x70,
  0x00, 0x01, 0x0a, 0x0a, 0x02, 0x04, 0x00, 0x41, 0x2a, 0x0b, 0x03, 0x00, 0x00, 0x0b,
]);

interface Api {
  ok(): number;
  trap(): void;
}

function slot(options: { failFirst?: boolean } = {}) {
  const instances: Api[] = [];
  let attempts = 0;
  const s = new WasmSlot<Api>('test', MODULE, async (module) => {
    attempts++;
    if (options.failFirst && attempts === 1) throw new Error('out of memory');
    const api = (await WebAssembly.instantiate(module)).exports as unknown as Api;
    instances.push(api);
    return api;
  });
  return { s, instances, attempts: () => attempts };
}

test('instantiates lazily, once, and memoises', async () => {
  const { s, instances } = slot();
  expect(instances).toHaveLength(0);
  const [a, b] = await Promise.all([
    s.use('codec-failure', (api) => api.ok()),
    s.use('codec-failure', (api) => api.ok()),
  ]);
  expect([a, b]).toEqual([42, 42]);
  expect(instances).toHaveLength(1);
});

test('a trap becomes a typed error and the next call gets a fresh instance', async () => {
  const { s, instances } = slot();
  await s.use('codec-failure', (api) => api.ok());
  await expect(s.use('corrupt-input', (api) => api.trap())).rejects.toMatchObject({
    code: 'corrupt-input',
    message: 'test failed: unreachable',
  });
  expect(await s.use('codec-failure', (api) => api.ok())).toBe(42);
  expect(instances).toHaveLength(2);
  expect(instances[0]).not.toBe(instances[1]);
});

test('a failed initialisation is not cached', async () => {
  const { s, attempts } = slot({ failFirst: true });
  await expect(s.get()).rejects.toMatchObject({
    code: 'codec-failure',
    message: 'Could not initialise the test module',
  });
  expect(await s.use('codec-failure', (api) => api.ok())).toBe(42);
  expect(attempts()).toBe(2);
});

test('init accepts a host-compiled WebAssembly.Module', async () => {
  const { s, instances } = slot();
  await s.use('codec-failure', (api) => api.ok());
  await s.init(await WebAssembly.compile(MODULE));
  expect(instances).toHaveLength(2);
  expect(await s.use('codec-failure', (api) => api.ok())).toBe(42);
});

test('bad bytes fail initialisation with a typed error, and a later good source works', async () => {
  const { s } = slot();
  await expect(s.init(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'codec-failure' });
  await s.init(MODULE);
  expect(await s.use('codec-failure', (api) => api.ok())).toBe(42);
});

describe('a module kept in a file that cannot be read', () => {
  /** A reader that fails as the runtime would, then (permission granted, file restored) succeeds. */
  function reader(error: Error) {
    let calls = 0;
    return {
      calls: () => calls,
      read: async () => {
        calls++;
        if (calls === 1) throw error;
        return MODULE;
      },
    };
  }
  const denied = (name: string, props: Record<string, unknown> = {}) =>
    Object.assign(Object.defineProperty(new Error('denied'), 'name', { value: name }), props);

  test.each([
    ["Deno's NotCapable", denied('NotCapable')],
    ["Deno 1's PermissionDenied", denied('PermissionDenied')],
    ["Node's permission model", denied('Error', { code: 'ERR_ACCESS_DENIED' })],
    ['the file system', denied('Error', { code: 'EACCES' })],
  ])('%s: codec-unavailable, naming the permission, and retried', async (_label, error) => {
    const source = reader(error);
    const s = new WasmSlot<Api>('avif decoder', source.read, async (module) => {
      return (await WebAssembly.instantiate(module)).exports as unknown as Api;
    });
    const failure = await s.use('codec-failure', (api) => api.ok()).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'ResizerError', code: 'codec-unavailable', cause: error });
    expect((failure as Error).message).toMatch(
      /^The avif decoder module could not be read: the runtime denied reading it: grant read access to edge-resizer's dist\/ folder.*--allow-read=node_modules\/edge-resizer\/dist.*--allow-fs-read\) \(denied\)$/,
    );
    expect(await s.use('codec-failure', (api) => api.ok())).toBe(42);
    expect(source.calls()).toBe(2);
  });

  test('a missing file: codec-unavailable, saying where it belongs', async () => {
    const s = new WasmSlot<Api>(
      'gif decoder',
      reader(denied('Error', { code: 'ENOENT' })).read,
      async (m) => {
        return (await WebAssembly.instantiate(m)).exports as unknown as Api;
      },
    );
    await expect(s.get()).rejects.toMatchObject({
      code: 'codec-unavailable',
      message:
        'The gif decoder module could not be read: its .wasm file must sit beside the bundle that imports it (denied)',
    });
  });
});

// (module (memory (export "memory") 1) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))
const GROWING = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02,
  0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x11, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02,
  0x00, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x00, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b,
]);

test('an instance whose memory grew past the threshold is recycled after its call', async () => {
  interface Growing {
    memory: WebAssembly.Memory;
    grow(pages: number): number;
  }
  const instances: Growing[] = [];
  const s = new WasmSlot<Growing>(
    'growing',
    GROWING,
    async (module) => {
      const api = (await WebAssembly.instantiate(module)).exports as unknown as Growing;
      instances.push(api);
      return api;
    },
    { memory: (api) => api.memory, recycleAboveBytes: 3 * 65536 },
  );
  expect(await s.use('codec-failure', (api) => api.grow(1))).toBe(1); // 2 pages: kept
  await s.use('codec-failure', (api) => api.memory.buffer.byteLength);
  expect(instances).toHaveLength(1);
  expect(await s.use('codec-failure', (api) => api.grow(4))).toBe(2); // 6 pages: recycled after the call
  expect(await s.use('codec-failure', (api) => api.memory.buffer.byteLength)).toBe(65536);
  expect(instances).toHaveLength(2);
});

describe('two modules in one synchronous stretch (useNow, guard)', () => {
  test("a failure in the other module is that module's: its code, its instance replaced", async () => {
    const outer = slot();
    const inner = slot();
    expect(() => outer.s.useNow('corrupt-input', (api) => api.ok())).toThrow('The test module is not ready');
    await Promise.all([outer.s.get(), inner.s.get()]);
    expect(outer.s.useNow('corrupt-input', (api) => api.ok())).toBe(42);
    const trapInInner = () =>
      outer.s.useNow('corrupt-input', () =>
        inner.s.useNow('codec-failure', (innerApi) =>
          outer.s.guard('corrupt-input', () => inner.s.guard('codec-failure', () => innerApi.trap())),
        ),
      );
    expect(trapInInner).toThrow(expect.objectContaining({ code: 'codec-failure' }));
    expect(inner.s.ready).toBe(false);
    expect(outer.s.ready).toBe(true);
    expect(await inner.s.use('codec-failure', (api) => api.ok())).toBe(42);
    expect(inner.instances).toHaveLength(2);
    expect(outer.instances).toHaveLength(1);
  });

  test('a failure in its own module discards only its own instance', async () => {
    const outer = slot();
    const inner = slot();
    await Promise.all([outer.s.get(), inner.s.get()]);
    const trapInOuter = () =>
      outer.s.useNow('corrupt-input', (outerApi) => {
        inner.s.guard('codec-failure', () => inner.s.useNow('codec-failure', (api) => api.ok()));
        return outerApi.trap();
      });
    expect(trapInOuter).toThrow(
      expect.objectContaining({ code: 'corrupt-input', message: 'test failed: unreachable' }),
    );
    expect(outer.s.ready).toBe(false);
    expect(inner.s.ready).toBe(true);
  });
});

describe('lent bytes', () => {
  function lending() {
    const { s } = slot();
    const memory = new WebAssembly.Memory({ initial: 1 });
    new Uint8Array(memory.buffer).set([1, 2, 3, 4], 16);
    let freed = 0;
    const lend = () => s.use('codec-failure', () => s.lend(memory, 16, 4, () => freed++));
    const overwrite = () => s.use('codec-failure', () => new Uint8Array(memory.buffer).fill(9));
    return { s, memory, lend, overwrite, freed: () => freed };
  }

  test('are read in place, through a fresh view after the memory grew', async () => {
    const { memory, lend } = lending();
    const lent = await lend();
    expect([...lent.bytes]).toEqual([1, 2, 3, 4]);
    expect(lent.bytes.buffer).toBe(memory.buffer);
    memory.grow(1); // detaches every earlier view
    expect([...lent.bytes]).toEqual([1, 2, 3, 4]);
  });

  test("are copied out and given back before the slot's next call, which may overwrite them", async () => {
    const { memory, lend, overwrite, freed } = lending();
    const lent = await lend();
    await overwrite();
    expect(freed()).toBe(1);
    expect(new Uint8Array(memory.buffer)[16]).toBe(9);
    expect([...lent.bytes]).toEqual([1, 2, 3, 4]);
    expect(lent.bytes.buffer).not.toBe(memory.buffer);
    lent.release();
    expect(freed()).toBe(1);
    expect(() => lent.bytes).toThrow('lent bytes read after their release');
  });

  test('released, they are given back once and the next call copies nothing', async () => {
    const { lend, overwrite, freed } = lending();
    const lent = await lend();
    lent.release();
    lent.release();
    expect(freed()).toBe(1);
    await overwrite();
    expect(freed()).toBe(1);
    expect(() => lent.bytes).toThrow('lent bytes read after their release');
  });
});

test('a reused JPEG encoder instance keeps nothing from one encode to the next', async () => {
  const image = await rawRgba(scene(173, 91, 3));
  await jpegEncoder.encode(await rawRgba(scene(64, 48, 9)), { quality: 30 });
  const first = await jpegEncoder.encode(image, { quality: 75 });
  const second = await jpegEncoder.encode(image, { quality: 75 });
  expect(first.length).toBeGreaterThan(500);
  expect(Buffer.compare(Buffer.from(first), Buffer.from(second))).toBe(0);
});
