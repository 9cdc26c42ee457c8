import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import type { Manifest, SegmentRecord } from '@ttv/core/engine';
import type { SeamMetrics } from '@ttv/core/media';

export interface ReportOptions {
  /** Width of the seam thumbnails in pixels (never upscaled). */
  thumbWidth: number;
  /** Inline the final video as a base64 data URI instead of referencing it relatively. */
  embedVideo: boolean;
}

export interface Seam {
  from: number;
  to: number;
  lastFrame: string;
  firstFrame: string;
  /** Measured on the film by the join (manifest.final.seams), when there is one. */
  metrics?: SeamMetrics;
  flagged?: boolean;
}

export interface ReportResult {
  file: string;
  seams: number;
  /** Each seam's measures as numbers (from the manifest), for `ttv report --json`. */
  seamMetrics: Array<SeamMetrics & { flagged: boolean }>;
  /** Stills ttv generated for the run (the contact sheet), 0 when none. */
  keyframes: number;
  video: { src: 'relative' | 'embedded' | 'none'; path?: string };
}

const esc = (s: unknown) =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const secs = (a?: string, b?: string) => (a && b ? `${((Date.parse(b) - Date.parse(a)) / 1000).toFixed(1)} s` : '–');

async function thumb(video: string, which: 'first' | 'last', width: number, dir: string): Promise<string> {
  const { runFfmpeg } = await import('@ttv/core/media');
  const out = join(dir, `${basename(video)}-${which}.png`);
  const scale = `scale='min(${width},iw)':-2:flags=lanczos`;
  const args =
    which === 'last'
      ? ['-sseof', '-1', '-i', video, '-update', '1', '-vf', scale, '-pix_fmt', 'rgb24', '-c:v', 'png', '-f', 'image2', out]
      : ['-i', video, '-frames:v', '1', '-vf', scale, '-pix_fmt', 'rgb24', '-c:v', 'png', '-f', 'image2', out];
  await runFfmpeg(args, { timeoutMs: 60_000 });
  return `data:image/png;base64,${(await readFile(out)).toString('base64')}`;
}

function segmentCard(s: SegmentRecord | undefined): string {
  if (!s) return '';
  const attempts = s.attempts
    .map((a) => `${a.backend}/${a.model} #${a.attempt}: ${a.outcome ?? 'running'}${a.errorCode ? ` (${a.errorCode})` : ''}`)
    .join('; ');
  return `<div class="seg" data-segment="${s.index}">
  <h3>Segment ${s.index} <span class="status ${esc(s.status)}">${esc(s.status)}</span></h3>
  <dl>
    <dt>backend</dt><dd class="backend">${esc(s.backend ?? '–')}</dd>
    <dt>model</dt><dd class="model">${esc(s.model ?? '–')}</dd>
    <dt>cost</dt><dd class="cost">$${(s.costUsd ?? 0).toFixed(2)}</dd>
    <dt>clip</dt><dd>${s.durationSec !== undefined ? `${s.durationSec.toFixed(2)} s, ${s.frames} frames, ${s.width}×${s.height} @ ${Number((s.fps ?? 0).toFixed(3))}` : '–'} (asked ${s.requested.durationSec} s)</dd>
    <dt>time</dt><dd class="time">${secs(s.startedAt, s.finishedAt)}</dd>
    ${attempts ? `<dt>attempts</dt><dd>${esc(attempts)}</dd>` : ''}
    ${s.continuation ? `<dt>continues</dt><dd class="continuation">${s.continuation === 'extend' ? 'the previous clip, by native extension' : 'from the exact last frame (the backend cannot extend)'}</dd>` : ''}
    ${s.references ? `<dt>references</dt><dd class="references" data-sent="${esc(s.references.sent.join(','))}" data-dropped="${esc(s.references.dropped.join(','))}">${referencesLine(s.references)}</dd>` : ''}
    ${s.skipped.length ? `<dt>skipped</dt><dd>${s.skipped.map((k) => `${esc(k.backend)}: ${esc(k.reason)}`).join('<br>')}</dd>` : ''}
  </dl>
  <p class="prompt">${esc(s.prompt)}</p>
  ${(s.rewords ?? []).map((w) => `<p class="reword">refused (${esc(w.refused)}) by ${esc(w.backend)}: ${esc(w.refusal)}<br>was: <i>${esc(w.from)}</i><br>reworded by ${esc(w.by)}: <i>${esc(w.to)}</i></p>`).join('')}
  ${s.warnings.length ? `<ul class="warnings">${s.warnings.map((w) => `<li>${esc(w.message)}</li>`).join('')}</ul>` : ''}
</div>`;
}

