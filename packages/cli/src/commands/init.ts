import { Flags } from '@oclif/core';
import { jsonFlag, TtvCommand } from '../lib/command.js';

export default class Init extends TtvCommand {
  static override summary = 'Write a commented starter ttv.yaml for the backends you choose';
  static override description =
    'Writes ttv.yaml (and ttv.schema.json for editor completion) in the current folder. Sections of installed backends list every option with its description and default; backends that are not installed get their install command. Refuses to overwrite an existing file unless --force. Writes atomically.';
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --backend runway,kenburns',
    '<%= config.bin %> init --mode keyframe -c film.yaml --force',
  ];
  static override flags = {
    config: Flags.string({ char: 'c', summary: 'File to write', default: 'ttv.yaml' }),
    backend: Flags.string({ char: 'b', summary: 'Backend(s), comma-separated: the first is tried first', default: 'kenburns' }),
    mode: Flags.string({ char: 'm', summary: 'Generation mode', options: ['chaining', 'keyframe'], default: 'chaining' }),
    name: Flags.string({ summary: 'Run name (default: the folder name)' }),
    force: Flags.boolean({ char: 'f', summary: 'Overwrite an existing file' }),
    schema: Flags.boolean({ summary: 'Also write ttv.schema.json beside it and reference it', default: true, allowNo: true }),
    json: jsonFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Init);
    try {
      const { basename, dirname, join, resolve } = await import('node:path');
      const core = await import('@ttv/core');
      const engine = await import('@ttv/core/engine');
      const kit = await import('@ttv/core/backend');
      const { registryFor, listBackends } = await import('../lib/backends.js');
      const { sectionSchema, configJsonSchema, installedPlugins } = await import('../lib/schema.js');
      const { starterYaml } = await import('../lib/starter.js');
      const file = resolve(flags.config);
      const names = flags.backend
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (names.length === 0)
        throw new core.TtvError('INPUT_INVALID', '--backend is empty', { field: '--backend', fix: 'name at least one backend, e.g. --backend kenburns' });
      const registry = await registryFor(flags.config, this.config.dataDir);
      const { available } = await listBackends(registry);
      const backends = [];
      for (const name of names) {
        if (registry.isInstalled(name)) {
          const loaded = await registry.load(name);
          backends.push({ name: loaded.plugin.name, schema: await sectionSchema(loaded.plugin) });
          continue;
        }
        const known = available.find((a) => a.name === name);
        if (!known) {
          throw new core.TtvError(
            'BACKEND_NOT_INSTALLED',
            `unknown backend "${name}": it is neither installed nor a first-party backend (${Object.keys(engine.FIRST_PARTY_BACKENDS).join(', ')})`,
            {
              field: '--backend',
              value: name,
              fix: `use one of ${Object.keys(engine.FIRST_PARTY_BACKENDS).join(', ')}, or install the package first (${engine.installCommand(name, dirname(file))})`,
            },
          );
        }
        backends.push({ name, installCommand: known.installCommand, pluginCommand: known.pluginCommand, description: known.description });
      }
      const runName = (flags.name ?? basename(dirname(file))).replace(/[^\w.-]+/g, '-') || 'film';
      const schemaFile = join(dirname(file), 'ttv.schema.json');
      const text = starterYaml({
        name: runName,
        mode: flags.mode as 'chaining' | 'keyframe',
        backends,
        ...(flags.schema ? { schemaRef: './ttv.schema.json' } : {}),
      });
      await writeNew(file, text, flags.force);
      if (flags.schema) {
        const schema = await configJsonSchema(await installedPlugins(registry));
        await kit.writeFileAtomic(schemaFile, `${JSON.stringify(schema, null, 2)}\n`);
      }
      const installs = backends.filter((b) => b.installCommand).map((b) => b.installCommand!);
      if (flags.json) {
        this.printJson({
          ok: true,
          file,
          ...(flags.schema ? { schema: schemaFile } : {}),
          backends: backends.map((b) => b.name),
          mode: flags.mode,
          toInstall: installs,
        });
        return;
      }
      this.log(`wrote ${file}${flags.schema ? ` and ${schemaFile}` : ''}`);
      for (const cmd of installs) this.log(`install: ${cmd}`);
      this.log('next: put your first frame at storyboard.image, then `ttv plan`, `ttv estimate`, `ttv generate`');
    } catch (error) {
      await this.fail(error, flags.json);
    }
  }
}

/** Writes atomically; without `force`, fails if the file exists (hard link: no window where it is clobbered). */
async function writeNew(file: string, text: string, force: boolean): Promise<void> {
  const { link, unlink, writeFile, rename, mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  const core = await import('@ttv/core');
  const kit = await import('@ttv/core/backend');
  await mkdir(dirname(file), { recursive: true });
  const tmp = kit.tempPathFor(file);
  await writeFile(tmp, text);
  try {
    if (force) await rename(tmp, file);
    else {
      try {
        await link(tmp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new core.TtvError('INPUT_INVALID', `${file} already exists`, {
            field: '--config',
            value: file,
            fix: 'pass --force to overwrite it, or --config OTHER.yaml',
          });
        }
        throw e;
      }
    }
  } finally {
    await unlink(tmp).catch(() => {});
  }
}
