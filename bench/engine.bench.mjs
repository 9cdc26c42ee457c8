// Pipeline engine benchmarks. Called by bench/run.mjs as `run({ core, testkit })` with the built modules.
// (a) engine overhead per segment with an instant backend (copies a pre-made clip), ffmpeg excluded;
// (b) keyframe-mode wall time for 16 segments of 1 s latency at concurrency 4 against the ideal 4 s;
// (c) a fully cached re-run of 20 segments (zero backend calls).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const round = (x) => Math.round(x * 100) / 100;

function loaded(core, { backends, raw, dir }) {
  const coreConfig = core.coreConfigSchema.parse(raw);
  const configuredBackends = backends.map((b) => {
    // The testkit's doubles carry what their plugin's describe() declares as `info`.
    const { info } = b;
    const plugin = {
      specificationVersion: 2,
      name: info.name,
      displayName: info.displayName,
      kind: info.kind,
      configSchema: { safeParse: (x) => ({ success: true, data: x }) },
      describe: () => ({ models: info.models, defaultModel: info.defaultModel }),
      create: () => b,
    };
    return { name: info.name, plugin, config: {}, info, loaded: { plugin, specifier: info.name, url: `memory:${info.name}` } };
  });
  return {
    file: join(dir, 'ttv.yaml'),
    configDir: dir,
    core: coreConfig,
    name: 'bench',
    chain: backends.map((b) => b.info.name),
    backends: configuredBackends,
    sections: {},
    redacted: raw,
  };
}

const registry = { listInstalled: () => [], load: () => Promise.reject(new Error('none')) };

/** Runs the pipeline and times its phases from events. */
async function timed(core, options) {
  const marks = {};
  const t0 = performance.now();
  const result = await core.runPipeline({
    ...options,
    registry,
    onEvent: (e) => {
      if (e.type === 'run-start') marks.start = performance.now();
      if (e.type === 'join-start') marks.join = performance.now();
      if (e.type === 'join-done') marks.joined = performance.now();
    },
  });
  const end = performance.now();
  return { result, total: end - t0, generate: (marks.join ?? marks.joined ?? end) - marks.start, ...marks };
}

export async function run({ core, testkit }) {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-engine-bench-'));
  const rows = [];
  try {
    const clip = join(dir, 'clip.mp4');
    await core.makeTestClip(clip, { width: 320, height: 180, fps: 8, frames: 8 });
    const image = join(dir, 'first.png');
    await core.makeTestImage(image, { width: 320, height: 180 });
    const keys = [];
    for (let i = 0; i < 4; i++) {
      const k = join(dir, `key-${i}.png`);
      await core.makeTestImage(k, { width: 320, height: 180, pattern: i % 2 ? 'mandelbrot' : 'gradient' });
      keys.push(k);
    }
    const output = { width: 320, height: 180, fps: 8 };
    const keyframeRaw = (n, extra = {}) => ({
      mode: 'keyframe',
      output,
      ...extra,
      storyboard: { image, segments: Array.from({ length: n }, (_, i) => ({ prompt: `segment ${i}`, duration: 1, keyframe: keys[i % keys.length] })) },
    });

    // (a) overhead per segment: 20 chaining segments (strictly sequential, so times add up) with a backend that
    // copies a pre-made clip. The engine reports the time spent in backends and in its own ffmpeg work (last-frame
    // extraction, the join) in RunResult.timings; what remains of the generation phase is engine overhead.
    {
      const n = 20;
      const backend = testkit.createScriptedBackend({ name: 'instant', clip, submitsJobs: false });
      const runDir = join(dir, 'overhead');
      await mkdir(runDir, { recursive: true });
      const raw = { mode: 'chaining', output, storyboard: { image, segments: Array.from({ length: n }, (_, i) => ({ prompt: `segment ${i}`, duration: 1 })) } };
      const t = await timed(core, { config: loaded(core, { backends: [backend], raw, dir }), runDir });
      const { backendMs, mediaMs } = t.result.timings;
      const ffmpegMs = mediaMs - (t.joined - t.join); // last-frame extractions (the join comes after the phase)
      const perSegment = (t.generate - backendMs - ffmpegMs) / n;
      rows.push(
        {
          name: 'engine.overheadPerSegment',
          value: round(perSegment),
          unit: 'ms',
          note: `goal ≤ 10 ms excluding ffmpeg: ${n} chaining segments, instant backend (copies a clip: ${round(backendMs / n)} ms/seg); generation phase minus backend time minus ffmpeg last-frame extraction (${round(ffmpegMs / n)} ms/seg); join excluded`,
        },
        {
          name: 'engine.overheadPerSegment.withFfmpeg',
          value: round((t.generate - backendMs) / n),
          unit: 'ms',
          note: 'the same, including the last-frame extraction that chaining needs',
        },
      );
    }

    // (b) keyframe mode: 16 segments × 1 s latency at concurrency 4; ideal 4 s.
    {
      const backend = testkit.createScriptedBackend({ name: 'slow', clip, latencyMs: 1000, concurrency: 8 });
      const runDir = join(dir, 'keyframe');
      await mkdir(runDir, { recursive: true });
      const t = await timed(core, { config: loaded(core, { backends: [backend], raw: keyframeRaw(16, { concurrency: 4 }), dir }), runDir });
      rows.push(
        {
          name: 'engine.keyframe16x1s.c4.generate',
          value: round(t.generate / 1000),
          unit: 's',
          note: `ideal 4 s; max ${backend.maxActive} at once; ${backend.calls.length} calls; join excluded`,
        },
        { name: 'engine.keyframe16x1s.c4.ratio', value: round(t.generate / 4000), unit: 'x', note: 'goal ≤ 1.1× the ideal 4 s' },
        {
          name: 'engine.keyframe16x1s.c4.total',
          value: round(t.total / 1000),
          unit: 's',
          note: 'including planning, manifest and the join of 16 segments (ffmpeg)',
        },
      );
    }

    // (c) fully cached re-run of 20 segments (chaining: the strictest, sequential path).
    {
      const raw = {
        mode: 'chaining',
        output,
        storyboard: { image, segments: Array.from({ length: 20 }, (_, i) => ({ prompt: `segment ${i}`, duration: 1 })) },
      };
      const runDir = join(dir, 'cached');
      await mkdir(runDir, { recursive: true });
      const first = testkit.createScriptedBackend({ name: 'a', clip });
      await core.runPipeline({ config: loaded(core, { backends: [first], raw, dir }), registry, runDir });
      const again = testkit.createScriptedBackend({ name: 'a', clip });
      const t = await timed(core, { config: loaded(core, { backends: [again], raw, dir }), runDir });
      rows.push(
        {
          name: 'engine.cachedRerun20',
          value: round(t.total),
          unit: 'ms',
          note: `goal ≤ 1000 ms and zero backend calls: ${again.calls.length} calls, ${again.validations} validations; files verified by sha256, film not re-joined`,
        },
        { name: 'engine.cachedRerun20.backendCalls', value: again.calls.length, unit: 'calls', note: 'goal 0' },
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
