/**
 * ffmpeg filter graphs for the Ken Burns backend. Pure string builders: no I/O, so they are easy to read and test.
 *
 * How the motion works (and why not `zoompan`): `zoompan` crops at integer pixel positions, so a slow move
 * visibly jitters. The `perspective` filter instead maps an arbitrary source quadrilateral onto the frame with
 * sub-pixel (1/256) precision and bicubic interpolation, and with `eval=frame` its corners are expressions of
 * the output frame number `on`. A Ken Burns move is the special case "axis-aligned rectangle that shrinks or
 * slides". The picture is decoded and fitted once, then repeated with `loop`, so only the warp runs per frame.
 *
 * Chaining needs frame 0 to reproduce the input exactly. At frame 0 the window is the whole frame, but the
 * warp is still a resampling (it is off by up to 1/256 px), so the warp is switched off for that frame with
 * the timeline option `enable`: frame 0 is the fitted picture itself.
 */
import type { Motion } from './kenburns-config.js';

/** swscale flags for colour-accurate RGB → YUV conversion (no darkening when clips are chained repeatedly). */
export const ACCURATE_SWS_FLAGS = 'spline+accurate_rnd+full_chroma_int';

/** Scale-to-cover and centre-crop to exactly width×height (the same "fitted cover" as core's `fitImage`). */
export function fitCover(width: number, height: number): string {
  return `scale=${width}:${height}:force_original_aspect_ratio=increase:flags=${ACCURATE_SWS_FLAGS},crop=${width}:${height},setsar=1`;
}

/**
 * Explicit pixel-format conversion. A bare `format=` would make ffmpeg insert its own scaler with default flags
 * (inside -filter_complex, `-sws_flags` does not reach it on ffmpeg 4.1); an explicit `scale` carries ours.
 */
export function convert(pixFmt: 'yuv420p' | 'yuva420p'): string {
  return `scale=flags=${ACCURATE_SWS_FLAGS},format=${pixFmt}`;
}

/** A camera move over one clip. Positions are where the window sits in its slack: 0 = left/top, 1 = right/bottom. */
export interface CameraMove {
  /** `push`: the window shrinks to 1/zoom of the frame (zoom in); `pull`: it grows to zoom× (zoom out, revealing a backdrop). */
  kind: 'push' | 'pull';
  /** Zoom factor at the end of the move (at the start it is always exactly 1). */
  zoom: number;
  from: { x: number; y: number };
  to: { x: number; y: number };
  /** Play the move backwards: start at `zoom`, settle at 1.0 on the last frame (used for the incoming keyframe). */
  reverse?: boolean;
}

/** A short human description for logs, e.g. `push ×1.15 (0.5,0.5)→(0.5,0.5)`. */
export function describeMove(move: CameraMove): string {
  const at = (p: { x: number; y: number }) => `(${p.x},${p.y})`;
  return `${move.kind}${move.reverse ? ' reversed' : ''} ×${move.zoom} ${at(move.from)}→${at(move.to)}`;
}

