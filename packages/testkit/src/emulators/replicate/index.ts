export { REPLICATE_MODELS, REPLICATE_MODERATION_ERROR, type ReplicateEmulator, type ReplicateEmulatorOptions, startReplicateEmulator } from './emulator.js';
