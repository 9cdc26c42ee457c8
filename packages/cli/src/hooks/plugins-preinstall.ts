import type { Hook } from '@oclif/core';

/**
 * `ttv plugins install runway` → `@ttv/backend-runway`, always. plugin-plugins would expand the short name itself
 * (oclif.scope + pluginPrefix), but falls back to the literal npm package `runway` when the scoped one cannot be
 * found — an unrelated package. For first-party short names we rewrite the request before it installs.
 */
const hook: Hook<'plugins:preinstall'> = async (options) => {
  const p = options.plugin as { type: string; name?: string };
  if (p.type !== 'npm' || !p.name || p.name.includes('/') || p.name.startsWith('@')) return;
  const { FIRST_PARTY_BACKENDS } = await import('@ttv/core/engine');
  if (FIRST_PARTY_BACKENDS[p.name] !== undefined) p.name = `@ttv/backend-${p.name}`;
};

export default hook;
