// Checks a finished run the way a user would: final.mp4 decodes with no errors, and its frame count is the sum
// of the segments' frames minus the dropped seam frames.   node scripts/check-demo.mjs <run dir>
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const core = await import(new URL('../packages/core/dist/media/index.js', import.meta.url).href);
const runDir = process.argv[2];
if (!runDir) {
  console.error('usage: node scripts/check-demo.mjs <run dir>');
  process.exit(2);
}
const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8'));
const video = join(runDir, 'final.mp4');
const { stderr } = await core.runFfmpeg(['-i', video, '-f', 'null', '-']);
if (stderr.trim()) throw new Error(`final.mp4 does not decode cleanly:\n${stderr}`);
const probe = await core.probeVideo(video, { countFrames: true });
const fps = manifest.output.fps;
const expected = manifest.segments.reduce((n, s, i) => n + Math.round((s.frames * fps) / s.fps) - (i > 0 ? 1 : 0), 0);
if (Math.abs(probe.frames - expected) > manifest.segments.length) {
  throw new Error(`final.mp4 has ${probe.frames} frames, expected ${expected} (segments minus seam frames)`);
}
console.log(
  `demo ok: ${video}: ${probe.frames} frames (expected ${expected}), ${probe.durationSec.toFixed(3)} s, ${probe.width}x${probe.height} @ ${probe.fps} fps, decodes cleanly`,
);
