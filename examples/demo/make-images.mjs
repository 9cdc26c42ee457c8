#!/usr/bin/env node
// Renders the demo pictures in examples/demo/images/ with ffmpeg alone (no third-party images): procedural
// landscapes drawn with `geq` (one expression per colour channel, evaluated per pixel) plus lavfi's
// `mandelbrot` source. Deterministic: re-running produces the same pictures.
//
//   node examples/demo/make-images.mjs            # uses FFMPEG_PATH, else the bundled ffmpeg, else PATH
//
// Two are written as JPEG so that the demo exercises both keyframe formats.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'images');
const W = 1280;
const H = 720;

function findFfmpeg() {
  if (process.env.FFMPEG_PATH) return process.env.FFMPEG_PATH;
  try {
    const require = createRequire(join(here, '../../packages/core/package.json'));
    return require('@ffmpeg-installer/ffmpeg').path;
  } catch {
    return 'ffmpeg';
  }
}
const ffmpeg = findFfmpeg();

// Expression helpers. geq variables: X, Y (pixel), W, H; st(i,v)/ld(i) store and load scratch variables.
/** Linear mix of a and b by t (0..1). */
const mix = (a, b, t) => `((${a})+((${b})-(${a}))*(${t}))`;
/** 0..1 pseudo-random value from a seed expression (the classic fract(sin(x)·43758)). */
const hash = (x) => `(sin(${x})*43758.5453-floor(sin(${x})*43758.5453))`;
/** Clamp to 0..1. */
const sat = (x) => `clip(${x},0,1)`;

/**
 * A picture = a prelude of st() assignments shared by the three channels, and one expression per channel.
 * `paint(c)` returns the expression of channel c (0 = red, 1 = green, 2 = blue).
 */
function geq(prelude, paint) {
  const ch = (c) => `'${prelude}${prelude ? ';' : ''}${paint(c)}'`;
  return `format=gbrp,geq=r=${ch(0)}:g=${ch(1)}:b=${ch(2)}`;
}