/** The cast pictures a segment's model got and those it could not take. */
function referencesLine(r: NonNullable<SegmentRecord['references']>): string {
  const sent = r.sent.length ? `${r.sent.map(esc).join(', ')} (to ${esc(r.backend)})` : 'none sent';
  return r.dropped.length ? `${sent}; left out: ${r.dropped.map(esc).join(', ')}` : sent;
}

/** An image file as a thumbnail data URI (never upscaled). */
async function imageThumb(path: string, width: number, dir: string, name: string): Promise<string> {
  const { runFfmpeg } = await import('@ttv/core/media');
  const out = join(dir, `${name}-thumb.png`);
  await runFfmpeg(['-i', path, '-vf', `scale='min(${width},iw)':-2:flags=lanczos`, '-frames:v', '1', '-pix_fmt', 'rgb24', '-c:v', 'png', '-f', 'image2', out], {
    timeoutMs: 60_000,
  });
  return `data:image/png;base64,${(await readFile(out)).toString('base64')}`;
}

/**
 * The contact sheet of the stills ttv generated (keyframe mode without images): each with its prompt, its
 * generator and what it cost, and the total so far. Empty when the run generated none.
 */
async function keyframeSheet(manifest: Manifest, width: number, dir: string): Promise<{ html: string; count: number }> {
  const images = manifest.images;
  if (!images) return { html: '', count: 0 };
  const stills = [
    ...(images.first ? [{ label: 'first frame', record: images.first }] : []),
    ...images.keyframes.flatMap((record, i) => (record ? [{ label: `keyframe ${i}`, record }] : [])),
  ];
  const cards: string[] = [];
  for (const [i, { label, record }] of stills.entries()) {
    const src = await imageThumb(record.path, width, dir, `still-${i}`).catch(() => '');
    cards.push(`<figure class="still" data-cost="${record.costUsd}">${src ? `<img alt="${esc(label)}" src="${src}">` : '<p>(file missing)</p>'}
<figcaption><b>${esc(label)}</b> · ${esc(record.generator)} · $${record.costUsd.toFixed(2)} · ${esc(record.fit)}<br><span class="prompt">${esc(record.prompt)}</span></figcaption></figure>`);
  }
  const spent = stills.reduce((a, s) => a + s.record.costUsd, 0);
  return {
    html: `<h2>Keyframes</h2>
<p class="meta">${stills.length} stills made from text · $${spent.toFixed(2)} for the stills · $${(manifest.totalCostUsd ?? 0).toFixed(2)} for the run so far</p>
<div class="sheet">${cards.join('\n')}</div>`,
    count: stills.length,
  };
}

/** Who planned the storyboard from the script, for what, and what had to be repaired (empty without a paid planner). */
function planningLine(manifest: Manifest): string {
  const p = manifest.planning;
  if (!p) return '';
  const repairs = p.warnings.length ? `<ul class="warnings">${p.warnings.map((w) => `<li>planner: ${esc(w)}</li>`).join('')}</ul>` : '';
  return `<p class="meta planning" data-cost="${p.costUsd}">storyboard planned from the script by ${esc(p.planner)} · ${p.segments} segments · $${p.costUsd.toFixed(4)} (${esc(p.file)})</p>${repairs}`;
}

/** The seam's measures as a line (flagged when the seam is visible), with the numbers in data attributes. */
function metricsLine(s: Seam): string {
  const m = s.metrics;
  if (!m) return '<p class="metrics">not measured (the film was joined by an older ttv, or not yet)</p>';
  const line = (x: Pick<SeamMetrics, 'lumaJump' | 'deltaE2000' | 'ssim'>) =>
    `luminance jump ${(x.lumaJump * 100).toFixed(1)} % · colour ΔE2000 ${x.deltaE2000.toFixed(2)} · SSIM ${x.ssim.toFixed(3)}`;
  const before = m.before
    ? `<br><span class="before" data-luma-jump="${m.before.lumaJump}" data-delta-e2000="${m.before.deltaE2000}">before colour matching: ${line(m.before)}</span>`
    : '';
  return `<p class="metrics${s.flagged ? ' flagged' : ''}" data-luma-jump="${m.lumaJump}" data-delta-e2000="${m.deltaE2000}" data-ssim="${m.ssim}">${line(m)}${s.flagged ? ' · visible seam' : ''}${before}</p>`;
}

/** The film as the page's <video> source: relative to the run folder, or inlined as a data URI. */
async function videoSource(runDir: string, manifest: Manifest, embed: boolean): Promise<{ video: string; videoInfo: ReportResult['video'] }> {
  const f = manifest.final?.file;
  if (!f) return { video: '', videoInfo: { src: 'none' } };
  if (embed) return { video: `data:video/mp4;base64,${(await readFile(f)).toString('base64')}`, videoInfo: { src: 'embedded', path: f } };
  return { video: relative(runDir, f).split('\\').join('/'), videoInfo: { src: 'relative', path: f } };
}

