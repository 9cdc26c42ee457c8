/**
 * What `ttv generate --json` prints on stdout, for tests that drive the CLI: the run on success, `ok: false` and the
 * error (code, message, field, fix) on failure. Types only.
 */
export interface GenerateJson {
  ok: boolean;
  runDir: string;
  video: string;
  durationSec: number;
  frames: number;
  totalCostUsd: number;
  segments: Array<{ index: number; backend: string; model: string; status: string; costUsd: number; durationSec: number; file: string; warnings: string[] }>;
  error?: { code: string; message: string; field?: string; fix?: string };
}
