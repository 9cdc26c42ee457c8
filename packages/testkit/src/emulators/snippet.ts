/** What an emulator hands out so that ttv can be pointed at it: the ttv.yaml lines, environment and notes. */
export interface EmulatorConfigSnippet {
  /** ttv.yaml lines (`backend: …` and the backend's section), accepted as is by the backend's config schema. */
  yaml: string;
  /** Environment variables to export before running ttv (often none). */
  env: Record<string, string>;
  /** Hints for the person reading the snippet. */
  notes: string[];
}
