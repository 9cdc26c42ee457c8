// Media toolkit benchmarks. Called by bench/run.mjs as `run({ core })` with the built @ttv/core module; uses only
// its exported API. Clips are generated once into .ttv-bench/ (gitignored), keyed by their parameters.
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE = fileURLToPath(new URL('../.ttv-bench/', import.meta.url));
const RUNS = 3;

async function exists(path) {
  return stat(path).then(
    (s) => s.size > 0,
    () => false,
  );
}

async function cachedClip(core, params) {
  const { width, height, fps, frames, pattern } = params;
  const path = join(CACHE, `clip-${pattern}-${width}x${height}-${fps}fps-${frames}f.mp4`);
  if (!(await exists(path))) await core.makeTestClip(path, { width, height, fps, frames, pattern });
  return path;
}

async function median(fn) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const round = (ms) => Math.round(ms * 10) / 10;

export async function run({ core }) {
  await mkdir(CACHE, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'ttv-media-bench-'));
  const rows = [];
  try {
    // (a) last frame of a 60 s 720p 24 fps clip vs decoding the whole clip.
    const long = await cachedClip(core, { width: 1280, height: 720, fps: 24, frames: 1440, pattern: 'testsrc2' });
    const last = await median((i) => core.extractLastFrame(long, join(work, `last-${i}.png`)));
    const decode = await median(() => core.runFfmpeg(['-i', long, '-f', 'null', '-']));
    rows.push(
      { name: 'media.extractLastFrame.60s720p24', value: round(last), unit: 'ms', note: `median of ${RUNS}; -sseof -1 + reverse, one PNG` },
      { name: 'media.decodeWhole.60s720p24', value: round(decode), unit: 'ms', note: `median of ${RUNS}; ffmpeg -i clip -f null -` },
      { name: 'media.extractLastFrame.speedup', value: round(decode / last), unit: 'x', note: 'full decode time / last-frame time' },
    );

    // (b) copy-join of 20 compatible 5 s 720p segments vs copying their bytes.
    const segment = await cachedClip(core, { width: 1280, height: 720, fps: 24, frames: 120, pattern: 'testsrc2' });
    const lastShort = await median((i) => core.extractLastFrame(segment, join(work, `last5-${i}.png`)));
    rows.push({
      name: 'media.extractLastFrame.5s720p24',
      value: round(lastShort),
      unit: 'ms',
      note: `median of ${RUNS}; same 720p24 content, 5 s: cost does not grow with clip length`,
    });
    const segments = [];
    for (let i = 0; i < 20; i++) {
      const path = join(work, `seg-${String(i).padStart(2, '0')}.mp4`);
      await copyFile(segment, path);
      segments.push({ path });
    }
    const target = { width: 1280, height: 720, fps: 24 };
    let method = '';
    let frames = 0;
    // As the engine calls it: every input carries the probe its manifest stores, so nothing is probed again.
    const known = await Promise.all(segments.map(async (s) => ({ ...s, probe: await core.probeVideo(s.path) })));
    const joinKnown = await median(async (i) => {
      const result = await core.joinSegments(known, join(work, `joined-known-${i}.mp4`), target);
      method = result.method;
      frames = result.probe.frames;
    });
    const join20 = await median(async (i) => {
      await core.joinSegments(segments, join(work, `joined-${i}.mp4`), target);
    });
    // The anchor: the bare concat-demuxer command the join runs, through the same runner.
    const list = join(work, 'list.txt');
    await writeFile(list, segments.map((s) => `file '${s.path}'\n`).join(''));
    const bare = await median((i) =>
      core.runFfmpeg([
        '-f',
        'concat',
        '-safe',
        '0',
        '-i',
        list,
        '-map',
        '0',
        '-c',
        'copy',
        '-movflags',
        '+faststart',
        '-f',
        'mp4',
        join(work, `bare-${i}.mp4`),
      ]),
    );
    const bytesCopy = await median(async (i) => {
      const dir = join(work, `copy-${i}`);
      await mkdir(dir);
      for (const s of segments) await copyFile(s.path, join(dir, `${s.path.split('/').pop()}`));
    });
    const totalBytes = (await stat(segment)).size * segments.length;
    rows.push(
      {
        name: 'media.joinSegments.copy.20x5s720p24',
        value: round(joinKnown),
        unit: 'ms',
        note: `median of ${RUNS}; method=${method}, ${frames} frames, ${(totalBytes / 1e6).toFixed(1)} MB; inputs carry their probe (as the engine passes them); output verified from its MP4 header`,
      },
      {
        name: 'media.ffmpegConcatCopy.20x5s720p24',
        value: round(bare),
        unit: 'ms',
        note: `median of ${RUNS}; anchor: bare ffmpeg -f concat -safe 0 -i list -c copy -movflags +faststart`,
      },
      { name: 'media.joinSegments.vsBareConcat', value: round(joinKnown / bare), unit: 'x', note: 'join time / bare concat command; goal ≤ 1.2×' },
      {
        name: 'media.joinSegments.copy.20x5s720p24.unprobed',
        value: round(join20),
        unit: 'ms',
        note: `median of ${RUNS}; inputs without probes: probes all 20 first (${round(join20 / bare)}× the bare command)`,
      },
      { name: 'media.copyFile.20x5s720p24', value: round(bytesCopy), unit: 'ms', note: `median of ${RUNS}; fs.copyFile of the same bytes` },
      { name: 'media.joinSegments.overhead', value: round(joinKnown / bytesCopy), unit: 'x', note: 'join time / byte-copy time' },
    );
    rows.push(...(await seamCosts(core, work)));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return rows;
}

