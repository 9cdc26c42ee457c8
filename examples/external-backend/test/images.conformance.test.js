// The ttv image-generator conformance suite, as a third party runs it: @ttv/testkit from npm.
import { describeImagesConformance } from '@ttv/testkit';
import plugin from '../src/images.js';

describeImagesConformance({ name: 'solid images', plugin, config: () => ({ saturation: 0.8 }) });
