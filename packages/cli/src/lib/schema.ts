import type { BackendPlugin, BackendRegistry } from '@ttv/core';

export const SCHEMA_ID = 'https://ttv.dev/schemas/ttv.schema.json';

/** The JSON Schema of a backend's section (input side: defaults are not required). */
export async function sectionSchema(plugin: BackendPlugin): Promise<Record<string, unknown>> {
  const { z } = await import('zod');
  const schema = z.toJSONSchema(plugin.configSchema as import('zod').ZodType, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return {
    ...schema,
    description: `${plugin.displayName}: the \`${plugin.name}:\` section (used when the chain names ${plugin.name}).${schema.description ? ` ${String(schema.description)}` : ''}`,
  };
}

/**
 * The JSON Schema of a whole ttv.yaml: the core keys from core's zod schema, plus one property per backend
 * section (each from that backend's own zod schema). Unknown top-level keys are errors, as in `loadConfig`.
 */
export async function configJsonSchema(plugins: BackendPlugin[]): Promise<Record<string, unknown>> {
  const { z } = await import('zod');
  const core = await import('@ttv/core/engine');
  const base = z.toJSONSchema(core.coreConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown> & {
    properties: Record<string, unknown>;
  };
  const properties: Record<string, unknown> = { ...base.properties };
  properties.$schema = {
    type: 'string',
    description: 'The JSON Schema for editor completion (yaml-language-server reads the `# yaml-language-server: $schema=…` comment instead).',
  };
  for (const p of [...plugins].sort((a, b) => a.name.localeCompare(b.name))) properties[p.name] = await sectionSchema(p);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SCHEMA_ID,
    title: 'ttv.yaml',
    description: `ttv configuration. Backend sections included: ${
      plugins
        .map((p) => p.name)
        .sort()
        .join(', ') || 'none'
    }. Regenerate with \`ttv config schema --out ttv.schema.json\` after installing backends.`,
    ...base,
    properties,
  };
}

/** Every backend plugin the registry can see (installed ones that load). */
export async function installedPlugins(registry: BackendRegistry, extra: string[] = []): Promise<BackendPlugin[]> {
  const out = new Map<string, BackendPlugin>();
  for (const name of [...registry.listInstalled().map((b) => b.name), ...extra]) {
    try {
      const loaded = await registry.load(name);
      if (!out.has(loaded.plugin.name)) out.set(loaded.plugin.name, loaded.plugin);
    } catch {
      // a broken package is reported by `ttv backends`
    }
  }
  return [...out.values()];
}