/**
 * (c) What the seam work adds to a chained film's join: 20 segments of 2 s 720p24 with sound, seam frames dropped
 * (so the join normalises, as every chaining run does). The anchor is the join as it was before sound and seams
 * (video only); then with the sound track, with colour matching (the transfers' decode and fit included), and with
 * a 6-frame crossfade. Each variant runs once into an empty cache (20 encodes each).
 */
async function seamCosts(core, work) {
  const target = { width: 1280, height: 720, fps: 24 };
  const clips = [];
  for (let i = 0; i < 20; i++) {
    const path = join(CACHE, `clip-testsrc2-1280x720-24fps-48f-tone${220 + i * 20}.mp4`);
    if (!(await exists(path))) await core.makeTestClip(path, { ...target, frames: 48, pattern: 'testsrc2', toneHz: 220 + i * 20 });
    clips.push(path);
  }
  const inputs = await Promise.all(clips.map(async (path, i) => ({ path, dropFirstFrame: i > 0, probe: await core.probeVideo(path) })));
  const timeJoin = async (name, extra, prepare = async () => inputs) => {
    const t0 = performance.now();
    const prepared = await prepare();
    await core.joinSegments(prepared, join(work, `${name}.mp4`), target, { cacheDir: join(work, `cache-${name}`), ...extra });
    return performance.now() - t0;
  };
  const base = await timeJoin('video-only', { audio: 'off' });
  const audio = await timeJoin('audio', {});
  const colour = await timeJoin('colour', { audio: 'off' }, async () => {
    // As the engine does it: each segment's first frame matched to the previous segment's last (here uncorrected).
    const size = { width: target.width, height: target.height };
    const out = [inputs[0]];
    for (let i = 1; i < inputs.length; i++) {
      const [first, reference] = await Promise.all([core.decodeFrame(inputs[i].path, 'first', size), core.decodeFrame(inputs[i - 1].path, 'last', size)]);
      out.push({ ...inputs[i], colour: await core.matchTransfer(first, reference, 1) });
    }
    return out;
  });
  const all = await timeJoin('all', { crossfadeFrames: 6 });
  const ratio = (ms) => Math.round((ms / base) * 100) / 100;
  return [
    {
      name: 'media.join.chained.20x2s720p24.videoOnly',
      value: round(base),
      unit: 'ms',
      note: 'one run, empty cache; anchor: the join without sound or seam work',
    },
    { name: 'media.join.chained.audio', value: ratio(audio), unit: 'x', note: `${round(audio)} ms; with the film's sound track (20 tones, seam fades)` },
    {
      name: 'media.join.chained.colourMatch',
      value: ratio(colour),
      unit: 'x',
      note: `${round(colour)} ms; 19 transfers (decode + fit) and a LUT in each encode`,
    },
    { name: 'media.join.chained.audioAndCrossfade6', value: ratio(all), unit: 'x', note: `${round(all)} ms; sound + 6-frame dissolves at the 19 seams` },
  ];
}
