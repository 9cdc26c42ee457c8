import { Args } from '@oclif/core';
import { jsonFlag, TtvCommand, table, usd } from '../lib/command.js';
import { clientFlags, loadServer } from '../lib/server.js';

export default class Status extends TtvCommand {
  static override summary = "A film's status on a ttv server (per segment), or the list of your films";
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status f0123456789abcdef0123 --json'];
  static override args = { id: Args.string({ description: 'Film id (omit to list your films)' }) };
  static override flags = { ...clientFlags, json: jsonFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Status);
    try {
      const { apiClient } = await loadServer();
      const client = apiClient({ url: flags.server, token: flags.token, timeoutMs: flags.timeout * 1000 });
      if (!args.id) {
        const films = await client.list();
        if (flags.json) return this.printJson({ ok: true, films });
        this.log(
          table(
            films.map((f) => [f.id, f.name, f.status, usd(f.totalCostUsd), f.createdAt]),
            ['id', 'name', 'status', 'cost', 'submitted'],
          ),
        );
        return;
      }
      const film = await client.status(args.id);
      if (flags.json) return this.printJson({ ok: true, film });
      this.log(`${film.id}  ${film.name}  ${film.status}  ${usd(film.totalCostUsd)}${film.error ? `  [${film.error.code}] ${film.error.message}` : ''}`);
      const pct = (f: number | undefined) => (f === undefined ? '' : `${Math.round(f * 100)}%`);
      this.log(
        table(
          film.segments.map((s) => [String(s.index), s.state, s.backend ?? '', pct(s.fraction), usd(s.costUsd)]),
          ['seg', 'state', 'backend', 'progress', 'cost'],
        ),
      );
    } catch (error) {
      await this.fail(error, flags.json);
    }
  }
}
