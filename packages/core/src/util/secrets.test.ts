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

describe('stringifyRedacted (the manifest writer)', () => {
  it('masks every registered secret as it appears in JSON, escapes included, and URL passwords; the same as redactDeep', async () => {
    const { registerSecret, redactDeep, stringifyRedacted } = await import('./secrets.js');
    registerSecret('plain-secret-123');
    registerSecret('quo"te\\back-456');
    const value = {
      a: 'x plain-secret-123 y',
      nested: [{ b: 'quo"te\\back-456' }, 'https://user:pa55word@example.com/v1'],
      n: 3,
      none: null,
    };
    const text = stringifyRedacted(value, 2);
    expect(text).not.toContain('plain-secret-123');
    expect(text).not.toContain('quo\\"te\\\\back-456');
    expect(text).not.toContain('pa55word');
    expect(JSON.parse(text)).toEqual({ a: 'x *** y', nested: [{ b: '***' }, 'https://user:***@example.com/v1'], n: 3, none: null });
    expect(text).toBe(JSON.stringify(redactDeep(value), null, 2));
  });
});
