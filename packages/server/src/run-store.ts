import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TtvError } from '@ttv/core';

/** A film's files as submitted: its config text and its images, by bare file name. */
export interface FilmFiles {
  config: string;
  images: ReadonlyArray<{ name: string; data: Buffer }>;
}

/**
 * Where films live, reachable by every worker and the server. A film folder holds the submitted `ttv.yaml`, its
 * images beside it and `run/`, a run folder with exactly the CLI's layout (`ttv report <film>/run` works).
 * Today a directory (local, or NFS/EFS shared by every machine); object storage can implement the same interface.
 */
export interface RunStore {
  readonly root: string;
  /** The film's folder (the config's directory). */
  filmDir(id: string): string;
  /** The film's run folder. */
  runDir(id: string): string;
  configFile(id: string): string;
  has(id: string): boolean;
  /** Writes a film's files once; false when the film already exists (same id: the same submission). */
  create(id: string, files: FilmFiles): Promise<boolean>;
}

const FILM_ID = /^f[0-9a-f]{20}$/;

/** Refuses anything that is not a film id, so no path can leave the store. */
export function checkFilmId(id: string): string {
  if (!FILM_ID.test(id))
    throw new TtvError('INPUT_INVALID', `not a film id: ${JSON.stringify(id.slice(0, 40))}`, { field: 'id', fix: 'use an id returned by POST /v1/films' });
  return id;
}

/** The run store on a directory. Films are written to a temporary folder and renamed into place (atomic). */
export function directoryRunStore(root: string): RunStore {
  const base = resolve(root);
  const filmDir = (id: string) => join(base, checkFilmId(id));
  return {
    root: base,
    filmDir,
    runDir: (id) => join(filmDir(id), 'run'),
    configFile: (id) => join(filmDir(id), 'ttv.yaml'),
    has: (id) => existsSync(join(filmDir(id), 'ttv.yaml')),
    async create(id, files) {
      const dest = filmDir(id);
      if (existsSync(join(dest, 'ttv.yaml'))) return false;
      const incoming = join(base, '.incoming', `${id}.${randomBytes(4).toString('hex')}`);
      await mkdir(incoming, { recursive: true });
      try {
        for (const image of files.images) await writeFile(join(incoming, image.name), image.data, { flag: 'wx' });
        await writeFile(join(incoming, 'ttv.yaml'), files.config, { flag: 'wx' });
        await rename(incoming, dest);
        return true;
      } catch (error) {
        await rm(incoming, { recursive: true, force: true });
        if (existsSync(join(dest, 'ttv.yaml'))) return false;
        throw error;
      }
    },
  };
}
