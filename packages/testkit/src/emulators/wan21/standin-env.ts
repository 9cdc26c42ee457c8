// The environment every Python stand-in reads (kept out of the public entries: only the stand-ins use it).
import { type StandInEnvOptions, standInFfmpeg } from './index.js';

/** TTV_FFMPEG/TTV_FFPROBE and the `<prefix>_*` switches of a stand-in (shared by every Python stand-in). */
export function baseEnv(prefix: string, opts: StandInEnvOptions): Record<string, string> {
  const bins = standInFfmpeg();
  const env: Record<string, string> = { TTV_FFMPEG: bins.ffmpeg, TTV_FFPROBE: bins.ffprobe, PYTHONUNBUFFERED: '1' };
  if (opts.record !== undefined) env[`${prefix}_RECORD`] = opts.record;
  if (opts.fault !== undefined) env[`${prefix}_FAULT`] = opts.fault;
  if (opts.faultRank !== undefined) env[`${prefix}_FAULT_RANK`] = String(opts.faultRank);
  if (opts.scale !== undefined) env[`${prefix}_SCALE`] = String(opts.scale);
  if (opts.loadMs !== undefined) env[`${prefix}_LOAD_MS`] = String(opts.loadMs);
  if (opts.stepMs !== undefined) env[`${prefix}_STEP_MS`] = String(opts.stepMs);
  if (opts.cudaVisibleDevices !== undefined) env.CUDA_VISIBLE_DEVICES = opts.cudaVisibleDevices;
  return env;
}
