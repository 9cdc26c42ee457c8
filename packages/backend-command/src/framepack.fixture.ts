// Test fixture: the musubi-tuner FramePack stand-in and the `vars` the framepack preset needs for it.
import { framepackStandIn } from '@ttv/testkit';

export const fp = framepackStandIn();

export type FakeModels = ReturnType<typeof fp.makeFakeModels>;

/** The framepack preset's `vars`: the stand-in script and the fake model files. */
export function framepackVars(models: FakeModels): Record<string, string> {
  return {
    script: fp.script,
    dit: models.dit,
    vae: models.vae,
    textEncoder1: models.textEncoder1,
    textEncoder2: models.textEncoder2,
    imageEncoder: models.imageEncoder,
  };
}
