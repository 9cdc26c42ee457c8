import { randomBytes } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearGoogleEnv, storageClient } from './clients.fixture.js';
import { crc32c, crc32cBase64, md5Base64, startVeoEmulator, type VeoEmulator, veoFaults } from './index.js';

let emu: VeoEmulator;

beforeAll(async () => {
  clearGoogleEnv();
  emu = await startVeoEmulator();
});
beforeEach(() => emu.reset());
afterAll(async () => {
  await emu?.close();
});

describe('crc32c', () => {
  it('matches the check value and @google-cloud/storage', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const data = randomBytes(4097);
    const ref = new CRC32C();
    ref.update(data);
    expect(crc32cBase64(data)).toBe(ref.toString());
  });
});

describe('in-memory GCS through @google-cloud/storage', () => {
  it('resumable upload (the default), exists, metadata, download, delete', async () => {
    const storage = storageClient(emu);
    const data = randomBytes(300_000);
    const file = storage.bucket('ttv').file('dir/with space/clip.bin');
    await file.save(data, { contentType: 'application/octet-stream', metadata: { metadata: { run: '7' } } });
    expect(emu.requestsTo('POST', '/upload/storage/v1/b/ttv/o')[0]?.query['uploadType']).toBe('resumable');
    expect(emu.requestsTo('PUT', '/upload/storage/v1/b/ttv/o').length).toBeGreaterThan(0);
    expect(emu.buckets.get('ttv', 'dir/with space/clip.bin')?.data.equals(data)).toBe(true);

    expect((await file.exists())[0]).toBe(true);
    const [meta] = await file.getMetadata();
    expect(meta).toMatchObject({
      name: 'dir/with space/clip.bin',
      bucket: 'ttv',
      size: String(data.length),
      crc32c: crc32cBase64(data),
      md5Hash: md5Base64(data),
    });
    expect(meta.metadata).toEqual({ run: '7' });

    const [down] = await file.download();
    expect(down.equals(data)).toBe(true);

    await file.delete();
    expect((await file.exists())[0]).toBe(false);
    expect(emu.stats()).toMatchObject({ uploads: 1, downloads: 1, deletes: 1 });
  });

  it('multipart upload (resumable: false) with md5 validation', async () => {
    const storage = storageClient(emu);
    const data = Buffer.from('hello veo emulator\r\n--not-a-boundary--\r\n');
    const file = storage.bucket('ttv').file('small.txt');
    await file.save(data, { resumable: false, contentType: 'text/plain', validation: 'md5' });
    expect(emu.requestsTo('POST', '/upload/storage/v1/b/ttv/o')[0]?.query['uploadType']).toBe('multipart');
    const obj = emu.buckets.get('ttv', 'small.txt')!;
    expect(obj.data.equals(data)).toBe(true);
    expect(obj.contentType).toBe('text/plain');
    const [down] = await file.download();
    expect(down.toString()).toBe(data.toString());
  });

  it('upload from a file path (uploadFile) and listing', async () => {
    const storage = storageClient(emu);
    await storage.bucket('ttv').file('a/1').save('one', { resumable: false });
    await storage.bucket('ttv').file('a/2').save('two');
    await storage.bucket('ttv').file('b/3').save('three', { resumable: false });
    const [files] = await storage.bucket('ttv').getFiles({ prefix: 'a/' });
    expect(files.map((f) => f.name)).toEqual(['a/1', 'a/2']);
  });

  it('404 JSON for a missing object; the /b/… (STORAGE_EMULATOR_HOST) form works too', async () => {
    const miss = await fetch(`${emu.url}/storage/v1/b/ttv/o/nope`);
    expect(miss.status).toBe(404);
    expect(((await miss.json()) as { error: unknown }).error).toMatchObject({ code: 404 });
    emu.buckets.put('ttv', 'x/y.txt', Buffer.from('xy'), { contentType: 'text/plain' });
    const media = await fetch(`${emu.url}/b/ttv/o/${encodeURIComponent('x/y.txt')}?alt=media`);
    expect(media.status).toBe(200);
    expect(await media.text()).toBe('xy');
    expect(media.headers.get('x-goog-hash')).toBe(`crc32c=${crc32cBase64(Buffer.from('xy'))},md5=${md5Base64(Buffer.from('xy'))}`);
    const meta = await fetch(`${emu.url}/b/ttv/o/${encodeURIComponent('x/y.txt')}`);
    expect(((await meta.json()) as { size: string }).size).toBe('2');
  });

  it('an upload 503 is surfaced by the client', async () => {
    emu.faults.inject(veoFaults.uploadError(503, Infinity));
    const file = storageClient(emu).bucket('ttv').file('fail.bin');
    await expect(file.save(Buffer.from('x'), { resumable: false, retry: { autoRetry: false } } as never)).rejects.toThrow();
    emu.faults.clear();
  });
});
