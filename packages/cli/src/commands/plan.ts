import { configFlag, jsonFlag, TtvCommand, table } from '../lib/command.js';

export default class Plan extends TtvCommand {
  static override summary = 'Show the segments a run would make and the backend each would use, without generating';
  static override description =
    'Splits the storyboard (or the long prompt) into segments exactly as `ttv generate` would, negotiates each against the fallback chain, and shows the model, clip length and size each segment would get, and why a backend would be skipped. No clip is generated and no network call is made.';
  static override examples = ['<%= config.bin %> plan', '<%= config.bin %> plan -c examples/demo/long-prompt.yaml', '<%= config.bin %> plan --json'];
  static override flags = { config: configFlag, json: jsonFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Plan);
    try {
      const { loadDryRun } = await import('../lib/dry-run.js');
      const dry = await loadDryRun(flags.config, this.config.dataDir);
      if (flags.json) {
        this.printJson({
          ok: true,
          name: dry.name,
          mode: dry.mode,
          configFile: dry.configFile,
          chain: dry.chain,
          totalDurationSec: dry.totalDurationSec,
          segments: dry.segments.map((s) => ({
            index: s.index,
            prompt: s.prompt,
            durationSec: s.durationSec,
            input: s.input,
            ...(s.keyframe ? { keyframe: s.keyframe } : {}),
            backend: s.chosen?.backend ?? null,
            model: s.chosen?.model ?? null,
            clip: s.chosen ? { durationSec: s.chosen.durationSec, width: s.chosen.width, height: s.chosen.height } : null,
            warnings: s.chosen?.warnings ?? [],
            skipped: s.options.filter((o) => !o.ok).map((o) => ({ backend: o.backend, reason: o.reason })),
          })),
          unplaceable: dry.unplaceable,
        });
        return;
      }
      this.log(`${dry.name}: ${dry.mode} mode, ${dry.segments.length} segments, ${dry.totalDurationSec.toFixed(1)} s, chain ${dry.chain.join(' → ')}`);
      this.log('');
      const rows = dry.segments.map((s) => [
        String(s.index),
        `${s.durationSec}s`,
        s.input,
        s.chosen ? `${s.chosen.backend}/${s.chosen.model}` : 'NONE',
        s.chosen ? `${s.chosen.durationSec}s ${s.chosen.width}x${s.chosen.height}` : '-',
        s.prompt.length > 60 ? `${s.prompt.slice(0, 57)}…` : s.prompt,
      ]);
      this.log(table(rows, ['#', 'want', 'input', 'backend/model', 'clip', 'prompt']));
      const notes = dry.segments.flatMap((s) => [
        ...s.options.filter((o) => !o.ok).map((o) => `  segment ${s.index}: skips ${o.backend}: ${o.reason}`),
        ...(s.chosen?.warnings ?? []).map((w) => `  segment ${s.index}: ${w}`),
      ]);
      if (notes.length > 0) {
        this.log('');
        this.log('Why:');
        for (const n of notes) this.log(n);
      }
      if (dry.unplaceable.length > 0) {
        this.log('');
        this.log(`No backend of the chain can take segment(s) ${dry.unplaceable.join(', ')}: the run would fail there.`);
      }
    } catch (error) {
      await this.fail(error, flags.json);
    }
  }
}
