import { Args, Flags } from '@oclif/core';
import type { EmulatorConfigSnippet } from '@ttv/testkit/emulators';
import { jsonFlag, TtvCommand } from '../lib/command.js';
import type { TestkitEmulators } from '../lib/testkit.js';

type Service = 'runway' | 'veo' | 'wan21' | 'openai' | 'gemini' | 'fal' | 'replicate';
const SERVICES: Service[] = ['runway', 'veo', 'wan21', 'openai', 'gemini', 'fal', 'replicate'];

interface Started {
  url: string;
  snippet: EmulatorConfigSnippet;
  close(): Promise<void>;
}

interface EmulateFlags {
  port: number;
  host: string;
  scale: number;
  'task-ms': number;
}

export default class Emulate extends TtvCommand {
  static override summary = 'Run a local emulator of Runway, Veo, Wan2.1, OpenAI, Gemini, fal or Replicate for a free rehearsal';
  static override description =
    'Starts the testkit emulator on a local port (or, for wan21, a stand-in Wan2.1 checkout whose generate.py renders placeholder clips with ffmpeg), prints its URL and the config snippet that points ttv at it, and runs until Ctrl-C. Clips are placeholders: the point is to rehearse a long run (segmentation, fallback, budgets, resume) without spending anything. openai and gemini serve the planner and image APIs @ttv/ai uses (a storyboard planned from the script, placeholder pictures); fal and replicate serve the video APIs @ttv/backend-ai-sdk drives through the AI SDK. Needs @ttv/testkit (npm install @ttv/testkit).';
  static override examples = [
    '<%= config.bin %> emulate runway',
    '<%= config.bin %> emulate veo --port 8089',
    '<%= config.bin %> emulate wan21 --json',
    '<%= config.bin %> emulate openai',
    '<%= config.bin %> emulate fal',
  ];
  static override args = { service: Args.string({ description: 'What to emulate', options: SERVICES, required: true }) };
  static override flags = {
    port: Flags.integer({ char: 'p', summary: 'Port (default: a free one)', default: 0, min: 0, max: 65535 }),
    host: Flags.string({ summary: 'Interface to listen on', default: '127.0.0.1' }),
    scale: Flags.integer({ summary: 'Render outputs at 1/scale of the real size (faster)', default: 4, min: 1 }),
    'task-ms': Flags.integer({ summary: 'Simulated generation time per clip in ms', default: 3000, min: 0 }),
    json: jsonFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Emulate);
    let started: Started;
    try {
      const { loadEmulators } = await import('../lib/testkit.js');
      started = await start(args.service as Service, await loadEmulators(), flags);
    } catch (error) {
      await this.fail(error, flags.json);
      return;
    }
    // Listen for Ctrl-C before saying we are ready: a SIGINT sent right after the URL is printed must stop the
    // emulator cleanly, not kill the process with the default handler.
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    // Keep the process alive (the wan21 stand-in has no server holding the event loop) until Ctrl-C.
    const keepAlive = setInterval(() => {}, 1 << 30);
    this.print(args.service, started, flags.json);
    await stopped;
    clearInterval(keepAlive);
    await started.close();
    process.stderr.write(`${args.service} emulator stopped\n`);
  }

  private print(service: string, started: Started, json: boolean): void {
    const { yaml, env, notes } = started.snippet;
    if (json) {
      this.printJson({ ok: true, service, url: started.url, snippet: yaml, env, notes });
      return;
    }
    this.log(`${service} emulator: ${started.url}`);
    this.log('');
    this.log('Add to ttv.yaml:');
    this.log('');
    this.log(yaml.replace(/^/gm, '  '));
    if (Object.keys(env).length) {
      this.log('and export:');
      for (const [k, v] of Object.entries(env)) this.log(`  export ${k}=${v}`);
    }
    for (const n of notes) this.log(n);
    this.log('');
    this.log('Press Ctrl-C to stop.');
  }
}

async function start(service: Service, emulators: TestkitEmulators, flags: EmulateFlags): Promise<Started> {
  if (service === 'openai' || service === 'gemini') {
    const options = { port: flags.port, host: flags.host, imageScale: flags.scale };
    const emu = service === 'openai' ? await emulators.startOpenAIEmulator(options) : await emulators.startGeminiEmulator(options);
    return { url: emu.url, snippet: emu.configSnippet(), close: () => emu.close() };
  }
  if (service === 'fal' || service === 'replicate') {
    const options = { port: flags.port, host: flags.host, outputScale: flags.scale, jobMs: flags['task-ms'] };
    const emu = service === 'fal' ? await emulators.startFalEmulator(options) : await emulators.startReplicateEmulator(options);
    return { url: emu.url, snippet: emu.configSnippet(), close: () => emu.close() };
  }
  if (service === 'runway') {
    const emu = await emulators.startRunwayEmulator({ port: flags.port, host: flags.host, outputScale: flags.scale, taskDurationMs: flags['task-ms'] });
    return { url: emu.url, snippet: emu.configSnippet(), close: () => emu.close() };
  }
  if (service === 'veo') {
    const emu = await emulators.startVeoEmulator({
      port: flags.port,
      host: flags.host,
      project: 'ttv-rehearsal',
      location: 'us-central1',
      accessToken: 'fake',
      outputScale: flags.scale,
      operationDurationMs: flags['task-ms'],
    });
    return { url: emu.url, snippet: emu.configSnippet(), close: () => emu.close() };
  }
  const standIn = emulators.wan21StandIn();
  try {
    const snippet = standIn.configSnippet({ scale: flags.scale, stepMs: Math.max(1, Math.round(flags['task-ms'] / 40)) });
    return { url: standIn.wanDir, snippet, close: async () => standIn.cleanup() };
  } catch (error) {
    standIn.cleanup();
    throw error;
  }
}
