/**
 * A minimal MP4 (ISO BMFF) header reader: the first video track's sample count, coded size and duration, read
 * from the `moov` box without spawning ffprobe. Used to verify a stream-copy join cheaply (the concat demuxer
 * wrote the header from the packets it copied). Anything it does not understand gives `undefined`, and callers
 * fall back to ffprobe.
 */
import { open } from 'node:fs/promises';

export interface Mp4VideoTrack {
  /** Samples (frames) in the track: `stsz` sample count, what ffprobe reports as `nb_frames`. */
  frames: number;
  width: number;
  height: number;
  /** Track duration in seconds (`mdhd`). */
  durationSec: number;
  /** `1/<mdhd timescale>`, as ffprobe prints a stream time base. */
  timeBase: string;
  /** Whether the file is long enough to hold every sample of every track plus the `moov` box (no short write). */
  complete: boolean;
}

/** Total bytes of the samples listed in an `stsz` box. */
function sampleBytes(buf: Buffer, stsz: Box): number {
  const fixed = buf.readUInt32BE(stsz.start + 4);
  const count = buf.readUInt32BE(stsz.start + 8);
  if (fixed > 0) return fixed * count;
  let total = 0;
  for (let i = 0; i < count; i++) total += buf.readUInt32BE(stsz.start + 12 + 4 * i);
  return total;
}

interface Box {
  type: string;
  /** Offset of the payload (after the header) and its end, within the buffer or file. */
  start: number;
  end: number;
}

function* boxes(buf: Buffer, start: number, end: number): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) return;
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  for (const b of boxes(buf, parent.start, parent.end)) if (b.type === type) return b;
  return undefined;
}

const MAX_MOOV = 64 * 1024 * 1024;

/** Finds the top-level `moov` box (at the front with +faststart, else after `mdat`) and reads it. */
async function readMoov(path: string): Promise<{ moov: Buffer; fileSize: number } | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const head = Buffer.alloc(16);
    let at = 0;
    while (at + 8 <= fileSize) {
      const { bytesRead } = await handle.read(head, 0, 16, at);
      if (bytesRead < 8) return undefined;
      let size = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (size === 1) {
        if (bytesRead < 16) return undefined;
        size = Number(head.readBigUInt64BE(8));
      } else if (size === 0) {
        size = fileSize - at;
      }
      if (size < 8 || at + size > fileSize) return undefined;
      if (type === 'moov') {
        if (size > MAX_MOOV) return undefined;
        const moov = Buffer.alloc(size);
        const r = await handle.read(moov, 0, size, at);
        return r.bytesRead === size ? { moov, fileSize } : undefined;
      }
      at += size;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** The first video track of an MP4/MOV file, or undefined when the file is not one this reader understands. */
export async function readMp4VideoTrack(path: string): Promise<Mp4VideoTrack | undefined> {
  let read: { moov: Buffer; fileSize: number } | undefined;
  try {
    read = await readMoov(path);
  } catch {
    return undefined;
  }
  if (!read) return undefined;
  const { moov, fileSize } = read;
  try {
    const [root] = [...boxes(moov, 0, moov.length)];
    if (root?.type !== 'moov') return undefined;
    let video: Omit<Mp4VideoTrack, 'complete'> | undefined;
    let media = 0;
    for (const trak of boxes(moov, root.start, root.end)) {
      if (trak.type !== 'trak') continue;
      const mdia = child(moov, trak, 'mdia');
      const hdlr = mdia && child(moov, mdia, 'hdlr');
      const stbl = mdia && ((m) => m && child(moov, m, 'stbl'))(child(moov, mdia, 'minf'));
      const stsz = stbl && child(moov, stbl, 'stsz');
      if (!mdia || !hdlr || !stbl || !stsz) return undefined;
      media += sampleBytes(moov, stsz);
      if (video || moov.toString('latin1', hdlr.start + 8, hdlr.start + 12) !== 'vide') continue;
      const mdhd = child(moov, mdia, 'mdhd');
      const stsd = child(moov, stbl, 'stsd');
      if (!mdhd || !stsd) return undefined;
      const v1 = moov.readUInt8(mdhd.start) === 1;
      const timescale = moov.readUInt32BE(mdhd.start + (v1 ? 20 : 12));
      const duration = v1 ? Number(moov.readBigUInt64BE(mdhd.start + 24)) : moov.readUInt32BE(mdhd.start + 16);
      const frames = moov.readUInt32BE(stsz.start + 8);
      // stsd: version/flags, entry count, then the first visual sample entry (size, format, 6 reserved, data ref
      // index, 16 bytes pre-defined/reserved, then width and height).
      const entry = stsd.start + 8;
      const width = moov.readUInt16BE(entry + 32);
      const height = moov.readUInt16BE(entry + 34);
      if (!(timescale > 0) || !(frames > 0) || !(width > 0) || !(height > 0)) return undefined;
      video = { frames, width, height, durationSec: duration / timescale, timeBase: `1/${timescale}` };
    }
    return video ? { ...video, complete: fileSize >= media + moov.length } : undefined;
  } catch {
    // A truncated or malformed box read past the buffer.
    return undefined;
  }
}
