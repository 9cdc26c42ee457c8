import { configFlag, jsonFlag, TtvCommand, table, usd } from '../lib/command.js';
import type { DryRun } from '../lib/dry-run.js';

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export default class Estimate extends TtvCommand {
  static override summary = 'Estimate the cost of a run, per segment and per backend, against the budget (no network calls)';
  static override description =
    "Prices every segment with the backend the run would use (the first capable backend of the fallback chain), and the whole run on each backend of the chain alone, then compares the total with budget.maxUsd and budget.warnUsd. Estimates are the backends' own offline upper estimates: nothing is submitted, no network call is made. Exits 9 when the run is OVER BUDGET, 2 when no backend of the chain can take a segment.";
  static override examples = ['<%= config.bin %> estimate', '<%= config.bin %> estimate -c film.yaml --json'];
  static override flags = { config: configFlag, json: jsonFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Estimate);
    await this.dryRun(flags, async (run, say, redact) => {
      const { EXIT_OVER_BUDGET, EXIT_WOULD_FAIL } = await import('../lib/dry-run.js');
      const { budget, impossibleSegments } = run.estimate;
      const perBackend = perBackendCosts(run);
      if (flags.json) this.printJson(await estimateJson(run, perBackend), redact);
      else await printEstimate(run, perBackend, say);
      if (!budget.withinBudget) return EXIT_OVER_BUDGET;
      return impossibleSegments.length > 0 ? EXIT_WOULD_FAIL : 0;
    });
  }
}

interface BackendCost {
  backend: string;
  kind: string;
  usd: number;
  segments: number;
  skipped: number;
}

/** The whole run on each backend of the chain alone (segments it cannot take are counted in `skipped`). */
function perBackendCosts({ estimate }: DryRun): BackendCost[] {
  return estimate.backends.map((b) => {
    const mine = estimate.segments.map((s) => s.chain.find((c) => c.backend === b.name));
    const ok = mine.filter((c) => c && c.skipped === undefined);
    return { backend: b.name, kind: b.kind, usd: round(ok.reduce((a, c) => a + (c?.usd ?? 0), 0)), segments: ok.length, skipped: mine.length - ok.length };
  });
}

const totalDurationOf = ({ estimate }: DryRun) => estimate.segments.reduce((a, s) => a + s.requestedSec, 0);

/** What `--json` prints. */
async function estimateJson(run: DryRun, perBackend: BackendCost[]) {
  const { chosenOption } = await import('../lib/dry-run.js');
  const { config, estimate, warnings } = run;
  const { segments, budget } = estimate;
  return {
    ok: true,
    overBudget: !budget.withinBudget,
    name: config.name,
    chain: estimate.backends.map((b) => b.name),
    totalUsd: round(estimate.totalUsd),
    // Keyframe mode: the stills the image generator would make, and their cost (part of totalUsd).
    images: { ...estimate.images, usd: round(estimate.images.usd) },
    // A script planned by a paid planner: its cost (0 when the run folder keeps its plan) and whether the segments are the planned ones.
    ...(estimate.planning ? { planning: { ...estimate.planning, usd: round(estimate.planning.usd) } } : {}),
    totalDurationSec: totalDurationOf(run),
    budget: { ...budget, overWarn: budget.warnsAfterSegment !== undefined },
    segments: segments.map((s) => {
      const chosen = chosenOption(s);
      return {
        index: s.index,
        backend: chosen?.backend ?? null,
        model: chosen?.model ?? null,
        usd: chosen?.usd ?? null,
        basis: chosen?.basis ?? null,
        options: s.chain.map((c) => ({
          backend: c.backend,
          ok: c.skipped === undefined,
          model: c.model ?? null,
          usd: c.usd ?? null,
          ...(c.skipped !== undefined ? { reason: c.skipped } : {}),
        })),
      };
    }),
    perBackend,
    unplaceable: estimate.impossibleSegments,
    unpriced: estimate.unpricedSegments,
    costSources: estimate.backends,
    assumptions: estimate.assumptions,
    warnings,
  };
}

/** The text estimate: one row a segment, the total, the run on each backend alone, and the budget. */
async function printEstimate(run: DryRun, perBackend: BackendCost[], say: (line: string) => void): Promise<void> {
  const { chosenOption } = await import('../lib/dry-run.js');
  const { segments, impossibleSegments } = run.estimate;
  const rows = segments.map((s) => {
    const chosen = chosenOption(s);
    return [
      String(s.index),
      chosen ? `${chosen.backend}/${chosen.model}` : 'NONE',
      chosen ? `${chosen.durationSec}s` : '-',
      chosen?.usd !== undefined ? usd(chosen.usd) : '-',
      chosen?.basis ?? (chosen ? '' : 'no backend of the chain can take it'),
    ];
  });
  say(table(rows, ['#', 'backend/model', 'clip', 'cost', 'basis']));
  say('');
  const { images } = run.estimate;
  const { planning } = run.estimate;
  if (planning) {
    say(
      planning.saved
        ? `Planning: the plan ${planning.planner} made earlier is kept in the run folder (plan.json): the segments above are its own, nothing more to pay`
        : `Planning: the script is planned by ${planning.planner} first, ${usd(planning.usd)} at most; the segments above are the sentence split to the same length (run \`ttv plan\` to see the planner's own)`,
    );
  }
  if (images.count > 0) say(`Stills: ${images.count} made by the image generator ${images.generator}, ${usd(images.usd)}`);
  say(
    `Total: ${usd(run.estimate.totalUsd)} for ${segments.length} segments (${totalDurationOf(run).toFixed(1)} s)${images.count > 0 ? ` and ${images.count} stills` : ''}`,
  );
  if (perBackend.length > 1 || perBackend.some((b) => b.skipped > 0)) {
    say('');
    say('The whole run on each backend of the chain:');
    say(
      table(
        perBackend.map((b) => [b.backend, b.kind, usd(b.usd), `${b.segments} segments${b.skipped ? `, cannot take ${b.skipped}` : ''}`]),
        ['backend', 'kind', 'cost', 'covers'],
      ),
    );
  }
  for (const c of run.estimate.backends) if (c.note) say(`${c.name}: ${c.note}`);
  await printBudget(run, say);
  if (impossibleSegments.length > 0) say(`No backend of the chain can take segment(s) ${impossibleSegments.join(', ')} (see \`ttv plan\`).`);
}

/** The budget lines of the text estimate. */
async function printBudget({ estimate }: DryRun, say: (line: string) => void): Promise<void> {
  const { EXIT_OVER_BUDGET } = await import('../lib/dry-run.js');
  const { maxUsd, warnUsd, withinBudget, stopsBeforeSegment, warnsAfterSegment } = estimate.budget;
  say('');
  if (maxUsd === undefined && warnUsd === undefined) say('Budget: none set (budget.maxUsd stops a run before it would cost more).');
  else {
    if (maxUsd !== undefined)
      say(
        `Budget: ${usd(estimate.totalUsd)} of maxUsd ${usd(maxUsd)}: ${withinBudget ? 'within budget' : `OVER BUDGET: the run would stop before crossing it${estimate.budget.stopsDuringImages ? ' (while making the stills)' : stopsBeforeSegment !== undefined ? ` (before segment ${stopsBeforeSegment})` : ''} (exit ${EXIT_OVER_BUDGET})`}`,
      );
    if (warnUsd !== undefined)
      say(`warnUsd ${usd(warnUsd)}: ${warnsAfterSegment !== undefined ? 'the run would pass it (a warning is printed)' : 'not reached'}`);
  }
}
