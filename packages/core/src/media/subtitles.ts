// Subtitles beside the film: one SubRip cue per segment, timed to the segment's exact place in the joined video.

export interface Cue {
  startSec: number;
  endSec: number;
  text: string;
}

/** `HH:MM:SS,mmm` (SubRip), rounded to the millisecond. */
export function srtTime(sec: number): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
}

/** Wraps text into lines of at most `width` characters (at spaces; a longer word stands alone). */
export function wrapLines(text: string, width = 42): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * The cues of a film whose segment k has `frames[k]` frames at `fps` (as the join made it): each cue starts where
 * its segment starts and ends where the next begins. Empty texts make no cue.
 */
export function segmentCues(frames: number[], fps: number, texts: string[]): Cue[] {
  const cues: Cue[] = [];
  let at = 0;
  for (const [k, f] of frames.entries()) {
    const text = texts[k]?.trim();
    if (text) cues.push({ startSec: at / fps, endSec: (at + f) / fps, text });
    at += f;
  }
  return cues;
}

/** A SubRip (.srt) file: numbered cues, times, wrapped text, blank line between cues. */
export function buildSrt(cues: Cue[]): string {
  return cues.map((c, i) => `${i + 1}\n${srtTime(c.startSec)} --> ${srtTime(c.endSec)}\n${wrapLines(c.text).join('\n')}\n`).join('\n');
}
