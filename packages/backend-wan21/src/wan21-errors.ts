/**
 * What a finished generate.py run means: the process runner's outcome, the file it saved (Wan exits 0 after a
 * failed save) and the clip's probe, mapped to TtvErrors that say what to change.
 */
import { type ProcessOutcome, processFailure, TtvError } from '@ttv/core/backend';
import type { VideoProbe } from '@ttv/core/media';
import type { WanJob } from './wan21-backend.js';
import type { Wan21Config } from './wan21-config.js';
import { AREA_SIZES, VALID_ULYSSES, WAN_FPS } from './wan21-models.js';

/** A failed run of generate.py (spawn error, timeout, abort, CUDA out of memory, a non-zero exit), or undefined. */
export function processError(outcome: ProcessOutcome, cfg: Wan21Config, job: WanJob, nproc: number): TtvError | undefined {
  return processFailure(outcome, {
    what: `wan21 ${job.task} (generate.py${nproc > 1 ? ` under torchrun ×${nproc}` : ''})`,
    spawnField: nproc > 1 ? 'wan21.torchrun' : 'wan21.python',
    spawnFix:
      nproc > 1
        ? 'set wan21.torchrun to the torchrun of the Wan environment'
        : 'set wan21.python to the python of the Wan environment (the venv with torch and flash-attn)',
    timeoutField: 'wan21.timeoutMinutes',
    timeoutMinutes: cfg.timeoutMinutes,
    oomFix: oomFix(cfg, job),
  });
}

/** generate.py exited 0 but saved nothing (it logs "cache_video failed" and still exits 0). */
export function noVideoSaved(outcome: ProcessOutcome, job: WanJob, saveFile: string): TtvError {
  const saveError = outcome.stdoutTail.find((l) => l.includes('cache_video failed'));
  return new TtvError('GENERATION_FAILED', `wan21 ${job.task} exited 0 but saved no video at ${saveFile}${saveError ? ` (${saveError.trim()})` : ''}`, {
    fix: 'check free disk space and write permission in the run folder, and that imageio-ffmpeg works in the Wan environment; see run.log',
    details: { stdoutTail: outcome.stdoutTail.slice(-10), stderrTail: outcome.stderrTail.slice(-10) },
  });
}

/** The saved file does not probe as a video (CANCELLED when the run was cancelled meanwhile). */
export function unreadableVideo(job: WanJob, saveFile: string, error: unknown, signal: AbortSignal): TtvError {
  if (signal.aborted) return new TtvError('CANCELLED', 'cancelled', { cause: error });
  return new TtvError('GENERATION_FAILED', `wan21 ${job.task} wrote ${saveFile}, which is not a readable video: ${(error as Error).message}`, { cause: error });
}

/** The clip has another frame count or rate than the job asked for. */
export function wrongFrameCount(job: WanJob, probe: Pick<VideoProbe, 'frames' | 'fps'>): TtvError {
  return new TtvError('GENERATION_FAILED', `wan21 ${job.task} wrote ${probe.frames} frames at ${probe.fps} fps; expected ${job.frameNum} at ${WAN_FPS}`, {
    fix: 'the save was incomplete or the Wan checkout behaves differently (old checkouts make only 81 i2v frames: set wan21.i2vFrames: [81])',
  });
}

/** What lowers Wan's memory use, for a CUDA out-of-memory failure. */
function oomFix(cfg: Wan21Config, job: WanJob): string {
  const steps: string[] = [];
  if (job.size !== AREA_SIZES['480p'] && job.size !== '480*832') steps.push('a 480p size (wan21.size or output 832x480; use the 480P i2v checkpoint)');
  if (cfg.offloadModel !== true) steps.push('wan21.offloadModel: true');
  if (!cfg.t5Cpu) steps.push('wan21.t5Cpu: true');
  steps.push(`more GPUs per job (wan21.gpusPerJob: ${VALID_ULYSSES.find((n) => n > cfg.gpusPerJob) ?? 2}, FSDP shards the weights)`);
  return `lower the memory use: ${steps.join('; ')}`;
}
