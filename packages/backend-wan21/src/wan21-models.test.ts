import { wanOutputGeometry } from '@ttv/testkit';
import { describe, expect, it } from 'vitest';
import { configSchema } from './wan21-config.js';
import {
  DEFAULT_I2V_FRAMES,
  framesToSeconds,
  isFourNPlusOne,
  resolutionOptions,
  secondsToFrames,
  wanDefaults,
  wanGeometry,
  describeWan21 as wanInfo,
} from './wan21-models.js';

describe('Wan2.1 rules in TypeScript', () => {
  it('reproduces the geometry table of the reference (and the stand-in’s helper)', () => {
    const table: Array<[[number, number], [number, number], [number, number]]> = [
      [
        [1280, 720],
        [1280, 720],
        [832, 464],
      ],
      [
        [1920, 1080],
        [1280, 720],
        [832, 464],
      ],
      [
        [1024, 576],
        [1280, 720],
        [832, 464],
      ],
      [
        [1024, 1024],
        [960, 960],
        [624, 624],
      ],
      [
        [1536, 1024],
        [1168, 768],
        [768, 512],
      ],
      [
        [832, 480],
        [1248, 720],
        [832, 464],
      ],
      [
        [720, 1280],
        [720, 1280],
        [464, 832],
      ],
    ];
    for (const [[w, h], big, small] of table) {
      expect(wanGeometry({ width: w, height: h }, '1280*720')).toEqual({ width: big[0], height: big[1] });
      expect(wanGeometry({ width: w, height: h }, '832*480')).toEqual({ width: small[0], height: small[1] });
      // Orientation of --size does not matter: it is a max area.
      expect(wanGeometry({ width: w, height: h }, '720*1280')).toEqual({ width: big[0], height: big[1] });
      expect(wanGeometry({ width: w, height: h }, '832*480')).toEqual(wanOutputGeometry({ width: w, height: h }, '832*480'));
    }
  });

  it('frame counts: 16 fps, 4n+1, exact seconds', () => {
    expect(secondsToFrames(5.0625)).toBe(81);
    expect(secondsToFrames(5)).toBe(80);
    expect(isFourNPlusOne(80)).toBe(false);
    expect(secondsToFrames(5.03)).toBeUndefined();
    expect(DEFAULT_I2V_FRAMES[0]).toBe(5);
    expect(DEFAULT_I2V_FRAMES.at(-1)).toBe(161);
    expect(DEFAULT_I2V_FRAMES.every(isFourNPlusOne)).toBe(true);
    expect(framesToSeconds(17)).toBe(1.0625);
  });

  it('task defaults follow Wan (flf2v 50 steps, shift 16; i2v shift 3 at 480p, 5 at 720p)', () => {
    expect(wanDefaults('flf2v-14B', '1280*720')).toEqual({ steps: 50, shift: 16, guide: 5 });
    expect(wanDefaults('i2v-14B', '832*480')).toEqual({ steps: 40, shift: 3, guide: 5 });
    expect(wanDefaults('i2v-14B', '1280*720')).toEqual({ steps: 40, shift: 5, guide: 5 });
  });

  it('declares i2v (first frame, 4n+1 durations, 720p+480p) and flf2v (first+last, 81 frames only, 720p)', () => {
    const info = wanInfo(configSchema.parse({ gpus: [0, 1, 2, 3], gpusPerJob: 2 }));
    const [i2v, flf] = info.models;
    expect(info.defaultModel).toBe('i2v-14B');
    expect(i2v).toMatchObject({ id: 'i2v-14B', inputs: ['first-frame'], fps: 16, concurrency: 2 });
    expect(flf).toMatchObject({ id: 'flf2v-14B', inputs: ['first-last-frame'], fps: 16, durations: { kind: 'discrete', values: [5.0625] } });
    expect(i2v!.durations).toEqual({ kind: 'discrete', values: DEFAULT_I2V_FRAMES.map((f) => f / 16) });
    expect(i2v!.resolutions).toContainEqual({ width: 1280, height: 720 });
    expect(i2v!.resolutions).toContainEqual({ width: 832, height: 464 });
    expect(i2v!.resolutions).toContainEqual({ width: 464, height: 832 });
    expect(flf!.resolutions).toContainEqual({ width: 1280, height: 720 });
    expect(flf!.resolutions).not.toContainEqual({ width: 832, height: 464 });
    expect(resolutionOptions(['832*480']).find((r) => r.width === 464)?.size).toBe('480*832');
    // A configured size restricts the table; a legacy checkout can be limited to 81 frames.
    const legacy = wanInfo(configSchema.parse({ size: { 'flf2v-14B': '832*480' }, i2vFrames: [81] }));
    expect(legacy.models[1]!.resolutions).toContainEqual({ width: 832, height: 464 });
    expect(legacy.models[0]!.durations).toEqual({ kind: 'discrete', values: [5.0625] });
  });

  it('the config is strict and says why a size is wrong', () => {
    expect(() => configSchema.parse({ sizes: {} })).toThrow();
    expect(() => configSchema.parse({ size: { 'i2v-14B': '1280x720' } })).toThrow(/W\*H with/);
  });
});
