import { Flags } from '@oclif/core';
import { configFlag, jsonFlag, TtvCommand } from '../lib/command.js';

interface Check {
  /** What the check belongs to: `system` or a backend name. */
  group: string;
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export default class Doctor extends TtvCommand {
  static override summary = 'Check that ffmpeg, Node and every configured backend are ready, each with a fix';
  static override description =
    'Checks ffmpeg and ffprobe (found, and `-version` works; which source they came from), the Node version, and for each backend of the config, its image generator and its planner their own prerequisites (API keys present — never printed —, endpoints, Python/Wan/GPUs for local ones). Exits 1 when something is broken.';
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor -c film.yaml --json'];
  static override flags = {
    config: configFlag,
    json: jsonFlag,
    'no-backends': Flags.boolean({ summary: "Only check the system (ffmpeg, Node), not the config's backends" }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Doctor);
    const { toTtvError } = await import('@ttv/core');
    const { redact } = await import('@ttv/core/engine');
    const checks: Check[] = [];
    const add = (c: Check) => checks.push({ ...c, detail: redact(c.detail), ...(c.fix ? { fix: redact(c.fix) } : {}) });
    const failed = (group: string, name: string, e: unknown) => {
      const err = toTtvError(e);
      add({ group, name, ok: false, detail: `[${err.code}] ${err.message}`, ...(err.fix ? { fix: err.fix } : {}) });
    };
    const ctx: DoctorContext = { add, failed, toTtvError };

    checkNode(ctx);
    const project = await checkConfig(ctx, flags.config, this.config.dataDir);
    await checkFfmpeg(ctx, project?.config.core.ffmpeg ?? {});
    if (project && !flags['no-backends']) {
      await checkBackends(ctx, project.config);
      await checkKindPlugins(ctx, project.config);
    }

    const ok = checks.every((c) => c.ok);
    if (flags.json) this.printJson({ ok, checks });
    else this.printChecks(checks, ok);
    if (!ok) this.exit(1);
  }

  private printChecks(checks: Check[], ok: boolean): void {
    for (const c of checks) {
      this.log(`${c.ok ? '✓' : '✗'} ${c.group === 'system' ? '' : `${c.group}: `}${c.name}: ${c.detail}`);
      if (!c.ok && c.fix) this.log(`    fix: ${c.fix}`);
    }
    const broken = checks.filter((c) => !c.ok).length;
    this.log('');
    this.log(ok ? 'Everything looks ready.' : `${broken} problem${broken === 1 ? '' : 's'} found.`);
  }
}

interface DoctorContext {
  add: (c: Check) => void;
  /** Adds a failed check from an error (its code, message and fix). */
  failed: (group: string, name: string, e: unknown) => void;
  toTtvError: typeof import('@ttv/core').toTtvError;
}

type Project = Awaited<ReturnType<typeof import('../lib/context.js').loadProject>>;

function checkNode({ add }: DoctorContext): void {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const nodeOk = major > 22 || (major === 22 && minor >= 12);
  add({
    group: 'system',
    name: 'node',
    ok: nodeOk,
    detail: `Node ${process.versions.node}`,
    ...(nodeOk ? {} : { fix: 'install Node 22.12 or newer (24 LTS recommended)' }),
  });
}

/** The config (optional unless --config was given); the loaded project when it is valid. */
async function checkConfig({ add, failed }: DoctorContext, configFlag: string | undefined, dataDir: string): Promise<Project | undefined> {
  const { existsSync } = await import('node:fs');
  const { findConfig, loadProject } = await import('../lib/context.js');
  const file = findConfig(configFlag);
  if (!configFlag && !existsSync(file)) {
    add({ group: 'system', name: 'config', ok: true, detail: `no ${file}: backends not checked (pass --config FILE, or create one with \`ttv init\`)` });
    return undefined;
  }
  try {
    const project = await loadProject(configFlag, dataDir);
    add({ group: 'system', name: 'config', ok: true, detail: `${file}: valid; chain ${project.config.chain.join(' → ')}` });
    return project;
  } catch (e) {
    failed('system', 'config', e);
    return undefined;
  }
}

/** ffmpeg and ffprobe: found (and from where), and `-version` works. */
async function checkFfmpeg({ add, toTtvError }: DoctorContext, ffcfg: Project['config']['core']['ffmpeg']): Promise<void> {
  const { resolveFfmpeg } = await import('@ttv/core/media');
  let bins: ReturnType<typeof resolveFfmpeg>;
  try {
    bins = resolveFfmpeg({ ...ffcfg });
  } catch (e) {
    const err = toTtvError(e);
    add({
      group: 'system',
      name: 'ffmpeg',
      ok: false,
      detail: err.message,
      fix: err.fix ?? 'install ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH',
    });
    return;
  }
  for (const tool of ['ffmpeg', 'ffprobe'] as const) {
    try {
      const r = await runVersion(bins[tool]);
      const first = r.stdout.split('\n')[0] ?? '';
      const ok = r.exitCode === 0 && /version/i.test(first);
      add({
        group: 'system',
        name: tool,
        ok,
        detail: ok
          ? `${first.split(' Copyright')[0]} at ${bins[tool]} (from ${bins.source[tool]})`
          : `${bins[tool]} -version failed (exit ${r.exitCode}): ${r.stderr.split('\n')[0] ?? ''}`,
        ...(ok
          ? {}
          : {
              fix: `reinstall, or point ${tool === 'ffmpeg' ? 'FFMPEG_PATH / ffmpeg.ffmpegPath' : 'FFPROBE_PATH / ffmpeg.ffprobePath'} at a working ${tool}`,
            }),
      });
    } catch (e) {
      add({
        group: 'system',
        name: tool,
        ok: false,
        detail: (e as Error).message,
        fix: `install ${tool} (apt-get install ffmpeg) or set ${tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'}`,
      });
    }
  }
}

/** Each backend of the config: it can be created, and its own prerequisite checks. */
async function checkBackends(ctx: DoctorContext, config: Project['config']): Promise<void> {
  const { add, failed } = ctx;
  for (const b of config.backends) {
    let backend: Awaited<ReturnType<typeof b.plugin.create>> | undefined;
    try {
      backend = await b.plugin.create(b.config, { configDir: config.configDir, env: process.env });
    } catch (e) {
      failed(b.name, 'configured', e);
      continue;
    }
    add({
      group: b.name,
      name: 'installed',
      ok: true,
      detail: `${b.loaded.specifier}${b.loaded.version ? `@${b.loaded.version}` : ''} (${b.info.kind}), models ${b.info.models.map((m) => m.id).join(', ')}`,
    });
    if (!backend.doctor) {
      add({ group: b.name, name: 'prerequisites', ok: true, detail: 'the backend declares no prerequisite checks' });
    } else {
      try {
        // Check names are unprefixed: the group names the backend.
        for (const c of await backend.doctor()) add({ group: b.name, name: c.name, ok: c.ok, detail: c.detail, ...(c.fix ? { fix: c.fix } : {}) });
      } catch (e) {
        failed(b.name, 'doctor', e);
      }
    }
    await backend.dispose?.().catch(() => {});
  }
}

/** The image generator (`images:`) and the planner (`planner:`) of the config: created, and their own checks. */
async function checkKindPlugins(ctx: DoctorContext, config: Project['config']): Promise<void> {
  const { add, failed } = ctx;
  for (const [kind, entry] of [
    ['images', config.images],
    ['planner', config.planner],
  ] as const) {
    if (!entry) continue;
    const group = `${kind}:${entry.plugin.name}`;
    let instance: { doctor?: () => Promise<Array<{ name: string; ok: boolean; detail: string; fix?: string }>>; dispose?: () => Promise<void> };
    try {
      instance = await entry.plugin.create(entry.config as never, { configDir: config.configDir, env: process.env });
    } catch (e) {
      failed(group, 'configured', e);
      continue;
    }
    add({ group, name: 'installed', ok: true, detail: `${entry.plugin.displayName} (${entry.plugin.kind})` });
    try {
      for (const c of (await instance.doctor?.()) ?? []) add({ group, name: c.name, ok: c.ok, detail: c.detail, ...(c.fix ? { fix: c.fix } : {}) });
    } catch (e) {
      failed(group, 'doctor', e);
    }
    await instance.dispose?.().catch(() => {});
  }
}

async function runVersion(file: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(file, ['-version'], { timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
      resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr || (error?.message ?? '')) });
    });
  });
}
