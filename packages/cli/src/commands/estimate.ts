import { configFlag, jsonFlag, TtvCommand, table, usd } from '../lib/command.js';

export default class Estimate extends TtvCommand {
  static override summary = 'Estimate the cost of a run, per segment and per backend, against the budget (no network calls)';
  static override description =
    "Prices every segment with the backend the run would use (the first capable backend of the fallback chain), and the whole run on each backend of the chain alone, then compares the total with budget.maxUsd and budget.warnUsd. Estimates are the backends' own offline upper estimates: nothing is submitted, no network call is made.";
  static override examples = ['<%= config.bin %> estimate', '<%= config.bin %> estimate -c film.yaml --json'];
  static override flags = { config: configFlag, json: jsonFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Estimate);
    try {
      const { loadDryRun } = await import('../lib/dry-run.js');
      const dry = await loadDryRun(flags.config, this.config.dataDir);
      if (flags.json) {
        this.printJson({
          ok: true,
          name: dry.name,
          chain: dry.chain,
          totalUsd: dry.totalUsd,
          totalDurationSec: dry.totalDurationSec,
          budget: dry.budget,
          segments: dry.segments.map((s) => ({
            index: s.index,
            backend: s.chosen?.backend ?? null,
            model: s.chosen?.model ?? null,
            usd: s.chosen?.usd ?? null,
            basis: s.chosen?.basis ?? null,
            options: s.options.map((o) => ({
              backend: o.backend,
              ok: o.ok,
              model: o.model ?? null,
              usd: o.usd ?? null,
              ...(o.reason ? { reason: o.reason } : {}),
            })),
          })),
          perBackend: dry.perBackend,
          unplaceable: dry.unplaceable,
          unpriced: dry.unpriced,
          costSources: dry.costSources,
          assumptions: dry.assumptions,
        });
        return;
      }
      const rows = dry.segments.map((s) => [
        String(s.index),
        s.chosen ? `${s.chosen.backend}/${s.chosen.model}` : 'NONE',
        s.chosen ? `${s.chosen.durationSec}s` : '-',
        s.chosen?.usd !== undefined ? usd(s.chosen.usd) : '-',
        s.chosen?.basis ?? (s.chosen ? '' : 'no backend of the chain can take it'),
      ]);
      this.log(table(rows, ['#', 'backend/model', 'clip', 'cost', 'basis']));
      this.log('');
      this.log(`Total: ${usd(dry.totalUsd)} for ${dry.segments.length} segments (${dry.totalDurationSec.toFixed(1)} s)`);
      if (dry.perBackend.length > 1 || dry.perBackend.some((b) => b.skipped > 0)) {
        this.log('');
        this.log('The whole run on each backend of the chain:');
        this.log(
          table(
            dry.perBackend.map((b) => [b.backend, b.kind, usd(b.usd), `${b.segments} segments${b.skipped ? `, cannot take ${b.skipped}` : ''}`]),
            ['backend', 'kind', 'cost', 'covers'],
          ),
        );
      }
      for (const c of dry.costSources) if (c.note) this.log(`${c.name}: ${c.note}`);
      const { maxUsd, warnUsd, withinBudget, overWarn, stopsBeforeSegment } = dry.budget;
      this.log('');
      if (maxUsd === undefined && warnUsd === undefined) this.log('Budget: none set (budget.maxUsd stops a run before it would cost more).');
      else {
        if (maxUsd !== undefined)
          this.log(
            `Budget: ${usd(dry.totalUsd)} of maxUsd ${usd(maxUsd)}: ${withinBudget ? 'within budget' : `OVER BUDGET: the run would stop before crossing it${stopsBeforeSegment !== undefined ? ` (before segment ${stopsBeforeSegment})` : ''}`}`,
          );
        if (warnUsd !== undefined) this.log(`warnUsd ${usd(warnUsd)}: ${overWarn ? 'the run would pass it (a warning is printed)' : 'not reached'}`);
      }
      if (dry.unplaceable.length > 0) this.log(`No backend of the chain can take segment(s) ${dry.unplaceable.join(', ')} (see \`ttv plan\`).`);
    } catch (error) {
      await this.fail(error, flags.json);
    }
  }
}
