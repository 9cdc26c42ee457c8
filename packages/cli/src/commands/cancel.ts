import { Args } from '@oclif/core';
import { jsonFlag, TtvCommand } from '../lib/command.js';
import { clientFlags, loadServer } from '../lib/server.js';

export default class Cancel extends TtvCommand {
  static override summary = 'Cancel a film on a ttv server';
  static override description =
    'A queued film is taken off its queue; a running one is cancelled by its worker (its remote jobs are cancelled where the service allows; one that cannot be cancelled stays booked, as with Ctrl-C on ttv generate). Needs @ttv/server.';
  static override args = { id: Args.string({ description: 'Film id', required: true }) };
  static override flags = { ...clientFlags, json: jsonFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Cancel);
    try {
      const { apiClient } = await loadServer();
      const film = await apiClient({ url: flags.server, token: flags.token, timeoutMs: flags.timeout * 1000 }).cancel(args.id);
      if (flags.json) this.printJson({ ok: true, film });
      else this.log(`${film.id}  ${film.status}${film.status === 'cancelled' ? '' : ' (cancelling)'}`);
    } catch (error) {
      await this.fail(error, flags.json);
    }
  }
}