/** A small integer hash (deterministic across platforms) for picking a move from the segment index and seed. */
function mix(a: number, b: number): number {
  let h = Math.imul((a >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(((b >>> 0) + 0x632be5ab) >>> 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

const CENTRE = { x: 0.5, y: 0.5 };
/** Push-in targets: the centre and the "rule of thirds" points, which is where pictures usually have interest. */
const PUSH_TARGETS = [CENTRE, { x: 0.33, y: 0.33 }, { x: 0.67, y: 0.33 }, { x: 0.33, y: 0.67 }, { x: 0.67, y: 0.67 }];
/** Pans: drift across while pushing in slightly (a pure pan is impossible: frame 0 already shows the whole picture). */
const PANS = [
  { from: { x: 0, y: 0.5 }, to: { x: 1, y: 0.5 } },
  { from: { x: 1, y: 0.5 }, to: { x: 0, y: 0.5 } },
  { from: { x: 0, y: 0.3 }, to: { x: 1, y: 0.7 } },
  { from: { x: 1, y: 0.7 }, to: { x: 0, y: 0.3 } },
];

/**
 * The move for one segment. Deterministic: the same motion, zoom, segment index and seed always give the same
 * move, so re-running a storyboard reproduces the same video.
 */
export function chooseMove(motion: Motion, zoom: number, segmentIndex = 0, seed = 0): CameraMove {
  const h = mix(Math.trunc(segmentIndex), Math.trunc(seed));
  const kind = motion === 'auto' ? (h % 3 === 0 ? 'pan' : 'zoom-in') : motion;
  const pick = <T>(list: readonly T[]): T => list[(h >>> 2) % list.length]!;
  switch (kind) {
    case 'zoom-out':
      return { kind: 'pull', zoom, from: CENTRE, to: CENTRE };
    case 'pan': {
      const pan = pick(PANS);
      return { kind: 'push', zoom, from: pan.from, to: pan.to };
    }
    default: {
      const target = pick(PUSH_TARGETS);
      return { kind: 'push', zoom, from: target, to: target };
    }
  }
}

/** Formats a number for an ffmpeg expression (no exponent notation, no trailing noise). */
function num(value: number): string {
  return Number(value.toFixed(9)).toString();
}

export interface WarpGeometry {
  /** Output frame size (the fitted picture's size). */
  width: number;
  height: number;
  frames: number;
  /** Transparent border added around the picture (pull moves read it as "outside the picture"). */
  pad?: number;
}

/**
 * The `perspective` filter that performs `move` over `frames` frames on a picture of width×height, optionally
 * surrounded by `pad` transparent pixels (the filter then sees a (width+2·pad)×(height+2·pad) frame).
 */
export function warpFilter(move: CameraMove, geometry: WarpGeometry, interpolation: 'cubic' | 'linear' = 'cubic'): string {
  const { width: W, height: H, frames } = geometry;
  const P = geometry.pad ?? 0;
  // Progress 0 → 1 over the clip, eased with smoothstep: the camera starts and stops gently, so the seam
  // between two chained clips has no jolt (both sides are momentarily at rest there).
  const p = frames > 1 ? `(on/${frames - 1})` : '0';
  const eased = `(${p}*${p}*(3-2*${p}))`;
  const s = move.reverse ? `(1-${eased})` : eased;
  const z = `(1+${num(move.zoom - 1)}*${s})`;

  // Window (in picture pixels) for each axis: its size and its left/top edge.
  const axis = (size: number, from: number, to: number) => {
    if (move.kind === 'pull') {
      const win = `(${size}*${z})`;
      return { win, lead: `((${size}-${win})/2)` };
    }
    const win = `(${size}/${z})`;
    const anchor = from === to ? num(from) : `(${num(from)}+${num(to - from)}*${s})`;
    return { win, lead: `((${size}-${win})*${anchor})` };
  };
  // The filter maps its whole input frame, pad included, onto its whole output. So extend the window by the
  // pad on both sides (scaled like the window): corner = pad + lead − pad·win/size, and + (size+pad)·win/size.
  const corners = (size: number, a: { win: string; lead: string }) =>
    P === 0
      ? { lo: a.lead, hi: `(${a.lead}+${a.win})` }
      : { lo: `(${P}+${a.lead}-${P}*${a.win}/${size})`, hi: `(${P}+${a.lead}+${size + P}*${a.win}/${size})` };
  const x = corners(W, axis(W, move.from.x, move.to.x));
  const y = corners(H, axis(H, move.from.y, move.to.y));

  // Bypass the warp on the frame where the window is exactly the picture (see the file comment).
  const enable = move.reverse ? `lt(n,${frames - 1})` : 'gte(n,1)';
  const opts = {
    x0: x.lo,
    y0: y.lo,
    x1: x.hi,
    y1: y.lo,
    x2: x.lo,
    y2: y.hi,
    x3: x.hi,
    y3: y.hi,
    interpolation,
    eval: 'frame',
    enable,
  };
  // Quote every value: expressions contain commas, which would otherwise split the filter chain.
  return `perspective=${Object.entries(opts)
    .map(([k, v]) => `${k}='${v}'`)
    .join(':')}`;
}

/** Repeat the single decoded picture `frames` times at `fps` (the picture is fitted only once). */
function repeat(frames: number, fps: number): string {
  return `loop=loop=${frames - 1}:size=1:start=0,setpts=N/(${num(fps)}*TB)`;
}

export interface GraphOptions {
  width: number;
  height: number;
  frames: number;
  fps: number;
}

/** A -filter_complex graph and the label of its output. */
export interface FilterGraph {
  graph: string;
  output: string;
}

/** First-frame mode: input 0 is the picture; the output is the move over it. */
export function firstFrameGraph(move: CameraMove, o: GraphOptions): FilterGraph {
  const fit = `[0:v]${fitCover(o.width, o.height)}`;
  if (move.kind === 'push') {
    return { graph: `${fit},${convert('yuv420p')},${repeat(o.frames, o.fps)},${warpFilter(move, o)}[v]`, output: '[v]' };
  }
  // Pull back: the picture shrinks inside the frame, over a blurred, dimmed copy of itself. The foreground gets
  // a transparent border so that where the warp samples outside the picture it produces transparency.
  const pad = 4;
  const backdrop = [
    convert('yuv420p'),
    "boxblur=luma_radius='min(w,h)/12':luma_power=2:chroma_radius='min(cw,ch)/12':chroma_power=2",
    "lutyuv=y='16+(val-16)*0.75'",
    repeat(o.frames, o.fps),
  ].join(',');
  const foreground = [
    convert('yuva420p'),
    `pad=${o.width + 2 * pad}:${o.height + 2 * pad}:${pad}:${pad}:color=black@0`,
    repeat(o.frames, o.fps),
    warpFilter(move, { ...o, pad }),
    `crop=${o.width}:${o.height}:${pad}:${pad}`,
  ].join(',');
  return {
    graph: `${fit},split[fg0][bg0];[bg0]${backdrop}[bg];[fg0]${foreground}[fg];[bg][fg]overlay=format=yuv420[v]`,
    output: '[v]',
  };
}

/**
 * First-last-frame mode: input 0 is the first keyframe, input 1 the last. The first picture pushes in while the
 * last one fades in over it (alpha fade + overlay: ffmpeg 4.1 has no `xfade`). Frame 0 is exactly the first
 * picture (fade at 0, warp bypassed), the last frame exactly the last picture (fully opaque, never warped).
 *
 * Cost: one warp per frame, as in first-frame mode. The incoming picture is not moved (a second perspective warp,
 * on four planes, doubled the render time), and the outgoing warp samples bilinearly: under a dissolve the
 * difference to bicubic is invisible, and it costs a third less. Neither end frame is resampled, so chaining and
 * the end-frame check are unaffected.
 */
export function firstLastGraph(move: CameraMove, o: GraphOptions): FilterGraph {
  const outgoing: CameraMove = move.kind === 'push' ? move : { ...move, kind: 'push' };
  const a = `[0:v]${fitCover(o.width, o.height)},${convert('yuv420p')},${repeat(o.frames, o.fps)},${warpFilter(outgoing, o, 'linear')}[a]`;
  const b = `[1:v]${fitCover(o.width, o.height)},${convert('yuva420p')},${repeat(o.frames, o.fps)},fade=type=in:start_frame=0:nb_frames=${o.frames - 1}:alpha=1[b]`;
  return { graph: `${a};${b};[a][b]overlay=format=yuv420[v]`, output: '[v]' };
}
