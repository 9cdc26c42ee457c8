import type { LoadedConfig, RunEstimate } from '@ttv/core';

/** What `ttv plan` and `ttv estimate` render: core's estimate of the run, as is, and the input checks' warnings. */
export interface DryRun {
  config: LoadedConfig;
  estimate: RunEstimate;
  /** From `validatePlanInputs` (e.g. a symlink leading outside the config folder). */
  warnings: string[];
}

type SegmentEstimate = RunEstimate['segments'][number];

/** The chain option the run would use for a segment (undefined when no backend of the chain can take it). */
export function chosenOption(segment: SegmentEstimate): SegmentEstimate['chain'][number] | undefined {
  return segment.chosen ? segment.chain.find((c) => c.backend === segment.chosen!.backend) : undefined;
}

/** Exit codes of `ttv plan` / `ttv estimate` when they say the run would not go through (see docs/user-guide.md). */
export const EXIT_WOULD_FAIL = 2;
export const EXIT_OVER_BUDGET = 9;

/**
 * Loads the project named by `--config`, checks its input images (core's `validatePlanInputs`: the same checks the
 * engine makes before the first paid call) and estimates it with core's `estimateRun`. Zero network calls.
 */
export async function loadDryRun(configFlag: string | undefined, dataDir: string): Promise<DryRun> {
  const { loadProject } = await import('./context.js');
  const core = await import('@ttv/core');
  const engine = await import('@ttv/core/engine');
  const { resolveFfmpeg } = await import('@ttv/core/media');
  const { config, registry } = await loadProject(configFlag, dataDir);
  const plan = engine.planStoryboard(config.core, { textToVideo: engine.chainTakesText(config) });
  const ffmpeg = config.core.ffmpeg;
  const binaries = engine.planImages(plan).length
    ? resolveFfmpeg({
        ...(ffmpeg.ffmpegPath ? { ffmpegPath: ffmpeg.ffmpegPath } : {}),
        ...(ffmpeg.ffprobePath ? { ffprobePath: ffmpeg.ffprobePath } : {}),
      })
    : undefined;
  const { warnings } = await engine.validatePlanInputs(plan, { configDir: config.configDir, ...(binaries ? { binaries } : {}) });
  const estimate = await core.estimateRun(config, registry);
  return { config, estimate, warnings };
}

/**
 * Makes text safe to print on a terminal: control characters (ESC, CR, BEL, …, C1) and bidirectional overrides are
 * shown as escapes (`\n`, `\x1b`, `\u202e`) instead of being interpreted.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    if (named[c]) return named[c];
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
