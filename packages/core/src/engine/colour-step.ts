// The colour-match step (`join.colorMatch: on`, ADR 0006). Each finished segment gets one colour transfer that
// takes its first frame to the previous segment's *corrected* last frame; segment 0 is the reference and stays as
// it is. Corrections therefore chain without compounding: in chaining mode the next segment starts from the
// corrected last frame (scheduler.ts), and the join applies each transfer as a LUT in its normalisation encode.
// Records are keyed by the segment's file and its predecessor's record, so a re-run with nothing changed decodes
// nothing.
import { applyTransfer, type ColourTransfer, decodeFrame, IDENTITY_TRANSFER, isIdentity, matchTransfer } from '../media/colour.js';
import { compareFrames, type Frame, type SeamMeasure } from '../media/seams.js';
import { sha256 } from '../util/fs.js';
import type { SegmentRecord } from './manifest.js';
import type { RunState } from './run-state.js';

/** What the manifest keeps of a segment's colour correction. */
export interface ColourMatchRecord {
  /** Hash of the recipe version, the strength, this segment's file and the predecessor's record key. */
  key: string;
  transfer: ColourTransfer;
  /** The seam with the (corrected) previous segment had this segment not been corrected (absent for segment 0). */
  before?: SeamMeasure;
}

/** Bump when the way a transfer is computed changes. */
const RECIPE = 2;

type MatchState = Pick<RunState, 'manifest' | 'core' | 'signal'>;

/** The colour corrections of every segment, in order (the join's input). Reuses records whose key still holds. */
export async function matchColours(state: MatchState): Promise<ColourMatchRecord[]> {
  const records: ColourMatchRecord[] = [];
  for (const rec of state.manifest.segments) records.push(await colourMatchOf(state, rec.index));
  return records;
}

/** The colour correction of segment `index` (computing its predecessors' first when they are missing or stale). */
export async function colourMatchOf(state: MatchState, index: number): Promise<ColourMatchRecord> {
  const rec = state.manifest.segments[index]!;
  const previous = index > 0 ? await colourMatchOf(state, index - 1) : undefined;
  const strength = state.core.join.colorMatchStrength;
  const key = sha256(JSON.stringify({ recipe: RECIPE, strength, file: rec.sha256, previous: previous?.key ?? null }));
  if (rec.colorMatch?.key === key) return rec.colorMatch;
  if (!previous) {
    rec.colorMatch = { key, transfer: IDENTITY_TRANSFER };
    return rec.colorMatch;
  }
  const opts = { signal: state.signal };
  const prev = state.manifest.segments[index - 1]!;
  // Both frames at the same small size, so that they can be compared pixel by pixel.
  const size = { width: prev.width!, height: prev.height! };
  const [first, reference] = await Promise.all([decode(rec, 'first', size, opts), correctedLast(prev, previous.transfer, size, opts)]);
  const transfer = await matchTransfer(first, reference, strength);
  rec.colorMatch = { key, transfer, before: await compareFrames(reference, first) };
  return rec.colorMatch;
}

/** The last frame of a segment as the film shows it: with its own correction applied. */
async function correctedLast(rec: SegmentRecord, transfer: ColourTransfer, size: Size, opts: { signal: AbortSignal }): Promise<Frame> {
  const last = await decode(rec, 'last', size, opts);
  return isIdentity(transfer) ? last : applyTransfer(transfer, last);
}

type Size = { width: number; height: number };

function decode(rec: SegmentRecord, which: 'first' | 'last', size: Size, opts: { signal: AbortSignal }): Promise<Frame> {
  return decodeFrame(rec.file!, which, size, opts);
}
