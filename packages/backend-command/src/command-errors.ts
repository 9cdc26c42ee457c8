/** What a finished tool run and its output mean, as TtvErrors that say what to change; config mistakes found offline. */
import { basename } from 'node:path';
import { type ProcessOutcome, processFailure, TtvError } from '@ttv/core/backend';
import type { VideoProbe } from '@ttv/core/media';
import type { ResolvedTool } from './command-models.js';

/** A config the tool cannot run with (found offline, when the backend is created). */
export function configError(message: string, field: string, value: unknown, fix: string): TtvError {
  return new TtvError('CONFIG_INVALID', message, { field, value, fix });
}

/** A failed run of the tool (spawn error, timeout, abort, CUDA out of memory, a non-zero exit), or undefined. */
export function processError(outcome: ProcessOutcome, model: string, tool: Pick<ResolvedTool, 'command'>, timeoutMinutes: number): TtvError | undefined {
  return processFailure(outcome, {
    what: `${model} (${basename(tool.command)})`,
    spawnField: 'command.command',
    spawnFix: 'set command.command to the python (or executable) of the tool’s environment',
    timeoutField: 'command.timeoutMinutes',
    timeoutMinutes,
    oomFix:
      'lower the resolution or clip length, use the tool’s memory options via command.extraArgs (e.g. FramePack --blocks_to_swap, --fp8), or use a bigger GPU',
  });
}

/** The tool exited 0 but left no clip where the template told it to write one. */
export function noOutput(outcome: ProcessOutcome, model: string, tool: Pick<ResolvedTool, 'output'>, where: { file: string; dir: string }): TtvError {
  const what = tool.output.kind === 'file' ? `file at ${where.file}` : `file matching ${tool.output.glob} in ${where.dir}`;
  return new TtvError('GENERATION_FAILED', `${model} exited 0 but wrote no ${what}`, {
    fix: 'check the tool’s log lines in run.log; make sure the template passes {output} / {outputDir} to the right flag',
    details: { stdoutTail: outcome.stdoutTail.slice(-10), stderrTail: outcome.stderrTail.slice(-10) },
  });
}

/** The file the tool wrote does not probe as a video. */
export function notAVideo(model: string, file: string, error: unknown): TtvError {
  return new TtvError('GENERATION_FAILED', `${model} wrote ${file}, which is not a valid video: ${(error as Error).message}`, { cause: error });
}

/** The clip has another rate than the tool declares, or (when checked) another frame count than asked for; else undefined. */
export function wrongClip(
  model: string,
  tool: Pick<ResolvedTool, 'fps' | 'checkFrames'>,
  probe: Pick<VideoProbe, 'fps' | 'frames'>,
  durationSec: number,
  expectedFrames: number,
): TtvError | undefined {
  if (Math.abs(probe.fps - tool.fps) > 0.01) {
    return new TtvError('GENERATION_FAILED', `${model} wrote a ${probe.fps} fps clip; expected ${tool.fps} fps`, {
      fix: 'set command.fps to the rate the tool really uses (or pass {fps} to it)',
    });
  }
  if (tool.checkFrames && probe.frames !== expectedFrames) {
    return new TtvError('GENERATION_FAILED', `${model} wrote ${probe.frames} frames; expected ${expectedFrames} for ${durationSec} s`, {
      fix: 'the tool did not make the requested length; check its log, or set command.checkFrames: false',
    });
  }
  return undefined;
}
