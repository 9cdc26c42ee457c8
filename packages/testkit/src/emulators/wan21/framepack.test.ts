import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { framepackFrameCount, framepackStandIn, readRunRecords, type StandInEnvOptions, standInScaled } from './index.js';
import { lastFrame, makeImage, probe, psnrY } from './standin.fixture.js';

const fp = framepackStandIn();
let tmp: string;
let models: string[];
let start: string;
let end: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ttv-fpack-test-'));
  models = fp.modelArgs(fp.makeFakeModels(join(tmp, 'models')));
  start = await makeImage(join(tmp, 'start.png'), 1280, 720, 'a');
  end = await makeImage(join(tmp, 'end.png'), 1280, 720, 'b');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function run(args: string[], opts: StandInEnvOptions = {}) {
  const record = join(tmp, `rec-${++n}.jsonl`);
  const proc = execa(fp.python, [fp.script, ...args], { env: fp.env({ scale: 4, loadMs: 20, stepMs: 1, record, ...opts }), reject: false });
  return proc.then((r) => Object.assign(r, { record }));
}

describe('FramePack (musubi-tuner fpack_generate_video.py) stand-in', () => {
  it('requires the encoders and --save_path (argparse exit 2) and a prompt (ValueError exit 1)', async () => {
    const r = await run(['--prompt', 'x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: the following arguments are required: --text_encoder1, --text_encoder2, --image_encoder, --save_path');
    const r2 = await run([...models, '--save_path', tmp]);
    expect(r2.exitCode).toBe(1);
    expect(r2.stderr).toContain('ValueError: Either --prompt, --from_file or --interactive must be specified');
    const r3 = await run([...models, '--save_path', tmp, '--prompt', 'x', '--video_size', '500', '640']);
    expect(r3.stderr).toContain('ValueError: `height` and `width` have to be divisible by 8 but are 500 and 640.');
  });

  it('missing model or image files fail after loading', async () => {
    const r = await run([...models.slice(0, 1), join(tmp, 'nope.safetensors'), ...models.slice(2), '--save_path', tmp, '--prompt', 'x']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`FileNotFoundError: [Errno 2] No such file or directory: '${join(tmp, 'nope.safetensors')}'`);
    const r2 = await run([...models, '--save_path', tmp, '--prompt', 'x', '--image_path', join(tmp, 'none.png')]);
    expect(r2.stderr).toContain('FileNotFoundError');
  });

  it('writes {save_path}/{time}_{seed}.mp4 with the section-based frame count at --fps, ending on the end image', async () => {
    const out = join(tmp, 'out');
    const r = await run([
      ...models,
      '--image_path',
      start,
      '--end_image_path',
      end,
      '--prompt',
      'a bird',
      '--video_size',
      '480',
      '832',
      '--video_seconds',
      '2',
      '--fps',
      '30',
      '--infer_steps',
      '5',
      '--seed',
      '1234',
      '--save_path',
      out,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{8}-\d{6}_1234\.mp4$/);
    expect(r.stdout).toContain(`Video saved to: ${out}/${files[0]}`);
    // 2 s × 30 fps / 36 → 2 sections → (2·9+1)·4−3 = 73 frames.
    expect(framepackFrameCount(2, 30)).toBe(73);
    expect(framepackFrameCount(5, 30)).toBe(145);
    const { width, height } = standInScaled({ width: 832, height: 480 }, 4);
    const p = await probe(join(out, files[0]!));
    expect(p).toMatchObject({ frames: 73, fps: '30/1', width, height, pixFmt: 'yuv420p', audioStreams: 0 });
    const last = await lastFrame(join(out, files[0]!), join(tmp, 'fp-last.png'));
    const fit = `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height}`;
    expect(await psnrY(last, end, fit)).toBeGreaterThan(35);
    expect(readRunRecords(r.record)[0]).toMatchObject({ tool: 'framepack-generate', outcome: 'ok', frames: 73, sections: 2, seed: 1234 });
    expect(r.stderr).toContain('5/5 [');
  });

  it('faults: oom exits 1; sigkill dies by SIGKILL', async () => {
    const base = [...models, '--image_path', start, '--prompt', 'x', '--video_seconds', '1', '--save_path', join(tmp, 'f')];
    const oom = await run(base, { fault: 'oom' });
    expect(oom.exitCode).toBe(1);
    expect(oom.stderr).toContain('torch.OutOfMemoryError: CUDA out of memory.');
    const kill = await run(base, { fault: 'sigkill' });
    expect(kill.signal).toBe('SIGKILL');
  });
});
