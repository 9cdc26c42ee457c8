import { describe, expect, it, vi } from 'vitest';

describe('the secret registry', () => {
  it('is shared by two copies of @ttv/core in one process (a CLI and a plugin each with its own)', async () => {
    const first = await import('./secrets.js');
    vi.resetModules();
    const second = await import('./secrets.js');
    expect(second).not.toBe(first); // two module instances, as two installed copies would be
    first.registerSecret('sk-live-0123456789');
    expect(second.redact('key sk-live-0123456789 leaked')).toBe('key *** leaked');
    second.registerSecret('tok-abcdefghij');
    expect(first.redact('tok-abcdefghij')).toBe('***');
  });
});
