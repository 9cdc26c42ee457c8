import type { CoreConfig } from '../config/schema.js';
import { TtvError } from '../spec/errors.js';

export interface PlannedSegment {
  index: number;
  prompt: string;
  durationSec: number;
  negativePrompt?: string;
  seed?: number;
  /** Keyframe mode: absolute path of the image this segment ends on. */
  keyframe?: string;
}

export interface Plan {
  mode: CoreConfig['mode'];
  /** Absolute path of the film's first frame, when given. */
  image?: string;
  segments: PlannedSegment[];
  totalDurationSec: number;
}

/** Splits text into sentences, keeping their punctuation; blank lines also end a sentence. */
export function splitSentences(text: string): string[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .flatMap(
      (para) =>
        para
          .replace(/\s+/g, ' ')
          .trim()
          .match(/[^.!?]+(?:[.!?]+["'”’)]*|$)/g) ?? [],
    )
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Splits `sentences` into `n` consecutive groups with character counts as even as possible (deterministic).
 * When there are fewer sentences than groups, a sentence spans several consecutive segments.
 */
export function groupSentences(sentences: string[], n: number): string[] {
  if (sentences.length <= n) {
    return Array.from({ length: n }, (_, i) => sentences[Math.floor((i * sentences.length) / n)]!);
  }
  const total = sentences.reduce((a, s) => a + s.length, 0);
  const groups: string[] = [];
  let current: string[] = [];
  let consumed = 0;
  for (let i = 0; i < sentences.length; i++) {
    const s = sentences[i]!;
    current.push(s);
    consumed += s.length;
    const groupsLeft = n - groups.length - 1;
    const sentencesLeft = sentences.length - i - 1;
    const target = (total * (groups.length + 1)) / n;
    if (groupsLeft > 0 && (consumed >= target || sentencesLeft === groupsLeft)) {
      groups.push(current.join(' '));
      current = [];
    }
  }
  if (current.length > 0) groups.push(current.join(' '));
  return groups;
}

/**
 * Turns the storyboard into segments. Explicit segments are taken as written; one long `prompt` is split by the
 * built-in planner: sentences grouped into `round(totalDuration / segmentDuration)` segments (or one per
 * sentence, or one per keyframe), each `totalDuration / n` seconds long. Same input, same plan.
 */
export function planStoryboard(core: CoreConfig): Plan {
  const sb = core.storyboard;
  const segments: PlannedSegment[] = [];
  if (sb.segments) {
    sb.segments.forEach((s, index) => {
      segments.push({
        index,
        prompt: s.prompt.trim(),
        durationSec: s.duration ?? core.segmentDuration,
        ...(s.negativePrompt ? { negativePrompt: s.negativePrompt } : {}),
        ...(s.seed !== undefined ? { seed: s.seed } : core.seed !== undefined ? { seed: core.seed + index } : {}),
        ...(s.keyframe ? { keyframe: s.keyframe } : {}),
      });
    });
  } else {
    const sentences = splitSentences(sb.prompt ?? '');
    if (sentences.length === 0) {
      throw new TtvError('CONFIG_INVALID', 'storyboard.prompt has no sentences to plan from', {
        field: 'storyboard.prompt',
        value: sb.prompt,
        fix: 'write the script as sentences ending in ".", "!" or "?"',
      });
    }
    const keyframes = sb.keyframes ?? [];
    let n: number;
    if (core.mode === 'keyframe' && keyframes.length > 0) n = keyframes.length;
    else if (sb.totalDuration) n = Math.max(1, Math.round(sb.totalDuration / core.segmentDuration));
    else n = sentences.length;
    const duration = sb.totalDuration ? sb.totalDuration / n : core.segmentDuration;
    groupSentences(sentences, n).forEach((prompt, index) => {
      segments.push({
        index,
        prompt,
        durationSec: Number(duration.toFixed(3)),
        ...(core.seed !== undefined ? { seed: core.seed + index } : {}),
        ...(keyframes[index] ? { keyframe: keyframes[index] } : {}),
      });
    });
  }

  if (core.mode === 'chaining') {
    const withKeyframe = sb.segments?.findIndex((s) => s.keyframe !== undefined) ?? -1;
    if (withKeyframe >= 0 || (sb.keyframes && sb.keyframes.length > 0)) {
      const field = withKeyframe >= 0 ? `storyboard.segments[${withKeyframe}].keyframe` : 'storyboard.keyframes';
      throw new TtvError('CONFIG_INVALID', `${field}: keyframes are only used in keyframe mode, but mode is chaining`, {
        field,
        fix: 'set `mode: keyframe` to generate between keyframes, or remove the keyframes to chain from the last frame',
      });
    }
  } else {
    if (!sb.image) {
      throw new TtvError('CONFIG_INVALID', 'storyboard.image: keyframe mode needs the first frame of the film', {
        field: 'storyboard.image',
        fix: 'set storyboard.image to the image the first segment starts from',
      });
    }
    const missing = segments.find((s) => !s.keyframe);
    if (missing) {
      const field = sb.segments ? `storyboard.segments[${missing.index}].keyframe` : 'storyboard.keyframes';
      throw new TtvError(
        'CONFIG_INVALID',
        `${field}: keyframe mode needs a keyframe (the image the segment ends on) for every segment; segment ${missing.index} has none`,
        {
          field,
          fix: sb.segments ? `add keyframe: <image> to segment ${missing.index}` : `list ${segments.length} images in storyboard.keyframes`,
        },
      );
    }
  }
  return {
    mode: core.mode,
    ...(sb.image ? { image: sb.image } : {}),
    segments,
    totalDurationSec: segments.reduce((a, s) => a + s.durationSec, 0),
  };
}
