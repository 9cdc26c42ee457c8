import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TtvError } from '@ttv/core';
import { readManifest } from '@ttv/core/engine';
import { extractFirstFrame, extractLastFrame } from '@ttv/core/media';
import type { FilmRecords } from '../films.js';
import type { RunStore } from '../run-store.js';

export type FrameWhich = 'first' | 'last';

/** Frames kept in memory (a seam is two of them; a dashboard shows the seams of the films a user opens). */
const KEPT = 64;

/**
 * The first or last frame of a made segment's clip, as a PNG: the two sides of each seam, as report.html shows them.
 * Only the film's owner gets them (another token's film is NOT FOUND); frames are extracted once per clip (its sha256).
 */
export function segmentFrames(store: RunStore, films: FilmRecords) {
  const kept = new Map<string, Buffer>();
  return async function frame(owner: string, id: string, segment: number, which: FrameWhich): Promise<Buffer> {
    await films.owned(id, owner);
    const manifest = await readManifest(store.runDir(id)).catch(() => undefined);
    const rec = manifest?.segments[segment];
    if (!rec?.file || rec.status !== 'done')
      throw new TtvError('UNAVAILABLE', `segment ${segment} of film ${id} has no clip yet`, {
        details: { status: 409 },
        fix: 'wait until the segment is done',
      });
    const key = `${id}/${segment}/${which}/${rec.sha256 ?? rec.finishedAt}`;
    const hit = kept.get(key);
    if (hit) return hit;
    const dir = await mkdtemp(join(tmpdir(), 'ttv-frame-'));
    try {
      const png = join(dir, 'frame.png');
      await (which === 'first' ? extractFirstFrame : extractLastFrame)(rec.file, png, { timeoutMs: 60_000 });
      const bytes = await readFile(png);
      if (kept.size >= KEPT) kept.delete(kept.keys().next().value!);
      kept.set(key, bytes);
      return bytes;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

export type SegmentFrames = ReturnType<typeof segmentFrames>;
