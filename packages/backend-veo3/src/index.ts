/**
 * @ttv/backend-veo3: Google Veo (2, 3, 3.1) on Vertex AI through @google/genai, with @google-cloud/storage for staged inputs
 * and gs:// outputs, as a remote job (submit, status, release; Veo has no remote cancel).
 *
 * The package's surface is its plugin (default export, also named `backend`), its config type and its version;
 * everything else is internal.
 */
import { packageVersion } from '@ttv/core/backend';
import { backend } from './veo3-plugin.js';

export { backend };
export default backend;
export type { VeoConfig, VeoConfigInput } from './veo3-config.js';

/** This package's version (from its package.json). */
export const VERSION: string = packageVersion(import.meta.url);
