import { accessSync, chmodSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { TtvError } from '../spec/errors.js';

export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
  /** Where each binary came from, e.g. `FFMPEG_PATH`, `@ffmpeg-installer/ffmpeg`, `PATH`. */
  source: { ffmpeg: string; ffprobe: string };
}

export interface ResolveFfmpegOptions {
  /** Explicit paths (config `ffmpeg.ffmpegPath` / `ffmpeg.ffprobePath`): win over everything. */
  ffmpegPath?: string;
  ffprobePath?: string;
  env?: NodeJS.ProcessEnv;
}

const require = createRequire(import.meta.url);

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Some registry packages ship their binary without the execute bit and fix it in a postinstall script, which
 * pnpm 10 skips unless allowed (e.g. @ffprobe-installer/linux-x64). Set it ourselves if we may.
 */
function ensureExecutable(path: string): boolean {
  if (isExecutableFile(path)) return true;
  try {
    if (!existsSync(path)) return false;
    chmodSync(path, statSync(path).mode | 0o755);
    return isExecutableFile(path);
  } catch {
    return false;
  }
}

function fromPackage(specifier: string, read: (mod: unknown) => unknown): string | undefined {
  try {
    const value = read(require(specifier));
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

function fromPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

interface Candidate {
  source: string;
  path: string | undefined;
}

function pick(tool: 'ffmpeg' | 'ffprobe', candidates: Candidate[], tried: string[]): Candidate | undefined {
  for (const candidate of candidates) {
    if (candidate.path === undefined) {
      tried.push(`${tool} from ${candidate.source}: not available`);
      continue;
    }
    if (ensureExecutable(candidate.path)) return candidate;
    tried.push(`${tool} from ${candidate.source}: ${candidate.path} is missing or not executable`);
  }
  return undefined;
}

let cached: { key: string; value: FfmpegBinaries } | undefined;
let configured: { ffmpegPath?: string; ffprobePath?: string } = {};

/**
 * Sets the binaries every later media call uses when it is not given explicit options (process-wide): the CLI
 * calls it with the project's `ffmpeg.ffmpegPath` / `ffmpeg.ffprobePath` once the config is loaded, so
 * `generate`, the backends and the joiner all run the binary `ttv doctor` reports. Undefined keys fall back to
 * FFMPEG_PATH / FFPROBE_PATH and the bundled binaries; `useFfmpegBinaries({})` clears the setting.
 */
export function useFfmpegBinaries(paths: { ffmpegPath?: string | undefined; ffprobePath?: string | undefined }): void {
  configured = {
    ...(paths.ffmpegPath ? { ffmpegPath: paths.ffmpegPath } : {}),
    ...(paths.ffprobePath ? { ffprobePath: paths.ffprobePath } : {}),
  };
}

/**
 * Finds ffmpeg and ffprobe, in this order: explicit option → `useFfmpegBinaries` → FFMPEG_PATH / FFPROBE_PATH → ffmpeg-static (only
 * when its downloaded binary is present) → the binaries shipped inside @ffmpeg-installer/@ffprobe-installer →
 * PATH. Throws FFMPEG_FAILED listing everything that was tried.
 */
export function resolveFfmpeg(explicit: ResolveFfmpegOptions = {}): FfmpegBinaries {
  // Explicit options win, then what useFfmpegBinaries set for the process.
  const options: ResolveFfmpegOptions = {
    ...explicit,
    ffmpegPath: explicit.ffmpegPath ?? configured.ffmpegPath,
    ffprobePath: explicit.ffprobePath ?? configured.ffprobePath,
  };
  const env = options.env ?? process.env;
  const key = JSON.stringify([options.ffmpegPath, options.ffprobePath, env.FFMPEG_PATH, env.FFPROBE_PATH, env.PATH]);
  if (cached?.key === key) return cached.value;
  const tried: string[] = [];
  const ffmpeg = pick(
    'ffmpeg',
    [
      ...(options.ffmpegPath ? [{ source: 'config ffmpeg.ffmpegPath', path: options.ffmpegPath }] : []),
      ...(env.FFMPEG_PATH ? [{ source: 'FFMPEG_PATH', path: env.FFMPEG_PATH }] : []),
      { source: 'ffmpeg-static', path: fromPackage('ffmpeg-static', (m) => m) },
      { source: '@ffmpeg-installer/ffmpeg', path: fromPackage('@ffmpeg-installer/ffmpeg', (m) => (m as { path?: string }).path) },
      { source: 'PATH', path: fromPath('ffmpeg', env) },
    ],
    tried,
  );
  const ffprobe = pick(
    'ffprobe',
    [
      ...(options.ffprobePath ? [{ source: 'config ffmpeg.ffprobePath', path: options.ffprobePath }] : []),
      ...(env.FFPROBE_PATH ? [{ source: 'FFPROBE_PATH', path: env.FFPROBE_PATH }] : []),
      { source: '@derhuerst/ffprobe-static', path: fromPackage('@derhuerst/ffprobe-static', (m) => (m as { path?: string }).path) },
      { source: '@ffprobe-installer/ffprobe', path: fromPackage('@ffprobe-installer/ffprobe', (m) => (m as { path?: string }).path) },
      { source: 'PATH', path: fromPath('ffprobe', env) },
    ],
    tried,
  );
  if (!ffmpeg || !ffprobe) {
    throw new TtvError('FFMPEG_FAILED', `could not find ${!ffmpeg ? 'ffmpeg' : 'ffprobe'}. Tried:\n  - ${tried.join('\n  - ')}`, {
      fix: 'reinstall dependencies (pnpm install), set FFMPEG_PATH and FFPROBE_PATH, or install ffmpeg (apt-get install ffmpeg)',
    });
  }
  const value: FfmpegBinaries = {
    ffmpeg: ffmpeg.path!,
    ffprobe: ffprobe.path!,
    source: { ffmpeg: ffmpeg.source, ffprobe: ffprobe.source },
  };
  cached = { key, value };
  return value;
}
