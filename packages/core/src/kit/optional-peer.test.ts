import { describe, expect, it } from 'vitest';
import { importOptionalPeer } from './optional-peer.js';

const peer = { pkg: '@ai-sdk/nope', neededBy: 'the nope models', field: 'model', value: 'nope', beside: '@ttv/ai' };
const missing = (what: string) => Object.assign(new Error(`Cannot find package '${what}' imported from /x.js`), { code: 'ERR_MODULE_NOT_FOUND' });

describe('importOptionalPeer', () => {
  it('gives the module when it loads', async () => {
    await expect(importOptionalPeer(peer, async () => ({ ok: 1 }))).resolves.toEqual({ ok: 1 });
  });
  it('the peer itself missing: BACKEND_NOT_INSTALLED naming it and the install command', async () => {
    await expect(importOptionalPeer(peer, () => Promise.reject(missing('@ai-sdk/nope')))).rejects.toMatchObject({
      code: 'BACKEND_NOT_INSTALLED',
      field: 'model',
      value: 'nope',
      message: 'the nope models need the package @ai-sdk/nope, which is not installed',
      fix: 'npm install @ai-sdk/nope (or pnpm add @ai-sdk/nope) beside @ttv/ai',
    });
  });
  it('a dependency of the peer missing, or another error: rethrown as it is', async () => {
    const inner = missing('some-inner-dep');
    await expect(importOptionalPeer(peer, () => Promise.reject(inner))).rejects.toBe(inner);
    const other = new SyntaxError('bad');
    await expect(importOptionalPeer(peer, () => Promise.reject(other))).rejects.toBe(other);
  });
});
