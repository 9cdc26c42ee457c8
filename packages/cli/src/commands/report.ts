import { Args, Flags } from '@oclif/core';
import { jsonFlag, TtvCommand } from '../lib/command.js';

export default class Report extends TtvCommand {
  static override summary = 'Write report.html for a run: the film, and every seam as two frames side by side';
  static override description =
    'Writes RUN_DIR/report.html (self-contained apart from the video): the final video (referenced as a relative src, final.mp4 beside the report; --embed-video inlines it), and for every seam the last frame of one segment beside the first frame of the next (inline PNGs) with its measures (luminance jump, colour ΔE2000, SSIM; flagged when visible), backend, model, prompt, cost, timings and warnings. Open it in a browser.';
  static override examples = ['<%= config.bin %> report runs/demo-chaining', '<%= config.bin %> report runs/demo-chaining --embed-video --json'];
  static override args = { runDir: Args.string({ name: 'RUN_DIR', description: 'The run folder (holds manifest.json)', required: true }) };
  static override flags = {
    json: jsonFlag,
    'thumb-width': Flags.integer({ summary: 'Width of the seam frames in pixels', default: 640, min: 32 }),
    'embed-video': Flags.boolean({ summary: 'Inline the final video as base64 (a single portable file; large)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Report);
    try {
      const { resolve } = await import('node:path');
      const core = await import('@ttv/core');
      const { readManifest } = await import('@ttv/core/engine');
      const { writeReport } = await import('../lib/report.js');
      const runDir = resolve(args.runDir);
      const manifest = await readManifest(runDir);
      if (!manifest) {
        throw new core.TtvError('INPUT_INVALID', `${runDir} is not a ttv run folder (no readable manifest.json)`, {
          field: 'RUN_DIR',
          value: args.runDir,
          fix: 'pass the folder `ttv generate` printed (default runs/<name> beside the config)',
        });
      }
      const result = await writeReport(runDir, manifest, { thumbWidth: flags['thumb-width'], embedVideo: flags['embed-video'] });
      if (flags.json) this.printJson({ ok: true, ...result, segments: manifest.segments.length, totalCostUsd: manifest.totalCostUsd });
      else this.log(`${result.file}  (${result.seams} seams, video ${result.video.src})`);
    } catch (error) {
      await this.fail(error, flags.json);
    }
  }
}
