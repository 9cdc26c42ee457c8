/// <reference lib="dom" />
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestImage } from '@ttv/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, run, tmp, write } from './oclif.js';

const CHROMIUM = '/usr/bin/chromium';
const dir = tmp('report');
let runDir = '';

beforeAll(async () => {
  await makeTestImage(join(dir, 'a.png'), { width: 320, height: 180, pattern: 'testsrc2' });
  await makeTestImage(join(dir, 'b.png'), { width: 320, height: 180, pattern: 'mandelbrot' });
  await makeTestImage(join(dir, 'c.png'), { width: 320, height: 180, pattern: 'gradient' });
  await write(
    dir,
    'ttv.yaml',
    `name: report-demo\nmode: keyframe\nbackend: kenburns\noutput: { width: 320, height: 180, fps: 24 }\nsegmentDuration: 1\nstoryboard:\n  image: a.png\n  segments:\n    - { prompt: "From the test card to the fractal <b>bold</b>", keyframe: b.png }\n    - { prompt: Into the gradient, keyframe: c.png }\n    - { prompt: Back to the card, keyframe: a.png }\n`,
  );
  runDir = join(dir, 'runs', 'report-demo');
  const g = await run(['generate', '--quiet'], dir);
  expect(g.exit, g.stderr).toBe(0);
});

if (!existsSync(CHROMIUM)) console.warn(`SKIPPED: the report.html browser test needs Debian's chromium at ${CHROMIUM} (apt-get install -y chromium)`);

