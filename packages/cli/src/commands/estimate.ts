import { configFlag, jsonFlag, TtvCommand, table, usd } from '../lib/command.js';

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export default class Estimate extends TtvCommand {
  static override summary = 'Estimate the cost of a run, per segment and per backend, against the budget (no network calls)';
  static override description =
    "Prices every segment with the backend the run would use (the first capable backend of the fallback chain), and the whole run on each backend of the chain alone, then compares the total with budget.maxUsd and budget.warnUsd. Estimates are the backends' own offline upper estimates: nothing is submitted, no network call is made. Exits 9 when the run is OVER BUDGET, 2 when no backend of the chain can take a segment.";
  static override examples = ['<%= config.bin %> estimate', '<%= config.bin %> estimate -c film.yaml --json'];
  static override flags = { config: configFlag, json: jsonFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Estimate);
    let exitCode = 0;
    try {
      const { loadDryRun, EXIT_OVER_BUDGET, EXIT_WOULD_FAIL } = await import('../lib/dry-run.js');
      const { redact } = await import('@ttv/core/engine');
      const { config, estimate, warnings } = await loadDryRun(flags.config, this.config.dataDir);
      const say = (s: string) => this.log(redact(s));
      const { segments, budget, impossibleSegments } = estimate;
      const overBudget = !budget.withinBudget;
      if (overBudget) exitCode = EXIT_OVER_BUDGET;
      else if (impossibleSegments.length > 0) exitCode = EXIT_WOULD_FAIL;
      const chain = estimate.backends.map((b) => b.name);
      const totalDurationSec = segments.reduce((a, s) => a + s.requestedSec, 0);
      const chosenOf = (s: (typeof segments)[number]) => (s.chosen ? s.chain.find((c) => c.backend === s.chosen!.backend) : undefined);
      // The whole run on each backend of the chain alone (segments it cannot take are counted in `skipped`).
      const perBackend = estimate.backends.map((b) => {
        const mine = segments.map((s) => s.chain.find((c) => c.backend === b.name));
        const ok = mine.filter((c) => c && c.skipped === undefined);
        return { backend: b.name, kind: b.kind, usd: round(ok.reduce((a, c) => a + (c?.usd ?? 0), 0)), segments: ok.length, skipped: mine.length - ok.length };
      });
      const overWarn = budget.warnsAfterSegment !== undefined;
      if (flags.json) {
        this.printJson(
          {
            ok: true,
            overBudget,
            name: config.name,
            chain,
            totalUsd: round(estimate.totalUsd),
            totalDurationSec,
            budget: { ...budget, overWarn },
            segments: segments.map((s) => {
              const chosen = chosenOf(s);
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
            unplaceable: impossibleSegments,
            unpriced: estimate.unpricedSegments,
            costSources: estimate.backends,
            assumptions: estimate.assumptions,
            warnings,
          },
          redact,
        );
      } else {
        for (const w of warnings) process.stderr.write(`${redact(`Warning: ${w}`)}\n`);
        const rows = segments.map((s) => {
          const chosen = chosenOf(s);
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
        say(`Total: ${usd(estimate.totalUsd)} for ${segments.length} segments (${totalDurationSec.toFixed(1)} s)`);
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
        for (const c of estimate.backends) if (c.note) say(`${c.name}: ${c.note}`);
        const { maxUsd, warnUsd, withinBudget, stopsBeforeSegment } = budget;
        say('');
        if (maxUsd === undefined && warnUsd === undefined) say('Budget: none set (budget.maxUsd stops a run before it would cost more).');
        else {
          if (maxUsd !== undefined)
            say(
              `Budget: ${usd(estimate.totalUsd)} of maxUsd ${usd(maxUsd)}: ${withinBudget ? 'within budget' : `OVER BUDGET: the run would stop before crossing it${stopsBeforeSegment !== undefined ? ` (before segment ${stopsBeforeSegment})` : ''} (exit ${EXIT_OVER_BUDGET})`}`,
            );
          if (warnUsd !== undefined) say(`warnUsd ${usd(warnUsd)}: ${overWarn ? 'the run would pass it (a warning is printed)' : 'not reached'}`);
        }
        if (impossibleSegments.length > 0) say(`No backend of the chain can take segment(s) ${impossibleSegments.join(', ')} (see \`ttv plan\`).`);
      }
    } catch (error) {
      await this.fail(error, flags.json);
    }
    if (exitCode !== 0) this.exit(exitCode);
  }
}
