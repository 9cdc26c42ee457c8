import { Flags } from '@oclif/core';
import { configFlag, jsonFlag, TtvCommand } from '../lib/command.js';
import { findConfig } from '../lib/context.js';
import { clientFlags, loadServer } from '../lib/server.js';

export default class Submit extends TtvCommand {
  static override summary = 'Submit a film (a ttv.yaml and its images) to a ttv server';
  static override description =
    "Uploads the config and every image it names; the server answers with the film's id. Submitting the same config and images again gives the same film (nothing is made twice). Backend settings (keys, models) are the server's: leave backend sections out of the config. Needs @ttv/server.";
  static override examples = ['TTV_TOKEN=… <%= config.bin %> submit --config film.yaml --server http://ttv:8080'];
  static override flags = {
    config: configFlag,
    ...clientFlags,
    queue: Flags.string({ summary: 'The queue to send the film to (default: films)' }),
    json: jsonFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Submit);
    try {
      const { apiClient } = await loadServer();
      const client = apiClient({ url: flags.server, token: flags.token, timeoutMs: flags.timeout * 1000 });
      const { film, created } = await client.submit(findConfig(flags.config), flags.queue ? { queue: flags.queue } : {});
      if (flags.json) this.printJson({ ok: true, created, film });
      else this.log(`${film.id}  ${film.name}  ${film.status}${created ? '' : ' (already submitted)'}`);
    } catch (error) {
      await this.fail(error, flags.json);
    }
  }
}
