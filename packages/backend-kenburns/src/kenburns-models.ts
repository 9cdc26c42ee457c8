// The kenburns model: one model id, a range of durations, a list of even sizes, the configured fps.
import type { BackendCapabilities, ModelCapabilities } from '@ttv/core/backend';
import type { KenBurnsConfig } from './kenburns-config.js';

export const MODEL_ID = 'kenburns';

/** Common even sizes (landscape, portrait, square, 4:3). The engine picks the nearest to what a storyboard asks. */
export const RESOLUTIONS = [
  [320, 180],
  [426, 240],
  [640, 360],
  [854, 480],
  [960, 540],
  [1280, 720],
  [1600, 900],
  [1920, 1080],
  [2560, 1440],
  [3840, 2160],
  [180, 320],
  [360, 640],
  [480, 854],
  [540, 960],
  [720, 1280],
  [1080, 1920],
  [512, 512],
  [720, 720],
  [960, 960],
  [1024, 1024],
  [1080, 1080],
  [640, 480],
  [960, 720],
  [1440, 1080],
  [480, 640],
  [720, 960],
  [1080, 1440],
].map(([width, height]) => ({ width: width!, height: height! }));

export function modelCapabilities(config: KenBurnsConfig): ModelCapabilities {
  return {
    id: MODEL_ID,
    // No 'text': a Ken Burns move needs a picture to move over.
    inputs: ['first-frame', 'first-last-frame'],
    durations: { kind: 'range', min: 0.5, max: 60 },
    resolutions: RESOLUTIONS,
    fps: config.fps,
    maxPromptLength: 100_000,
    concurrency: 2,
    audio: false,
    usdPerSecond: 0,
  };
}

/** What the plugin's `describe(config)` returns: the one place kenburns states its capabilities. */
export function describeKenBurns(config: KenBurnsConfig): BackendCapabilities {
  return { models: [modelCapabilities(config)], defaultModel: MODEL_ID };
}
