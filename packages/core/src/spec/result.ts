import type { BackendWarning, GenerateResult } from './backend.js';

/** The properties of a clip, as a probe of the file reports them (e.g. `probeVideo` of @ttv/core). */
export interface ClipProperties {
  durationSec: number;
  frames: number;
  width: number;
  height: number;
  fps: number;
}

/**
 * Builds a backend's GenerateResult from the probe of the file it wrote: the spec asks for the clip's real
 * properties, so take them from the probe, never from the request.
 */
export function clipResult(file: string, probe: ClipProperties, outcome: { costUsd: number; warnings?: BackendWarning[]; jobId?: string }): GenerateResult {
  return {
    file,
    durationSec: probe.durationSec,
    frames: probe.frames,
    width: probe.width,
    height: probe.height,
    fps: probe.fps,
    costUsd: outcome.costUsd,
    warnings: outcome.warnings ?? [],
    ...(outcome.jobId !== undefined ? { jobId: outcome.jobId } : {}),
  };
}
