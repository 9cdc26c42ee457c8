import { Flags } from '@oclif/core';
import { jsonFlag, TtvCommand } from '../lib/command.js';
import { backendFlags, loadServer, untilSignal } from '../lib/server.js';

export default class WorkerCommand extends TtvCommand {
  static override summary = 'Make films from the queues of a ttv server (BullMQ on Redis)';
  static override description =
    'Takes film jobs from --queues and runs each film in its run folder of the shared run store, as `ttv generate` would: a film whose worker died is taken up by another worker after its lock expires and resumes from its manifest (finished segments reused, submitted remote jobs re-attached, nothing paid twice). Backend calls hold leases in Redis so that a backend limited in the settings (limits: { runway: 2 }) never has more calls in flight across all workers. Ctrl-C stops taking films and waits for the running ones. Needs @ttv/server.';
  static override examples = [
    '<%= config.bin %> worker --store /mnt/ttv --queues films',
    '<%= config.bin %> worker --store /mnt/ttv --queues gpu --concurrency 1 --settings server.yaml',
  ];
  static override flags = {
    ...backendFlags,
    queues: Flags.string({ summary: 'Queues to take films from (comma-separated)', default: 'films' }),
    concurrency: Flags.integer({ summary: 'Films run at once by this worker', default: 2, min: 1 }),
    'lock-ms': Flags.integer({
      summary: "How long a film's job lock lasts without renewal: after that a dead worker's film is taken up by another (default 30000)",
      min: 1000,
      hidden: true,
    }),
    json: jsonFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(WorkerCommand);
    let close: () => Promise<void>;
    try {
      const server = await loadServer();
      const settings = await server.loadServerSettings(flags.settings);
      const queues = flags.queues.split(',').map((q) => q.trim());
      const worker = await server.startWorker({
        redisUrl: flags.redis,
        store: server.directoryRunStore(flags.store),
        queues,
        concurrency: flags.concurrency,
        ...(flags['lock-ms'] ? { lockDurationMs: flags['lock-ms'], stalledIntervalMs: Math.max(500, Math.round(flags['lock-ms'] / 2)) } : {}),
        sections: settings.sections,
        limits: settings.limits,
        searchDirs: settings.searchDirs,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      close = worker.close;
      if (flags.json)
        this.log(JSON.stringify({ ok: true, pid: process.pid, queues })); // one line: the ready signal
      else this.log(`ttv worker ${process.pid}: taking films from ${queues.join(', ')}; Ctrl-C to stop`);
    } catch (error) {
      await this.fail(error, flags.json);
      return;
    }
    await untilSignal();
    await close();
  }
}
