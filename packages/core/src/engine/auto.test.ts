import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { createScriptedBackend, type ScriptedConfig, type ScriptStep } from '../../../testkit/src/index.js';
import type { BackendPlugin, VideoBackend } from '../spec/backend.js';
import { estimateRun } from './estimate.js';
import { chainingStoryboard, freshRunDir, keyframeStoryboard, makeConfig, pluginFor, useAssets } from './harness.fixture.js';
import { runPipeline } from './pipeline.js';

const assets = useAssets();

/** A registry whose installed backends are in-memory plugins. */
function fakeRegistry(plugins: BackendPlugin[]) {
  return {
    listInstalled: () => plugins.map((p) => ({ name: p.name, packageName: `@ttv/backend-${p.name}`, dir: '/nowhere' })),
    load: async (name: string) => {
      const plugin = plugins.find((p) => p.name === name);
      if (!plugin) throw new Error(`not installed: ${name}`);
      return { plugin, specifier: `@ttv/backend-${name}`, url: `memory:${name}` };
    },
  };
}

function installed() {
  const mk = (config: ScriptedConfig, script: ScriptStep[] = []) =>
    createScriptedBackend({ clip: assets.clip, ...config }, script) as unknown as VideoBackend & { calls: unknown[]; info: { name: string } };
  const backends = {
    freeEmbedded: mk({ name: 'free-embedded', kind: 'embedded', usdPerSecond: 0, inputs: ['first-frame'] }),
    remoteCheap: mk({ name: 'remote-cheap', kind: 'remote', usdPerSecond: 0.01 }),
    localSame: mk({ name: 'local-same', kind: 'local', usdPerSecond: 0.01 }, [{ ok: false, code: 'QUOTA' }]),
    remotePricey: mk({ name: 'remote-pricey', kind: 'remote', usdPerSecond: 1 }),
    needsKey: mk({ name: 'needs-key', kind: 'remote', usdPerSecond: 0 }),
  };
  const plugins = Object.values(backends).map((b) =>
    b.info.name === 'needs-key' ? pluginFor(b, { configSchema: z.object({ apiKey: z.string() }).strict() }) : pluginFor(b),
  );
  return { backends, registry: fakeRegistry(plugins) };
}

describe('backend: auto', () => {
  test('orders installed, configured backends by capability, then cost, then local-first; unconfigured ones are left out', async () => {
    const { backends, registry } = installed();
    const config = makeConfig({ assets, backends: [], chain: ['auto'], core: keyframeStoryboard(1, assets) });
    const result = await runPipeline({ config, registry, runDir: await freshRunDir(assets) });
    const seg = result.manifest.segments[0]!;
    // local-same (0.01, local) before remote-cheap (0.01, remote); it has no credit, so remote-cheap makes the clip.
    expect(seg.attempts.map((a) => [a.backend, a.errorCode])).toEqual([
      ['local-same', 'QUOTA'],
      ['remote-cheap', undefined],
    ]);
    expect(seg.skipped).toEqual([]); // the incapable free-embedded sorts last and is never reached
    expect(backends.remotePricey.calls).toHaveLength(0);
    expect(backends.needsKey.calls).toHaveLength(0);
    expect(backends.freeEmbedded.calls).toHaveLength(0);

    const estimate = await estimateRun(config, registry);
    expect(estimate.segments[0]!.chain.map((c) => c.backend)).toEqual(['local-same', 'remote-cheap', 'remote-pricey', 'free-embedded']);
    expect(estimate.backends.map((b) => b.name).sort()).toEqual(['free-embedded', 'local-same', 'remote-cheap', 'remote-pricey']);
  });

  test('chaining mode: the free embedded backend can take it and wins on cost', async () => {
    const { backends, registry } = installed();
    const config = makeConfig({ assets, backends: [], chain: ['auto'], core: chainingStoryboard(2, 1, assets) });
    await runPipeline({ config, registry, runDir: await freshRunDir(assets) });
    expect(backends.freeEmbedded.calls).toHaveLength(2);
    expect(backends.localSame.calls.length + backends.remoteCheap.calls.length).toBe(0);
  });

  test('explicit backends keep their place before an expanded auto', async () => {
    const { backends, registry } = installed();
    const explicit = createScriptedBackend({ clip: assets.clip, name: 'mine', usdPerSecond: 5 });
    const config = makeConfig({ assets, backends: [explicit], chain: ['mine', 'auto'], core: chainingStoryboard(1, 1, assets) });
    const estimate = await estimateRun(config, registry);
    expect(estimate.segments[0]!.chain.map((c) => c.backend)).toEqual(['mine', 'free-embedded', 'local-same', 'remote-cheap', 'remote-pricey']);
    expect(backends.freeEmbedded.calls).toHaveLength(0); // estimating made no call
  });
});
