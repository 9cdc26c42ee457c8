import { Config } from '@oclif/core';
import { runHook } from '@oclif/test';
import { describe, expect, it } from 'vitest';
import { ROOT, run } from './oclif.js';

describe('ttv plugins (global CLI backend installs)', () => {
  it('short names expand to @ttv/backend-<name> (plugin-plugins with oclif.scope and pluginPrefix)', async () => {
    const config = await Config.load(ROOT);
    // The Plugins class is internal to plugin-plugins (not exported): load its module by path.
    const { default: Plugins } = (await import(new URL('./plugins.js', import.meta.resolve('@oclif/plugin-plugins')).href)) as unknown as {
      default: new (o: { config: Config }) => { unfriendlyName(n: string): string; friendlyName(n: string): string };
    };
    const plugins = new Plugins({ config });
    expect(plugins.unfriendlyName('runway')).toBe('@ttv/backend-runway');
    expect(plugins.friendlyName('@ttv/backend-veo3')).toBe('veo3');
  });

  it('the preinstall hook pins first-party short names to the scoped package (never the literal npm name)', async () => {
    for (const [name, expected] of [
      ['runway', '@ttv/backend-runway'],
      ['wan21', '@ttv/backend-wan21'],
      ['some-other-plugin', 'some-other-plugin'],
      ['@acme/ttv-backend-x', '@acme/ttv-backend-x'],
    ]) {
      const plugin = { name, tag: 'latest', type: 'npm' };
      const r = await runHook('plugins:preinstall', { plugin }, { root: ROOT });
      expect(r.error).toBeUndefined();
      expect(plugin.name).toBe(expected);
    }
  });

  it('`ttv plugins` lists none installed; help shows the install command', async () => {
    const r = await run(['plugins']);
    expect(r.exit, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/No plugins installed/);
    const h = await run(['plugins', 'install', '--help']);
    expect(h.stdout).toMatch(/plugins install PLUGIN/);
  });
});
