import { Flags } from '@oclif/core';
import { jsonFlag, TtvCommand } from '../lib/command.js';
import { backendFlags, loadServer, untilSignal } from '../lib/server.js';

export default class Serve extends TtvCommand {
  static override summary = 'Serve the HTTP API that takes films for ttv workers (BullMQ on Redis)';
  static override description =
    'Films submitted over HTTP (a ttv.yaml and its images) become BullMQ jobs that `ttv worker` processes take; each film runs in its own run folder of the shared run store (--store), with the same layout as `ttv generate` (ttv report works on it). Bearer tokens are stored hashed in --tokens (one JSON line each; add one with --add-token NAME, which prints the token once). Endpoints: POST/GET /v1/films, GET /v1/films/ID (per-segment state, progress, cost), POST /v1/films/ID/cancel, GET /v1/films/ID/video and /report, /openapi.json, /healthz, /readyz, /metrics. Needs @ttv/server.';
  static override examples = [
    '<%= config.bin %> serve --store /mnt/ttv --tokens tokens.jsonl --add-token studio',
    '<%= config.bin %> serve --store /mnt/ttv --tokens tokens.jsonl --settings server.yaml --port 8080',
  ];
  static override flags = {
    ...backendFlags,
    tokens: Flags.string({ summary: 'Token file (JSON lines of {id, sha256}; tokens themselves are never stored)', env: 'TTV_TOKENS', required: true }),
    'add-token': Flags.string({ summary: 'Add a token for this name to --tokens, print it once and exit' }),
    port: Flags.integer({ char: 'p', summary: 'Port', default: 8080, min: 0, max: 65535 }),
    host: Flags.string({ summary: 'Interface to listen on', default: '127.0.0.1' }),
    queues: Flags.string({ summary: 'Queues films may be sent to (comma-separated)', default: 'films' }),
    json: jsonFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    let close: () => Promise<void>;
    try {
      const server = await loadServer();
      if (flags['add-token']) {
        const token = await server.addToken(flags.tokens, flags['add-token']);
        if (flags.json) this.printJson({ ok: true, name: flags['add-token'], token });
        else this.log(token);
        return;
      }
      const settings = await server.loadServerSettings(flags.settings);
      const running = await server.startServer({
        redisUrl: flags.redis,
        storeDir: flags.store,
        tokens: await server.loadTokens(flags.tokens),
        port: flags.port,
        host: flags.host,
        queues: flags.queues.split(',').map((q) => q.trim()),
        policy: settings.policy,
        sections: settings.sections,
        searchDirs: settings.searchDirs,
      });
      close = running.close;
      if (flags.json)
        this.log(JSON.stringify({ ok: true, url: running.url })); // one line: the ready signal
      else this.log(`ttv serve: ${running.url} (store ${flags.store}); Ctrl-C to stop`);
    } catch (error) {
      await this.fail(error, flags.json);
      return;
    }
    await untilSignal();
    await close();
  }
}
