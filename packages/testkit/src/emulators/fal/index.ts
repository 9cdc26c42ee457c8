export { FAL_MEDIA, FAL_QUEUE, type FalEmulator, type FalEmulatorOptions, startFalEmulator } from './emulator.js';
export { FAL_MODELS, type FalModel } from './models.js';
