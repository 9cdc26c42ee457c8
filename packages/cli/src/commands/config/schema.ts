import { Flags } from '@oclif/core';
import { configFlag, TtvCommand } from '../../lib/command.js';

export default class ConfigSchema extends TtvCommand {
  static override summary = "Print the JSON Schema of ttv.yaml (core options and every installed backend's section)";
  static override description = `For completion and validation in your editor. With the YAML extension (yaml-language-server), put this first line in ttv.yaml:

  # yaml-language-server: $schema=./ttv.schema.json

after \`ttv config schema --out ttv.schema.json\` (re-run it after installing a backend). The CLI package also ships one with the first-party backends: node_modules/@ttv/cli/ttv.schema.json.`;
  static override examples = ['<%= config.bin %> config schema > ttv.schema.json', '<%= config.bin %> config schema --out ttv.schema.json'];
  static override flags = {
    config: configFlag,
    out: Flags.string({ char: 'o', summary: 'Write the schema to this file (atomically) instead of stdout' }),
    backend: Flags.string({ summary: 'Also include this backend (name or module path), even if not found by name', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigSchema);
    try {
      const { registryFor } = await import('../../lib/backends.js');
      const { configJsonSchema, installedPlugins } = await import('../../lib/schema.js');
      const registry = await registryFor(flags.config, this.config.dataDir);
      const schema = await configJsonSchema(await installedPlugins(registry, flags.backend ?? []));
      const text = `${JSON.stringify(schema, null, 2)}\n`;
      if (flags.out) {
        const { writeFileAtomic } = await import('@ttv/core/backend');
        const { resolve } = await import('node:path');
        await writeFileAtomic(resolve(flags.out), text);
        process.stderr.write(`wrote ${resolve(flags.out)}\n`);
      } else process.stdout.write(text);
    } catch (error) {
      await this.fail(error, false);
    }
  }
}
