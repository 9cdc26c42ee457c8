/**
 * Auth modes and the two clients (genai for Vertex AI, storage for gs://). Nothing here does network I/O:
 * the clients fetch tokens lazily on their first request.
 *
 * - adc:             Vertex AI, project + location, Application Default Credentials.
 * - service-account: Vertex AI, project + location, a service-account JSON key file (googleAuthOptions.keyFilename).
 * - access-token:    Vertex AI, project + location, a fixed OAuth access token (an OAuth2Client holding it).
 * - express:         Vertex AI express mode, an API key and no project (`x-goog-api-key`). @google/genai 3.x no
 *                    longer sends Veo requests in plain Gemini-API-key mode, so this is the only API-key path.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { GoogleGenAI, type GoogleGenAIOptions } from '@google/genai';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { TtvError } from '@ttv/core';
import { type AuthClient, OAuth2Client } from 'google-auth-library';
import type { VeoConfig } from './veo3-config.js';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export type AuthMode = 'adc' | 'service-account' | 'express' | 'access-token';

export interface ResolvedAuth {
  mode: AuthMode;
  /** Vertex modes: the project (may be missing until checked, e.g. taken from the key file later). */
  project?: string | undefined;
  location: string;
  /** Absolute path of the service-account key file. */
  keyFile?: string | undefined;
  apiKey?: string | undefined;
  accessToken?: string | undefined;
  /** Where each setting came from, for doctor and logs (never a secret). */
  sources: string[];
}

/** Picks the auth mode and its settings from the config and the environment (pure: no I/O). */
export function resolveAuth(config: VeoConfig, env: NodeJS.ProcessEnv, configDir: string): ResolvedAuth {
  const sources: string[] = [];
  const envProject = env['GOOGLE_CLOUD_PROJECT'] || undefined;
  const project = config.project ?? envProject;
  if (config.project) sources.push('project from veo3.project');
  else if (envProject) sources.push('project from GOOGLE_CLOUD_PROJECT');
  const envKey = env['GOOGLE_API_KEY'] || undefined;
  const keyFile = config.keyFile ? (isAbsolute(config.keyFile) ? config.keyFile : resolve(configDir, config.keyFile)) : undefined;
  const base = { location: config.location, sources };

  let mode: AuthMode;
  if (config.auth !== 'auto') mode = config.auth;
  else if (keyFile) mode = 'service-account';
  else if (config.accessToken) mode = 'access-token';
  else if (config.apiKey) mode = 'express';
  else if (project) mode = 'adc';
  else if (envKey) mode = 'express';
  else mode = 'adc';

  switch (mode) {
    case 'express': {
      const apiKey = config.apiKey ?? envKey;
      sources.push(config.apiKey ? 'API key from veo3.apiKey' : envKey ? 'API key from GOOGLE_API_KEY' : 'no API key');
      return { ...base, mode, ...(apiKey ? { apiKey } : {}) };
    }
    case 'service-account':
      sources.push(`key file ${keyFile ?? '(unset)'}`);
      return { ...base, mode, project, keyFile };
    case 'access-token':
      sources.push('access token from veo3.accessToken');
      return { ...base, mode, project, accessToken: config.accessToken };
    default:
      sources.push('Application Default Credentials');
      return { ...base, mode: 'adc', project };
  }
}