/** Writes `report.html` into the run folder (atomically) from its manifest. */
export async function writeReport(runDir: string, manifest: Manifest, opts: ReportOptions): Promise<ReportResult> {
  const { writeFileAtomic } = await import('@ttv/core/backend');
  const { seamFlagged } = await import('@ttv/core/media');
  const tmp = await mkdtemp(join(tmpdir(), 'ttv-report-'));
  try {
    const segs = manifest.segments;
    const seams: Seam[] = [];
    for (let i = 0; i + 1 < segs.length; i++) {
      const a = segs[i]!;
      const b = segs[i + 1]!;
      if (!a.file || !b.file || a.status !== 'done' || b.status !== 'done') continue;
      const metrics = manifest.final?.seams?.find((m) => m.from === i);
      seams.push({
        from: i,
        to: i + 1,
        lastFrame: await thumb(a.file, 'last', opts.thumbWidth, tmp),
        firstFrame: await thumb(b.file, 'first', opts.thumbWidth, tmp),
        ...(metrics ? { metrics, flagged: seamFlagged(metrics) } : {}),
      });
    }
    const { video, videoInfo } = await videoSource(runDir, manifest, opts.embedVideo);
    const sheet = await keyframeSheet(manifest, opts.thumbWidth, tmp);
    const created = new Date().toISOString();
    const total = manifest.totalCostUsd ?? 0;
    const final = manifest.final;
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ttv report: ${esc(manifest.name)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:1.5rem;background:#111;color:#eee}
h1{margin:0 0 .25rem}h2{margin-top:2rem;border-bottom:1px solid #333}.meta{color:#aaa}
video{max-width:100%;width:640px;background:#000;display:block;margin:1rem 0}
.seam{display:grid;grid-template-columns:1fr 1fr;gap:.75rem;margin:1.25rem 0;padding:.75rem;background:#1b1b1b;border-radius:8px}
.seam h3{grid-column:1/3;margin:0}.seam figure{margin:0}.seam img{width:100%;display:block;border:1px solid #333}
figcaption{color:#aaa;font-size:12px}.seg{background:#161616;padding:.5rem .75rem;border-radius:6px;margin-top:.5rem}
.seg h3{font-size:14px;margin:0}dl{display:grid;grid-template-columns:max-content 1fr;gap:0 .75rem;margin:.4rem 0}dt{color:#888}dd{margin:0}
.prompt{font-style:italic;margin:.3rem 0}.reword{color:#f3c969;margin:.3rem 0}.warnings{color:#f3c969;margin:.3rem 0;padding-left:1.2rem}
.status.done{color:#7bd88f}.status.failed{color:#ff6b6b}
.metrics{grid-column:1/3;margin:0;color:#aaa}.metrics.flagged{color:#ff6b6b;font-weight:600}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:.75rem}.still{margin:0;background:#1b1b1b;padding:.5rem;border-radius:6px}.still img{width:100%;display:block}
</style></head><body>
<h1>${esc(manifest.name)}</h1>
<p class="meta">${esc(manifest.mode)} mode · ${segs.length} segments · status ${esc(manifest.status)} · total cost $${total.toFixed(2)}${final ? ` · ${final.durationSec.toFixed(2)} s, ${final.frames} frames, ${final.width}×${final.height} @ ${Number(final.fps.toFixed(3))} fps (${esc(final.method)})` : ''} · report ${esc(created)}</p>
${video ? `<video id="final" controls preload="metadata" src="${esc(video)}"></video>` : '<p>No final video yet (the run has not joined).</p>'}
${planningLine(manifest)}
${manifest.warnings.length ? `<ul class="warnings">${manifest.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
${sheet.html}
<h2>Seams</h2>
${seams.length === 0 ? '<p>No seams: fewer than two finished segments.</p>' : ''}
${seams
  .map(
    (s) => `<section class="seam" data-from="${s.from}" data-to="${s.to}">
<h3>Seam ${s.from} → ${s.to}</h3>
${metricsLine(s)}
<figure><img class="last" alt="last frame of segment ${s.from}" src="${s.lastFrame}"><figcaption>last frame of segment ${s.from}</figcaption>${segmentCard(segs[s.from])}</figure>
<figure><img class="first" alt="first frame of segment ${s.to}" src="${s.firstFrame}"><figcaption>first frame of segment ${s.to}</figcaption>${segmentCard(segs[s.to])}</figure>
</section>`,
  )
  .join('\n')}
<h2>Segments</h2>
${segs.map(segmentCard).join('\n')}
</body></html>
`;
    const file = join(runDir, 'report.html');
    await writeFileAtomic(file, html);
    const seamMetrics = (manifest.final?.seams ?? []).map((m) => ({ ...m, flagged: seamFlagged(m) }));
    return { file, seams: seams.length, seamMetrics, keyframes: sheet.count, video: videoInfo };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}