const pictures = [
  {
    // Dawn: graded sky, a glowing low sun, two ranges of hills in silhouette.
    name: '00-dawn.png',
    filter: geq(
      [
        'st(0,Y/H)',
        `st(1,hypot(X-0.62*W,Y-0.55*H))`,
        `st(2,H*(0.60+0.05*sin(X/170)+0.025*sin(X/53+1)))`,
        `st(3,H*(0.76+0.06*sin(X/260+2)+0.02*sin(X/71)))`,
        `st(4,exp(-ld(1)/140))`,
      ].join(';'),
      (c) => {
        const top = [25, 30, 85][c];
        const mid = [225, 110, 95][c];
        const low = [255, 205, 130][c];
        const sky = `if(lt(ld(0),0.45),${mix(top, mid, 'ld(0)/0.45')},${mix(mid, low, sat('(ld(0)-0.45)/0.17'))})`;
        const sun = `if(lt(ld(1),46),${[255, 245, 215][c]},${sky}+${[120, 80, 30][c]}*ld(4))`;
        const far = mix([95, 55, 85][c], [60, 35, 70][c], '(Y-ld(2))/(0.4*H)');
        const near = mix([45, 25, 50][c], [20, 12, 30][c], '(Y-ld(3))/(0.24*H)');
        return `clip(if(gt(Y,ld(3)),${near},if(gt(Y,ld(2)),${far},${sun})),0,255)`;
      },
    ),
  },
  {
    // Forest: misty layered ridges of pine-like teeth, greener and darker towards the viewer.
    name: '01-forest.jpg',
    filter: geq(
      [
        'st(0,Y/H)',
        // Each layer's skyline: a base line plus a saw-tooth "tree" profile of varying height.
        ...[0, 1, 2, 3].map((i) => {
          const base = [0.42, 0.53, 0.66, 0.8][i];
          const w = [18, 26, 38, 56][i];
          const amp = [0.04, 0.06, 0.09, 0.13][i];
          const tooth = `abs(X/${w}-floor(X/${w})-0.5)*2`;
          const height = `(0.5+0.5*${hash(`floor(X/${w})*${12.9898 + i}`)})`;
          return `st(${i + 1},H*(${base}+0.03*sin(X/${190 + 60 * i}+${i})-${amp}*${height}*(1-${tooth})))`;
        }),
      ].join(';'),
      (c) => {
        const sky = mix([205, 225, 215][c], [240, 235, 210][c], 'ld(0)/0.5');
        const layers = [
          [150, 185, 170],
          [95, 145, 115],
          [50, 105, 70],
          [18, 55, 35],
        ];
        let e = sky;
        for (let i = 0; i < 4; i++) {
          const shade = sat(`(Y-ld(${i + 1}))/(0.3*H)`);
          const col = `${layers[i][c]}*(1-0.25*${shade})`;
          e = `if(gt(Y,ld(${i + 1})),${col},${e})`;
        }
        return e;
      },
    ),
  },
  {
    // Ocean: sky over a sea of rippled bands, with the sun's glitter path.
    name: '02-ocean.png',
    filter: geq(['st(0,Y/H)', 'st(1,0.5*H)', 'st(2,(Y-ld(1))/(H-ld(1)))', 'st(3,abs(X-0.5*W)/(0.08*W+0.35*W*ld(2)))'].join(';'), (c) => {
      const sky = mix([70, 120, 190][c], [200, 220, 235][c], 'ld(0)/0.5');
      const glow = `${[60, 50, 30][c]}*exp(-hypot(X-0.5*W,Y-0.42*H)/90)`;
      const waves = `(0.5+0.5*sin(Y*Y/${H * 2.2}+2*sin(X/(40+200*ld(2)))))`;
      const sea = `${mix([30, 90, 140][c], [5, 35, 70][c], 'ld(2)')}*(0.85+0.25*${waves})`;
      const glitter = `${[200, 180, 130][c]}*if(lt(ld(3),1),(1-ld(3))*gt(${waves},0.8),0)`;
      return `clip(if(lt(Y,ld(1)),${sky}+${glow},${sea}+${glitter}),0,255)`;
    }),
  },
  {
    // City: dusk skyline of blocky towers with lit windows, reflected glow at street level.
    name: '03-city.png',
    filter: geq(
      [
        'st(0,Y/H)',
        'st(1,floor(X/64))',
        `st(2,H*(0.25+0.45*${hash('ld(1)*7.13+1.7')}))`,
        // windows: 10×14 px cells, lit at random
        `st(3,lt(X-floor(X/10)*10,6)*lt(Y-floor(Y/14)*14,8)*lt(${hash('floor(X/10)*3.1+floor(Y/14)*17.7')},0.35))`,
        'st(4,gt(X-ld(1)*64,3))',
      ].join(';'),
      (c) => {
        const sky = mix([40, 35, 90][c], [235, 120, 90][c], sat('ld(0)/0.75'));
        const wall = mix([35, 35, 55][c], [20, 20, 35][c], 'ld(0)');
        const lit = [255, 205, 120][c];
        const building = `if(ld(3)*ld(4),${lit},${wall})`;
        return `clip(if(gt(Y,ld(2)),${building},${sky})+${[40, 20, 10][c]}*exp(-(H-Y)/60),0,255)`;
      },
    ),
  },
  {
    // Night: a deep zoom into the Mandelbrot set, graded cold.
    name: '04-night.jpg',
    input: `mandelbrot=s=${W}x${H}:maxiter=1200:start_x=-0.743643887037151:start_y=0.13182590420533:start_scale=0.0022:outer=normalized_iteration_count:inner=black`,
    filter:
      'format=gbrp,colorchannelmixer=rr=0.25:rb=0.15:gg=0.35:gb=0.2:bb=0.9:br=0.1,lutrgb=r=255*pow(val/255\\,2.2):g=255*pow(val/255\\,2.2):b=255*pow(val/255\\,1.8)',
  },
  {
    // Stars: a sparse field of stars with soft halos over a violet-to-teal nebula.
    name: '05-stars.png',
    filter: [
      geq([`st(0,${hash('X*0.1313+Y*7.771')})`, `st(1,0.5+0.5*sin(X/210+2*sin(Y/160))*cos(Y/230-X/410))`].join(';'), (c) => {
        const nebula = `${[8, 6, 22][c]}+${[70, 20, 90][c]}*pow(ld(1),3)+${[0, 50, 60][c]}*pow(1-ld(1),6)`;
        const star = `if(gt(ld(0),0.9985),${[255, 245, 225][c]}*(0.5+0.5*${hash('X*1.7+Y*9.1')}),0)`;
        return `clip(${nebula}+${star},0,255)`;
      }),
      // Halos: a blurred copy of the bright stars added back onto the picture.
      'split[a][b];[b]lutrgb=r=if(gt(val\\,200)\\,val\\,0):g=if(gt(val\\,200)\\,val\\,0):b=if(gt(val\\,200)\\,val\\,0),gblur=sigma=2.5,lutrgb=r=val*3:g=val*3:b=val*3[h];[a][h]blend=all_mode=addition',
    ].join(','),
  },
];

mkdirSync(outDir, { recursive: true });
for (const p of pictures) {
  const out = join(outDir, p.name);
  const jpeg = p.name.endsWith('.jpg');
  const input = p.input ?? `color=c=black:s=${W}x${H}`;
  const encode = jpeg
    ? ['-sws_flags', 'spline+accurate_rnd+full_chroma_int', '-pix_fmt', 'yuvj444p', '-q:v', '2', '-c:v', 'mjpeg']
    : ['-pix_fmt', 'rgb24', '-c:v', 'png', '-compression_level', '9'];
  const started = Date.now();
  // One filter thread: geq's st()/ld() scratch variables are shared between slice threads in ffmpeg 4.1, and
  // threaded rendering streaks the picture.
  execFileSync(
    ffmpeg,
    [
      '-hide_banner',
      '-nostdin',
      '-y',
      '-v',
      'error',
      '-filter_complex_threads',
      '1',
      '-f',
      'lavfi',
      '-i',
      input,
      '-filter_complex',
      p.filter,
      '-frames:v',
      '1',
      ...encode,
      '-f',
      'image2',
      out,
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  console.log(`${p.name}  ${(statSync(out).size / 1024).toFixed(0)} kB  ${Date.now() - started} ms`);
}
