/**
 * @ttv/backend-wan21: Wan2.1 I2V-14B (chaining) and FLF2V-14B (keyframe mode) on your own GPUs, driving Wan's generate.py
 * (torchrun for several GPUs per clip). Every Wan rule is checked before a process starts.
 *
 * The package's surface is its plugin (default export, also named `backend`), its config type and its version;
 * everything else is internal.
 */
import { packageVersion } from '@ttv/core/backend';
import { backend } from './wan21-plugin.js';

export { backend };
export default backend;
export type { Wan21Config } from './wan21-config.js';

/** This package's version (from its package.json). */
export const VERSION: string = packageVersion(import.meta.url);
