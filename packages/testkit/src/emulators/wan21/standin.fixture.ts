// Test helpers shared by the stand-in tests (not part of the build: *.fixture.ts).
import { execa } from 'execa';
import { standInFfmpeg } from './index.js';

export interface Probe {
  frames: number;
  fps: string;
  width: number;
  height: number;
  pixFmt: string;
  codec: string;
  audioStreams: number;
}

export async function probe(file: string): Promise<Probe> {
  const { ffprobe } = standInFfmpeg();
  const { stdout } = await execa(ffprobe, [
    '-v',
    'error',
    '-count_frames',
    '-show_entries',
    'stream=codec_type,codec_name,nb_read_frames,r_frame_rate,width,height,pix_fmt',
    '-of',
    'json',
    file,
  ]);
  const streams = (JSON.parse(stdout) as { streams: Record<string, string | number>[] }).streams;
  const v = streams.find((s) => s.codec_type === 'video')!;
  return {
    frames: Number(v.nb_read_frames),
    fps: String(v.r_frame_rate),
    width: Number(v.width),
    height: Number(v.height),
    pixFmt: String(v.pix_fmt),
    codec: String(v.codec_name),
    audioStreams: streams.filter((s) => s.codec_type === 'audio').length,
  };
}

export async function ffmpeg(args: string[]): Promise<{ stderr: string }> {
  const { ffmpeg: bin } = standInFfmpeg();
  const r = await execa(bin, ['-hide_banner', '-nostdin', '-y', ...args]);
  return { stderr: r.stderr };
}

/** Writes a test image: `kind` testsrc2 (sharp pattern), or a smooth gradient `a`/`b`. */
export async function makeImage(file: string, width: number, height: number, kind: 'pattern' | 'a' | 'b'): Promise<string> {
  const src = kind === 'pattern' ? ['-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}`] : ['-f', 'lavfi', '-i', `color=c=black:s=${width}x${height}`];
  const vf = kind === 'a' ? [`-vf`, `geq=r='255*X/W':g='255*Y/H':b=96`] : kind === 'b' ? [`-vf`, `geq=r='40':g='255-255*X/W':b='255*Y/H'`] : [];
  await ffmpeg(['-v', 'error', ...src, ...vf, '-frames:v', '1', file]);
  return file;
}

/** Extracts the exact last frame (reference §3 of ffmpeg.md). */
export async function lastFrame(video: string, out: string): Promise<string> {
  await ffmpeg(['-v', 'error', '-sseof', '-1', '-i', video, '-update', '1', '-pix_fmt', 'rgb24', out]);
  return out;
}

export async function firstFrame(video: string, out: string): Promise<string> {
  await ffmpeg(['-v', 'error', '-i', video, '-frames:v', '1', '-pix_fmt', 'rgb24', out]);
  return out;
}

/** Luma PSNR (dB) of `a` against `b` fitted with `fit` (an ffmpeg filter chain producing a's size). */
export async function psnrY(a: string, b: string, fit: string): Promise<number> {
  const { stderr } = await ffmpeg(['-i', a, '-i', b, '-lavfi', `[0:v]format=gray[x];[1:v]${fit},format=gray[y];[x][y]psnr`, '-f', 'null', '-']);
  const m = /PSNR y:([\d.]+|inf)/.exec(stderr);
  if (!m) throw new Error(`no PSNR in: ${stderr}`);
  return m[1] === 'inf' ? Infinity : Number(m[1]);
}
