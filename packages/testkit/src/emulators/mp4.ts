/** The H.264 output flags every emulator's rendered MP4 ends with (before the output path): CRF 23, yuv420p, faststart. */
export const MP4_OUTPUT_FLAGS: readonly string[] = ['-crf', '23', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];
