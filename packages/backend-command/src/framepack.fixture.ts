// Test helper: the `command.vars` that point the FramePack preset at the musubi-tuner stand-in and its fake models.
import type { FramepackStandIn } from '@ttv/testkit';

export function framepackVars(fp: FramepackStandIn, models: ReturnType<FramepackStandIn['makeFakeModels']>): Record<string, string> {
  return {
    script: fp.script,
    dit: models.dit,
    vae: models.vae,
    textEncoder1: models.textEncoder1,
    textEncoder2: models.textEncoder2,
    imageEncoder: models.imageEncoder,
  };
}
