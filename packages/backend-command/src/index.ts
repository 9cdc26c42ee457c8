/**
 * @ttv/backend-command: runs any local video generator CLI through an argument template (no shell), with presets for
 * FramePack (musubi-tuner fpack_generate_video.py), HunyuanVideo-I2V and LTX-Video.
 *
 * The package's surface is its plugin (default export, also named `backend`), its config type and its version;
 * everything else is internal.
 */
import { packageVersion } from '@ttv/core/backend';
import { backend } from './command-plugin.js';

export { backend };
export default backend;
export type { CommandConfig } from './command-config.js';

/** This package's version (from its package.json). */
export const VERSION: string = packageVersion(import.meta.url);
