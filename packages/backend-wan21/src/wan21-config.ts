import { z } from 'zod';

const perTask = <T extends z.ZodType>(t: T) => z.object({ 'i2v-14B': t.optional(), 'flf2v-14B': t.optional() }).strict();

/** A number for both tasks, or one per task (`{ i2v-14B: 40, flf2v-14B: 50 }`). */
const perTaskNumber = (what: string) =>
  z
    .union([z.number().positive(), perTask(z.number().positive())])
    .optional()
    .describe(`${what}: one number for both tasks or one per task. Unset: Wan's per-task default (the flag is not passed).`);

/**
 * The `wan21:` section of a ttv config. Paths are resolved from the config file's directory. Values Wan itself
 * would reject (sizes per task, frame counts, Ulysses degrees) are checked by `validate` before any process
 * starts, with the field, the value and the fix.
 */
export const configSchema = z
  .object({
    python: z.string().min(1).default('python').describe('Python of the Wan2.1 environment (torch, flash-attn, the wan package).'),
    wanDir: z.string().min(1).optional().describe('The Wan2.1 checkout (holds generate.py); generate.py runs with this as its cwd.'),
    checkpoints: perTask(z.string().min(1))
      .default({})
      .describe('Checkpoint directory per task: i2v-14B (Wan2.1-I2V-14B-720P or -480P, chaining) and flf2v-14B (Wan2.1-FLF2V-14B-720P, keyframe mode).'),
    size: perTask(z.string().regex(/^\d+\*\d+$/, 'a Wan size is W*H with "*", e.g. 1280*720 (not 1280x720)'))
      .default({})
      .describe(
        'Wan --size per task (a max area; the clip takes the first image’s aspect): 1280*720/720*1280 (720p) or 832*480/480*832 (480p). ' +
          'Unset: i2v-14B offers both, flf2v-14B 720p only (its checkpoint is 720P).',
      ),
    i2vFrames: z
      .array(z.number().int().positive())
      .optional()
      .describe('Frame counts i2v-14B may make (each 4n+1; default 5, 9, …, 161). Wan checkouts before 841fe52 make only [81].'),
    sampleSteps: z
      .union([z.number().int().min(1), perTask(z.number().int().min(1))])
      .optional()
      .describe(
        "--sample_steps (Wan: 40 for i2v, 50 for flf2v), a whole number ≥ 1: one number for both tasks or one per task. Unset: Wan's per-task default (the flag is not passed).",
      ),
    sampleShift: perTaskNumber('--sample_shift (Wan: i2v 3.0 at 480p / 5.0 at 720p, flf2v 16)'),
    guideScale: perTaskNumber('--sample_guide_scale (Wan: 5.0)'),
    sampleSolver: z.enum(['unipc', 'dpm++']).optional().describe('--sample_solver (Wan: unipc).'),
    offloadModel: z
      .boolean()
      .optional()
      .describe('--offload_model: move models to the CPU between stages (Wan: on with one GPU, off with several). Lowers GPU memory, slower.'),
    t5Cpu: z
      .boolean()
      .default(false)
      .describe('--t5_cpu: keep the T5 text encoder on the CPU (saves ~10 GB of GPU memory). One GPU per job only: Wan does not combine it with --t5_fsdp.'),
    gpus: z
      .array(z.number().int().nonnegative())
      .min(1)
      .default([0])
      .describe('GPU indices ttv may use; the engine leases disjoint sets of gpusPerJob to parallel jobs.'),
    gpusPerJob: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('GPUs per clip. >1 runs under torchrun with --dit_fsdp --t5_fsdp --ulysses_size N (N must divide 40: 1, 2, 4, 5, 8, 10, 20, 40).'),
    torchrun: z.string().min(1).optional().describe('torchrun executable for multi-GPU jobs (default: the torchrun beside python, else torchrun on PATH).'),
    timeoutMinutes: z.number().positive().default(90).describe('Kill a job (its whole process group: SIGTERM, then SIGKILL) after this long.'),
    killGraceSeconds: z.number().nonnegative().default(30).describe('Seconds between SIGTERM and SIGKILL when a job is cancelled or times out.'),
    env: z.record(z.string(), z.string()).default({}).describe('Extra environment variables for generate.py (e.g. PYTORCH_CUDA_ALLOC_CONF).'),
    nvidiaSmi: z.string().min(1).default('nvidia-smi').describe('nvidia-smi executable, for `ttv doctor`.'),
    usdPerGpuHour: z.number().nonnegative().default(0).describe('Optional: what a GPU-hour costs you, for cost estimates and the ledger (0 = free).'),
  })
  .strict()
  // Multi-GPU jobs pass --t5_fsdp (the T5 encoder sharded over the GPUs), which Wan documents as incompatible with
  // --t5_cpu (the encoder kept on the CPU): refuse the pair rather than drop one of the user's settings silently.
  .superRefine((c, ctx) => {
    if (c.t5Cpu && c.gpusPerJob > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['t5Cpu'],
        message: `wan21.t5Cpu cannot be combined with wan21.gpusPerJob ${c.gpusPerJob} (multi-GPU jobs run with --t5_fsdp, which Wan does not combine with --t5_cpu): set t5Cpu: false, or gpusPerJob: 1`,
      });
  });

export type Wan21Config = z.output<typeof configSchema>;
