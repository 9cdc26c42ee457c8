import { describe, expect, it } from 'vitest';
import { TtvError } from '../spec/errors.js';
import { fsError, isMappedFsError } from './fs.js';

const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code });

describe('fsError', () => {
  it.each([
    ['ENOSPC', 'DISK_FULL', 10],
    ['EDQUOT', 'DISK_FULL', 10],
    ['EROFS', 'NOT_WRITABLE', 10],
    ['EACCES', 'NOT_WRITABLE', 10],
    ['EPERM', 'NOT_WRITABLE', 10],
    ['ENOTDIR', 'PATH_INVALID', 10],
    ['EISDIR', 'PATH_INVALID', 10],
    ['ENAMETOOLONG', 'PATH_INVALID', 10],
  ])('%s → %s (exit %i), naming the path and a fix', (code, ttvCode, exit) => {
    const mapped = fsError(errno(code), '/runs/film/segments/seg-003.mp4', 'segment 3');
    expect(TtvError.is(mapped)).toBe(true);
    const e = mapped as TtvError;
    expect(e.code).toBe(ttvCode);
    expect(e.exitCode).toBe(exit);
    expect(e.message).toContain('/runs/film/segments/seg-003.mp4');
    expect(e.message).toContain('segment 3');
    expect(e.fix).toBeTruthy();
    expect(isMappedFsError(errno(code))).toBe(true);
  });

  it('leaves other errors (and TtvErrors) as they are', () => {
    const other = errno('ENOENT');
    expect(fsError(other, '/x', 'x')).toBe(other);
    expect(isMappedFsError(other)).toBe(false);
    const ttv = new TtvError('INTERNAL', 'x');
    expect(fsError(ttv, '/x', 'x')).toBe(ttv);
  });
});