describe('ttv report', () => {
  it('writes report.html with the video, every seam as two inline frames, and segment details (--json)', async () => {
    const r = await run(['report', runDir, '--json'], dir);
    expect(r.exit, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, file: join(runDir, 'report.html'), seams: 2, segments: 3, video: { src: 'relative' } });
    const html = readFileSync(out.file, 'utf8');
    expect(html).toContain('<video id="final" controls preload="metadata" src="final.mp4">');
    expect(html.match(/<img class="last" [^>]*src="data:image\/png;base64,/g)).toHaveLength(2);
    expect(html.match(/<img class="first" [^>]*src="data:image\/png;base64,/g)).toHaveLength(2);
    expect(html).toContain('From the test card to the fractal &lt;b&gt;bold&lt;/b&gt;'); // escaped
    expect(html).toMatch(/class="backend">kenburns</);
    expect(html).toMatch(/class="cost">\$0\.00</);
    // Each seam's measures, as numbers in --json and as a line above its pair. The embedded backend's keyframe
    // seams are continuous (a segment starts on the keyframe the previous one ends on): none is flagged.
    expect(out.seamMetrics.map((m: { from: number; frame: number }) => [m.from, m.frame])).toEqual([
      [0, 24],
      [1, 47],
    ]);
    for (const m of out.seamMetrics) {
      for (const key of ['lumaJump', 'deltaE2000', 'ssim']) expect(typeof m[key]).toBe('number');
      expect(m).toMatchObject({ flagged: false });
      expect(m.ssim).toBeGreaterThan(0.8);
    }
    expect(html.match(/<p class="metrics[^"]*" data-luma-jump="[\d.e-]+" data-delta-e2000="[\d.e-]+" data-ssim="[\d.e-]+">luminance jump/g)).toHaveLength(2);
  });

  it('with join.colorMatch on (keyframe mode), each seam also gives its measures before matching (--json and the page)', async () => {
    const cm = tmp('report-colour');
    await mkdir(cm, { recursive: true });
    for (const f of ['a.png', 'b.png', 'c.png']) await copyFile(join(dir, f), join(cm, f));
    await write(cm, 'ttv.yaml', `${readFileSync(join(dir, 'ttv.yaml'), 'utf8')}join: { colorMatch: on, colorMatchStrength: 0.8 }\n`);
    const g = await run(['generate', '--quiet'], cm);
    expect(g.exit, g.stderr).toBe(0);
    const r = await run(['report', join(cm, 'runs', 'report-demo'), '--json'], cm);
    expect(r.exit, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.seamMetrics).toHaveLength(2);
    for (const m of out.seamMetrics) {
      for (const key of ['lumaJump', 'deltaE2000', 'ssim']) expect(typeof m.before[key]).toBe('number');
      // The embedded backend's keyframe seams are already continuous: matching keeps them so.
      expect(m.deltaE2000).toBeLessThan(2);
    }
    const html = readFileSync(out.file, 'utf8');
    expect(html.match(/<span class="before" data-luma-jump="[\d.e-]+" data-delta-e2000="[\d.e-]+">before colour matching: luminance jump/g)).toHaveLength(2);
    const manifest = JSON.parse(readFileSync(join(cm, 'runs', 'report-demo', 'manifest.json'), 'utf8'));
    expect(manifest.segments[0].colorMatch.transfer).toMatchObject({ strength: 0 });
    expect(manifest.segments[1].colorMatch.transfer).toMatchObject({ strength: 0.8, method: 'pixels' });
  });

  it('an extend-mode film on a backend that cannot extend nor take references: each segment says how it continued and which pictures were left out', async () => {
    await write(
      dir,
      'extend.yaml',
      `name: report-extend\nmode: extend\nbackend: kenburns\noutput: { width: 320, height: 180, fps: 24 }\nsegmentDuration: 1\ncast: [{ name: Mara, description: a keeper, image: b.png }]\nstoryboard:\n  image: a.png\n  segments:\n    - { prompt: Mara walks }\n    - { prompt: Mara waves }\n`,
    );
    const g = await run(['generate', '-c', 'extend.yaml', '--quiet'], dir);
    expect(g.exit, g.stderr).toBe(0);
    const r = await run(['report', join(dir, 'runs', 'report-extend'), '--json'], dir);
    expect(r.exit, r.stderr).toBe(0);
    const html = readFileSync(JSON.parse(r.stdout).file, 'utf8');
    // Each segment's card is on the page twice: beside its seam and in the segment list.
    expect(html.match(/class="continuation">from the exact last frame \(the backend cannot extend\)/g)).toHaveLength(2); // segment 1
    expect(html.match(/class="references" data-sent="" data-dropped="Mara">none sent; left out: Mara/g)).toHaveLength(4); // both
  });

  it('--embed-video inlines the film', async () => {
    const r = await run(['report', runDir, '--embed-video'], dir);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/report\.html {2}\(2 seams, video embedded\)/);
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toContain('src="data:video/mp4;base64,');
    expect(statSync(join(runDir, 'report.html')).size).toBeGreaterThan(statSync(join(runDir, 'final.mp4')).size);
  });

  it('a folder without a manifest: INPUT_INVALID, exit 2; missing argument: exit 2', async () => {
    const r = await run(['report', dir, '--json'], dir);
    expect(r.exit).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'INPUT_INVALID', field: 'RUN_DIR' });
    expect((await run(['report'], dir)).exit).toBe(2);
  });

  it.skipIf(!existsSync(CHROMIUM))('opens in headless Chromium: the video loads and every seam shows its two frames', async () => {
    if (!existsSync(CHROMIUM)) return; // skipped: /usr/bin/chromium is absent (apt-get install -y chromium)
    const r = await run(['report', runDir], dir);
    expect(r.exit).toBe(0);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
      await page.goto(`file://${join(runDir, 'report.html')}`);
      await page.waitForFunction(() => ((document.querySelector('video') as HTMLVideoElement | null)?.readyState ?? 0) >= 1, undefined, { timeout: 20_000 });
      const video = await page.evaluate(() => {
        const v = document.querySelector('video') as HTMLVideoElement;
        return { readyState: v.readyState, duration: v.duration, width: v.videoWidth, error: v.error?.code ?? null };
      });
      expect(video.error).toBeNull();
      expect(video.readyState).toBeGreaterThanOrEqual(1);
      expect(video.duration).toBeGreaterThan(0);
      expect(video.width).toBe(320);
      const seams = await page.evaluate(() =>
        Array.from(document.querySelectorAll('section.seam')).map((s) => ({
          from: s.getAttribute('data-from'),
          last: (s.querySelector('img.last') as HTMLImageElement).naturalWidth,
          first: (s.querySelector('img.first') as HTMLImageElement).naturalWidth,
        })),
      );
      expect(seams).toEqual([
        { from: '0', last: 320, first: 320 },
        { from: '1', last: 320, first: 320 },
      ]);
      if (process.env.TTV_WRITE_SCREENSHOT) {
        const docs = join(ROOT, '..', '..', 'docs');
        await mkdir(docs, { recursive: true });
        await page.screenshot({ path: join(docs, 'report-screenshot.png'), fullPage: false });
      }
    } finally {
      await browser.close();
    }
  });
});
