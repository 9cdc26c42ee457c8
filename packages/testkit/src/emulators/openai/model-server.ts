/**
 * What the model API emulators (OpenAI, Gemini) share: their state (the accepted key, a ledger, model faults, the
 * picture scale) and starting the HTTP base on it, with a reset that also clears the ledger and the model faults.
 */
import type { ServerResponse } from 'node:http';
import { type EmulatorServer, type RecordedRequest, startHttpEmulator } from '../http.js';
import { ModelLedger, type ModelStats } from './ledger.js';
import { type ModelFault, ModelFaultQueue } from './model-faults.js';

export interface ModelState {
  apiKey: string;
  ledger: ModelLedger;
  modelFaults: ModelFaultQueue;
  imageScale: number;
  stats(): ModelStats;
}

export interface ModelServerSpec {
  name: string;
  /** The key accepted when the options give none. */
  defaultKey: string;
  /** The path the provider package's `baseURL` ends with (`/v1`, `/v1beta`). */
  apiPath: string;
  route(state: ModelState, rec: RecordedRequest, res: ServerResponse): void | Promise<void>;
  faultBody(status: number): unknown;
}

/** The parts of a model emulator that do not depend on the API it speaks. */
export interface ModelServer extends EmulatorServer {
  apiKey: string;
  baseURL: string;
  modelFaults: ModelFaultQueue;
  inject(...faults: ModelFault[]): void;
  stats(): ModelStats;
}

/** Starts a model API emulator on an ephemeral loopback port (or the given one). Prints nothing. */
export async function startModelServer(
  spec: ModelServerSpec,
  opts: { apiKey?: string; host?: string; port?: number; imageScale?: number },
): Promise<ModelServer> {
  const state: ModelState = {
    apiKey: opts.apiKey ?? spec.defaultKey,
    ledger: new ModelLedger(),
    modelFaults: new ModelFaultQueue(),
    imageScale: opts.imageScale ?? 1,
    stats: () => state.ledger.stats(base.requests),
  };
  const base: EmulatorServer = await startHttpEmulator({
    name: spec.name,
    handler: (_req, res, rec) => spec.route(state, rec, res),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    faultBody: spec.faultBody,
    onReset: () => {
      state.ledger.reset();
      state.modelFaults.clear();
    },
  });
  return Object.assign(base, {
    apiKey: state.apiKey,
    baseURL: `${base.url}${spec.apiPath}`,
    modelFaults: state.modelFaults,
    inject: (...faults: ModelFault[]) => void state.modelFaults.inject(...faults),
    stats: state.stats,
  });
}
