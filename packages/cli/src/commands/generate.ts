import { Command, Flags } from '@oclif/core';
import { loadProject } from '../lib/context.js';
import { reportError } from '../lib/errors.js';
import { ProgressRenderer } from '../lib/progress.js';

export default class Generate extends Command {
  static override summary = 'Generate the film described by a ttv.yaml';
  static override description =
    'Plans the storyboard into segments, generates each with the configured backend chain, and joins them into final.mp4 in the run folder. Re-running the same command resumes: finished segments are reused, submitted jobs re-attached. A damaged or deleted manifest.json is recovered from manifest.json.bak, journal.jsonl or the segment files; a run folder whose paid work cannot be recovered is refused unless --restart. One run per folder at a time (run.lock; a second run exits 11 with RUN_LOCKED).';
  static override examples = [
    '<%= config.bin %> generate',
    '<%= config.bin %> generate --config examples/demo/chaining.yaml --out runs/demo',
    '<%= config.bin %> generate --json',
    '<%= config.bin %> generate --out runs/demo --restart',
    '<%= config.bin %> generate --until keyframes',
  ];
  static override flags = {
    config: Flags.string({ char: 'c', summary: 'Config file (default: ./ttv.yaml)' }),
    out: Flags.string({ char: 'o', summary: 'Run folder (default: output.dir, else runs/<name> beside the config)' }),
    json: Flags.boolean({ summary: 'Print one JSON object with the result on stdout (progress goes to stderr)' }),
    quiet: Flags.boolean({ char: 'q', summary: 'No progress output' }),
    until: Flags.string({
      summary: 'Stop after a step: keyframes (keyframe mode: make the keyframe images, for review in `ttv report`, before any video is paid)',
      options: ['keyframes'],
    }),
    restart: Flags.boolean({
      summary: 'Start the run over even when the run folder shows paid work that cannot be recovered (everything is generated and paid for again)',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Generate);
    const controller = new AbortController();
    let interrupts = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      interrupts++;
      if (interrupts > 1) process.exit(130);
      process.stderr.write(`\n${sig}: cancelling running jobs (press Ctrl-C again to force)…\n`);
      controller.abort(new Error(sig));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const progress = flags.quiet ? undefined : new ProgressRenderer(process.stderr, process.stderr.isTTY === true && !flags.json);
    try {
      const { config, registry } = await loadProject(flags.config, this.config.dataDir);
      const { runPipeline } = await import('@ttv/core');
      const { resolve } = await import('node:path');
      // runPipeline checks the plan, every prompt against the chain and every input image (named by its config key)
      // before the run folder is created and before the first (paid) call; its warnings arrive as events.
      const result = await runPipeline({
        config,
        registry,
        signal: controller.signal,
        ...(flags.out ? { runDir: resolve(flags.out) } : {}),
        ...(flags.restart ? { restart: true } : {}),
        ...(flags.until === 'keyframes' ? { until: 'keyframes' as const } : {}),
        ...(progress ? { onEvent: (e) => progress.handle(e) } : {}),
      });
      progress?.stop();
      if (flags.json) {
        this.log(
          JSON.stringify(
            {
              ok: true,
              status: result.manifest.status,
              runDir: result.runDir,
              video: result.video,
              durationSec: result.durationSec,
              frames: result.frames,
              totalCostUsd: result.totalCostUsd,
              segments: result.manifest.segments.map((s) => ({
                index: s.index,
                backend: s.backend,
                model: s.model,
                status: s.status,
                costUsd: s.costUsd ?? 0,
                durationSec: s.durationSec,
                file: s.file,
                warnings: s.warnings.map((w) => w.message),
              })),
            },
            null,
            2,
          ),
        );
      } else if (!flags.quiet && result.manifest.status === 'stopped') {
        const stills = result.manifest.images?.keyframes.length ?? 0;
        this.log(
          `${result.runDir}  (stopped after the keyframes: ${stills} made or reused, $${result.totalCostUsd.toFixed(2)}; run again without --until to make the film)`,
        );
      } else if (!flags.quiet) {
        this.log(`${result.video}  (${result.durationSec.toFixed(2)} s, $${result.totalCostUsd.toFixed(2)})`);
      }
    } catch (error) {
      progress?.stop();
      const code = await reportError(
        error,
        flags.json,
        (s) => this.log(s),
        (s) => process.stderr.write(`${s}\n`),
      );
      this.exit(code);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
