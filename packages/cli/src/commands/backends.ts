import { configFlag, jsonFlag, TtvCommand } from '../lib/command.js';

export default class Backends extends TtvCommand {
  static override summary = 'List installed backends with their models and capabilities, and the known ones you can install';
  static override description =
    "Backends are found where `ttv generate` finds them: the project of the config file (pnpm add @ttv/backend-runway), the CLI's own install (the embedded kenburns backend) and `ttv plugins install` (global CLI).";
  static override examples = ['<%= config.bin %> backends', '<%= config.bin %> backends --json'];
  static override flags = { config: configFlag, json: jsonFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Backends);
    try {
      const { registryFor, listBackends } = await import('../lib/backends.js');
      const { describeDurations, resolutionLabel } = await import('@ttv/core/backend');
      const registry = await registryFor(flags.config, this.config.dataDir);
      const { installed, available } = await listBackends(registry);
      if (flags.json) {
        this.printJson({ ok: true, installed, available, searchDirs: registry.directories });
        return;
      }
      this.log('Installed backends:');
      if (installed.length === 0) this.log('  (none)');
      for (const b of installed) {
        this.log(`  ${b.name}  ${b.displayName ?? ''}  [${b.kind ?? '?'}]  ${b.packageName}${b.version ? `@${b.version}` : ''}`);
        if (b.problem) this.log(`    ! ${b.problem}`);
        for (const m of b.models) {
          const res = `${m.resolutions.slice(0, 4).map(resolutionLabel).join(', ')}${m.resolutions.length > 4 ? ` (+${m.resolutions.length - 4} more)` : ''}`;
          this.log(
            `    ${m.id}${m.id === b.defaultModel ? ' (default)' : ''}: inputs ${m.inputs.join('/')}; durations ${describeDurations(m.durations)}; ${res}; ${m.fps} fps; prompt ≤ ${m.maxPromptLength}${m.usdPerSecond !== undefined ? `; ~$${m.usdPerSecond}/s` : ''}${m.audio ? '; audio' : ''}`,
          );
        }
      }
      if (available.length > 0) {
        this.log('');
        this.log('Known, not installed:');
        for (const b of available) {
          this.log(`  ${b.name}  ${b.description}`);
          this.log(`    install: ${b.installCommand}   (global CLI: ${b.pluginCommand})`);
        }
      }
    } catch (error) {
      await this.fail(error, flags.json);
    }
  }
}
