import { Args, Flags } from '@oclif/core';
import { jsonFlag, TtvCommand } from '../lib/command.js';

interface Started {
  url: string;
  snippet: string;
  env: Record<string, string>;
  notes: string[];
  close(): Promise<void>;
}

export default class Emulate extends TtvCommand {
  static override summary = 'Run a local emulator of Runway, Veo or Wan2.1 for a free rehearsal';
  static override description =
    'Starts the testkit emulator on a local port (or, for wan21, a stand-in Wan2.1 checkout whose generate.py renders placeholder clips with ffmpeg), prints its URL and the config snippet that points ttv at it, and runs until Ctrl-C. Clips are placeholders: the point is to rehearse a long run (segmentation, fallback, budgets, resume) without spending anything.';
  static override examples = ['<%= config.bin %> emulate runway', '<%= config.bin %> emulate veo --port 8089', '<%= config.bin %> emulate wan21 --json'];
  static override args = { service: Args.string({ description: 'What to emulate', options: ['runway', 'veo', 'wan21'], required: true }) };
  static override flags = {
    port: Flags.integer({ char: 'p', summary: 'Port (default: a free one)', default: 0, min: 0, max: 65535 }),
    host: Flags.string({ summary: 'Interface to listen on', default: '127.0.0.1' }),
    scale: Flags.integer({ summary: 'Render outputs at 1/scale of the real size (faster)', default: 4, min: 1 }),
    'task-ms': Flags.integer({ summary: 'Simulated generation time per clip in ms', default: 3000, min: 0 }),
    json: jsonFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Emulate);
    let started: Started | undefined;
    try {
      const { loadEmulatorModule } = await import('../lib/testkit.js');
      const service = args.service as 'runway' | 'veo' | 'wan21';
      const mod = await loadEmulatorModule(service);
      started = await start(service, mod, flags);
    } catch (error) {
      await this.fail(error, flags.json);
      return;
    }
    if (flags.json) this.printJson({ ok: true, service: args.service, url: started.url, snippet: started.snippet, env: started.env, notes: started.notes });
    else {
      this.log(`${args.service} emulator: ${started.url}`);
      this.log('');
      this.log('Add to ttv.yaml:');
      this.log('');
      this.log(started.snippet.replace(/^/gm, '  '));
      if (Object.keys(started.env).length) {
        this.log('and export:');
        for (const [k, v] of Object.entries(started.env)) this.log(`  export ${k}=${v}`);
      }
      for (const n of started.notes) this.log(n);
      this.log('');
      this.log('Press Ctrl-C to stop.');
    }
    // Keep the process alive (the wan21 stand-in has no server holding the event loop) until Ctrl-C.
    const keepAlive = setInterval(() => {}, 1 << 30);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    clearInterval(keepAlive);
    await started.close();
    process.stderr.write(`${args.service} emulator stopped\n`);
  }
}

async function start(
  service: 'runway' | 'veo' | 'wan21',
  mod: Record<string, unknown>,
  flags: { port: number; host: string; scale: number; 'task-ms': number },
): Promise<Started> {
  type Server = { url: string; close(): Promise<void> };
  if (service === 'runway') {
    const emu = await (mod.startRunwayEmulator as (o: unknown) => Promise<Server & { apiKey: string }>)({
      port: flags.port,
      host: flags.host,
      outputScale: flags.scale,
      taskDurationMs: flags['task-ms'],
    });
    return {
      url: emu.url,
      snippet: `backend: runway\nrunway:\n  baseUrl: ${emu.url}\n  apiKey: ${emu.apiKey}     # the emulator's test key (not a secret)`,
      env: {},
      notes: [],
      close: () => emu.close(),
    };
  }
  if (service === 'veo') {
    const project = 'ttv-rehearsal';
    const emu = await (mod.startVeoEmulator as (o: unknown) => Promise<Server>)({
      port: flags.port,
      host: flags.host,
      project,
      location: 'us-central1',
      accessToken: 'fake',
      outputScale: flags.scale,
      operationDurationMs: flags['task-ms'],
    });
    return {
      url: emu.url,
      snippet: `backend: veo3\nveo3:\n  auth: access-token\n  accessToken: fake       # the emulator's token (not a secret)\n  project: ${project}\n  location: us-central1\n  baseUrl: ${emu.url}\n  storageEndpoint: ${emu.url}`,
      env: {},
      notes: [],
      close: () => emu.close(),
    };
  }
  const standIn = (
    mod.wan21StandIn as () => {
      wanDir: string;
      generatePy: string;
      torchrun: string;
      python: string;
      env(o?: unknown): Record<string, string>;
      cleanup(): void;
    }
  )();
  const makeFakeCheckpoint = mod.makeFakeCheckpoint as (dir: string, task: 'i2v-14B' | 'flf2v-14B') => string;
  const checkpoints = {
    'i2v-14B': makeFakeCheckpoint(`${standIn.wanDir}/Wan2.1-I2V-14B-720P`, 'i2v-14B'),
    'flf2v-14B': makeFakeCheckpoint(`${standIn.wanDir}/Wan2.1-FLF2V-14B-720P`, 'flf2v-14B'),
  };
  const env = standIn.env({ scale: flags.scale, stepMs: Math.max(1, Math.round(flags['task-ms'] / 40)) });
  // The stand-in reads its settings (ffmpeg path, render scale, step time) from the environment: the wan21
  // section's `env` passes them to generate.py, so the snippet works as it is.
  const envLines = Object.entries(env).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`);
  return {
    url: standIn.wanDir,
    snippet: [
      'backend: wan21',
      'wan21:',
      `  python: ${standIn.python}`,
      `  wanDir: ${standIn.wanDir}`,
      `  torchrun: ${standIn.torchrun}`,
      '  checkpoints:',
      ...Object.entries(checkpoints).map(([task, dir]) => `    ${task}: ${dir}`),
      ...(envLines.length ? ['  env:', ...envLines] : []),
    ].join('\n'),
    env: {},
    notes: ['The stand-in generate.py validates arguments like Wan2.1 and renders placeholder clips with ffmpeg (no GPU needed).'],
    close: async () => standIn.cleanup(),
  };
}
