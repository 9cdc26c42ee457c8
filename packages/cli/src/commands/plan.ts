import { configFlag, jsonFlag, TtvCommand, table, writeStoryboardFlag } from '../lib/command.js';
import type { DryRun } from '../lib/dry-run.js';

type DryRunModule = typeof import('../lib/dry-run.js');
type Planning = NonNullable<DryRun['planning']>;

export default class Plan extends TtvCommand {
  static override summary = 'Show the segments a run would make and the backend each would use, without generating';
  static override description =
    'Splits the storyboard (or the long prompt) into segments exactly as `ttv generate` would, checks the input images, negotiates each segment against the fallback chain, and shows the model, clip length and size each segment would get, and why a backend would be skipped. No clip is generated. With a paid planner (`planner: ai`) and a script, the planner is asked once (its cost is shown, within budget.maxUsd) and its answer kept in the run folder (plan.json), where `generate` reuses it; otherwise no network call is made. Exits 2 when no backend of the chain can take a segment (the run would fail there).';
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan -c examples/demo/long-prompt.yaml',
    '<%= config.bin %> plan --json',
    '<%= config.bin %> plan --write storyboard.yaml',
  ];
  static override flags = {
    config: configFlag,
    json: jsonFlag,
    write: writeStoryboardFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Plan);
    await this.dryRun(
      flags,
      async (run, say, redact) => {
        const lib = await import('../lib/dry-run.js');
        if (flags.write) await writePlanned(run, flags.write, flags.json);
        if (flags.json) this.printJson(planJson(run, lib), redact);
        else sayPlan(run, lib, say);
        return run.estimate.impossibleSegments.length > 0 ? lib.EXIT_WOULD_FAIL : 0;
      },
      { askPlanner: true },
    );
  }
}

/** `--write`: the planned storyboard as an editable config. */
async function writePlanned({ config }: DryRun, out: string, quiet: boolean): Promise<void> {
  const [{ planStoryboard, chainTakesText }, { writeStoryboard }, { resolve }] = await Promise.all([
    import('@ttv/core/engine'),
    import('../lib/write-storyboard.js'),
    import('node:path'),
  ]);
  await writeStoryboard(planStoryboard(config.core, { textToVideo: chainTakesText(config) }), config, resolve(out));
  if (!quiet) process.stderr.write(`wrote ${resolve(out)}\n`);
}

function planJson({ config, estimate, warnings, planning }: DryRun, { chosenOption }: DryRunModule) {
  return {
    ok: true,
    runnable: estimate.impossibleSegments.length === 0,
    name: config.name,
    mode: estimate.mode,
    configFile: config.file,
    chain: estimate.backends.map((b) => b.name),
    totalDurationSec: estimate.segments.reduce((a, s) => a + s.requestedSec, 0),
    segments: estimate.segments.map((s) => {
      const chosen = chosenOption(s);
      return {
        index: s.index,
        prompt: s.prompt,
        durationSec: s.requestedSec,
        input: s.input,
        firstFrame: s.firstFrame,
        ...(s.keyframe ? { keyframe: s.keyframe } : {}),
        backend: chosen?.backend ?? null,
        model: chosen?.model ?? null,
        clip: chosen ? { durationSec: chosen.durationSec, width: chosen.width, height: chosen.height } : null,
        warnings: chosen?.warnings ?? [],
        skipped: s.chain.filter((c) => c.skipped !== undefined).map((c) => ({ backend: c.backend, reason: c.skipped })),
      };
    }),
    unplaceable: estimate.impossibleSegments,
    ...(planning ? { planning: planningJson(planning) } : {}),
    warnings,
  };
}

function sayPlan({ config, estimate, planning }: DryRun, { chosenOption, printable, EXIT_WOULD_FAIL }: DryRunModule, say: (line: string) => void): void {
  const totalDurationSec = estimate.segments.reduce((a, s) => a + s.requestedSec, 0);
  if (planning) say(planningLine(planning));
  say(
    `${config.name}: ${estimate.mode} mode, ${estimate.segments.length} segments, ${totalDurationSec.toFixed(1)} s, chain ${estimate.backends.map((b) => b.name).join(' → ')}`,
  );
  say('');
  const rows = estimate.segments.map((s) => {
    const chosen = chosenOption(s);
    const prompt = printable(s.prompt);
    return [
      String(s.index),
      `${s.requestedSec}s`,
      s.input,
      chosen ? `${chosen.backend}/${chosen.model}` : 'NONE',
      chosen ? `${chosen.durationSec}s ${chosen.width}x${chosen.height}` : '-',
      prompt.length > 60 ? `${prompt.slice(0, 57)}…` : prompt,
    ];
  });
  say(table(rows, ['#', 'want', 'input', 'backend/model', 'clip', 'prompt']));
  const notes = estimate.segments.flatMap((s) => [
    ...s.chain.filter((c) => c.skipped !== undefined).map((c) => `  segment ${s.index}: skips ${c.backend}: ${printable(c.skipped!)}`),
    ...(chosenOption(s)?.warnings ?? []).map((w) => `  segment ${s.index}: ${printable(w)}`),
  ]);
  if (notes.length > 0) {
    say('');
    say('Why:');
    for (const n of notes) say(n);
  }
  const impossible = estimate.impossibleSegments;
  if (impossible.length > 0) {
    say('');
    say(`No backend of the chain can take segment(s) ${impossible.join(', ')}: the run would fail there (exit ${EXIT_WOULD_FAIL}).`);
  }
}

function planningJson(p: Planning) {
  return { planner: p.record.planner, costUsd: p.paid ? p.record.costUsd : 0, reused: !p.paid, file: p.file, warnings: p.record.warnings };
}

function planningLine(p: Planning): string {
  return p.paid
    ? `Planned by ${p.record.planner} for $${p.record.costUsd.toFixed(4)}; kept in ${p.file} (generate reuses it and books its cost).`
    : `Planned by ${p.record.planner} earlier (${p.file}): reused, nothing paid.`;
}
