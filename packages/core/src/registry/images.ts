// Finds an image-generator plugin by its config name (`images: <name>`), as the backend registry finds video
// backends: the embedded `card`, a module path (relative to the config file), or a package: `@ttv/images-<name>`,
// `ttv-images-<name>`, or the name itself as written (e.g. a package's subpath export, `ttv-backend-solid/images`).
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolve as resolveModule } from 'import-meta-resolve';
import { cardImages } from '../builtin/card-images.js';
import { SPECIFICATION_VERSION } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import type { ImagesPlugin } from '../spec/images.js';

/** The image generators ttv ships. */
export const BUILT_IN_IMAGES: Record<string, ImagesPlugin> = { card: cardImages as ImagesPlugin };

/** Module specifiers tried for `images: <name>`, in order. */
export function imagesCandidates(name: string): string[] {
  if (name.startsWith('.') || isAbsolute(name) || name.startsWith('file:')) return [name];
  if (name.includes('/') || name.startsWith('ttv-images-')) return [name];
  return [`@ttv/images-${name}`, `ttv-images-${name}`];
}

function looksLikeImagesPlugin(value: unknown): value is ImagesPlugin {
  const v = value as Record<string, unknown> | undefined;
  return !!v && typeof v.name === 'string' && typeof v.create === 'function' && typeof v.describe === 'function' && 'configSchema' in v;
}

/** Loads the plugin `images: <name>` names, looking from each of `searchDirs` (the config file's folder first). */
export async function loadImagesPlugin(name: string, searchDirs: readonly string[]): Promise<ImagesPlugin> {
  const builtIn = BUILT_IN_IMAGES[name];
  if (builtIn) return builtIn;
  const tried = imagesCandidates(name);
  let url: string | undefined;
  for (const specifier of tried) {
    for (const dir of searchDirs) {
      try {
        if (specifier.startsWith('.') || isAbsolute(specifier)) url = pathToFileURL(resolvePath(dir, specifier)).href;
        else url = specifier.startsWith('file:') ? specifier : resolveModule(specifier, pathToFileURL(join(dir, 'noop.js')).href);
        break;
      } catch {
        // not here
      }
    }
    if (url) break;
  }
  const notFound = () =>
    new TtvError('CONFIG_INVALID', `images: the image generator "${name}" is not installed: looked for ${tried.join(', ')} from ${searchDirs.join(', ')}`, {
      field: 'images',
      value: name,
      fix: `use the embedded one (images: ${Object.keys(BUILT_IN_IMAGES).join(' | ')}), or install the package that provides "${name}"`,
    });
  if (!url) throw notFound();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((cause as Error).message).includes(url.replace('file://', ''))) throw notFound();
    throw new TtvError('BACKEND_INVALID', `images: "${name}" failed to load: ${(cause as Error).message}`, {
      cause,
      field: 'images',
      value: name,
      fix: `reinstall the package that provides "${name}" (or fix the module at that path)`,
    });
  }
  const plugin = [mod.default, mod.images, (mod.default as Record<string, unknown> | undefined)?.default].find(looksLikeImagesPlugin);
  if (!plugin) {
    throw new TtvError('BACKEND_INVALID', `images: "${name}" does not export a ttv image generator (a default export made with defineImages)`, {
      field: 'images',
      value: name,
      fix: 'check the name, or export the plugin as the default export',
    });
  }
  if (plugin.specificationVersion !== SPECIFICATION_VERSION) {
    throw new TtvError(
      'BACKEND_INVALID',
      `images: "${name}" implements spec v${String(plugin.specificationVersion)}, this @ttv/core speaks v${SPECIFICATION_VERSION}`,
      {
        field: 'images',
        value: name,
        fix: `install a version of it built for spec v${SPECIFICATION_VERSION}`,
      },
    );
  }
  return plugin;
}