/** Secrets of a resolved auth (to scrub from messages and register with the core's redactor). */
export function authSecrets(auth: ResolvedAuth): string[] {
  return [auth.apiKey, auth.accessToken].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/** The project id inside a service-account key file, if readable. */
export function projectFromKeyFile(keyFile: string): string | undefined {
  try {
    const json = JSON.parse(readFileSync(keyFile, 'utf8')) as { project_id?: unknown };
    return typeof json.project_id === 'string' ? json.project_id : undefined;
  } catch {
    return undefined;
  }
}

/** Reads and checks a service-account key file (local only). */
export function inspectKeyFile(keyFile: string): { ok: true; clientEmail: string; projectId?: string } | { ok: false; problem: string } {
  let raw: string;
  try {
    raw = readFileSync(keyFile, 'utf8');
  } catch (error) {
    return { ok: false, problem: `cannot read ${keyFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  try {
    const json = JSON.parse(raw) as Record<string, unknown>;
    if (json['type'] !== 'service_account') return { ok: false, problem: `${keyFile} is not a service-account key (type: ${String(json['type'])})` };
    if (typeof json['client_email'] !== 'string' || typeof json['private_key'] !== 'string')
      return { ok: false, problem: `${keyFile} lacks client_email or private_key` };
    return { ok: true, clientEmail: json['client_email'], ...(typeof json['project_id'] === 'string' ? { projectId: json['project_id'] } : {}) };
  } catch {
    return { ok: false, problem: `${keyFile} is not valid JSON` };
  }
}

/** The Vertex AI endpoint (explicit, so GOOGLE_VERTEX_BASE_URL in a shell cannot redirect ttv). */
export function vertexBaseUrl(config: VeoConfig, auth: ResolvedAuth): string {
  if (config.baseUrl) return config.baseUrl.replace(/\/+$/, '');
  if (auth.mode === 'express' || auth.location === 'global') return 'https://aiplatform.googleapis.com';
  return `https://${auth.location}-aiplatform.googleapis.com`;
}

function missingProject(): TtvError {
  return new TtvError('AUTH', 'Veo on Vertex AI needs a Google Cloud project, and none is configured', {
    field: 'veo3.project',
    fix: 'set veo3.project (or GOOGLE_CLOUD_PROJECT) and run `gcloud auth application-default login`; or use express mode with GOOGLE_API_KEY',
  });
}

/** The project of a Vertex mode, or AUTH. */
export function requireProject(auth: ResolvedAuth): string {
  if (auth.mode === 'express') throw new Error('express mode has no project');
  const project = auth.project ?? (auth.keyFile ? projectFromKeyFile(auth.keyFile) : undefined);
  if (!project) throw missingProject();
  auth.project = project;
  return project;
}

export function accessTokenClient(token: string): OAuth2Client {
  const client = new OAuth2Client();
  // No refresh token: when the token expires the service answers 401 and ttv reports AUTH.
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 365 * 24 * 3_600_000 });
  return client;
}

/** Builds the genai client for a resolved auth. Throws AUTH when the mode lacks what it needs. */
export function createGenAI(config: VeoConfig, auth: ResolvedAuth, authClient?: AuthClient): GoogleGenAI {
  const httpOptions = { baseUrl: vertexBaseUrl(config, auth), timeout: config.timeouts.requestMs };
  if (auth.mode === 'express') {
    if (!auth.apiKey) {
      throw new TtvError('AUTH', 'Veo express mode needs an API key, and none is set', {
        field: 'veo3.apiKey',
        fix: 'set GOOGLE_API_KEY (a Vertex AI API key), or configure veo3.project with Application Default Credentials',
      });
    }
    return new GoogleGenAI({ vertexai: true, apiKey: auth.apiKey, apiVersion: config.apiVersion, httpOptions });
  }
  const project = requireProject(auth);
  const googleAuthOptions: NonNullable<GoogleGenAIOptions['googleAuthOptions']> = { scopes: [CLOUD_PLATFORM_SCOPE], projectId: project };
  if (authClient) googleAuthOptions.authClient = authClient;
  else if (auth.mode === 'access-token') googleAuthOptions.authClient = accessTokenClient(auth.accessToken ?? '');
  else if (auth.mode === 'service-account') googleAuthOptions.keyFilename = auth.keyFile!;
  return new GoogleGenAI({ vertexai: true, project, location: auth.location, apiVersion: config.apiVersion, httpOptions, googleAuthOptions });
}

/**
 * Builds the storage client. A custom endpoint (emulator) is called without credentials. Express mode has no
 * OAuth identity of its own: storage then uses Application Default Credentials.
 */
export function createStorage(config: VeoConfig, auth: ResolvedAuth, authClient?: AuthClient): Storage {
  const options: StorageOptions = { retryOptions: { autoRetry: false } };
  if (config.storageEndpoint) options.apiEndpoint = config.storageEndpoint.replace(/\/+$/, '');
  if (auth.mode !== 'express') {
    const project = auth.project ?? (auth.keyFile ? projectFromKeyFile(auth.keyFile) : undefined);
    if (project) options.projectId = project;
    if (authClient) options.authClient = authClient as unknown as NonNullable<StorageOptions['authClient']>;
    else if (auth.mode === 'access-token')
      options.authClient = accessTokenClient(auth.accessToken ?? '') as unknown as NonNullable<StorageOptions['authClient']>;
    else if (auth.mode === 'service-account' && auth.keyFile) options.keyFilename = auth.keyFile;
  }
  return new Storage(options);
}

/** `gs://bucket/a/b` → { bucket, name }. */
export function parseGsUri(uri: string): { bucket: string; name: string } | undefined {
  const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m ? { bucket: m[1]!, name: m[2]! } : undefined;
}
