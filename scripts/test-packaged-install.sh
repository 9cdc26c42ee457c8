#!/usr/bin/env bash
# Packaged install test: pack the CLI and what it needs, install the tarballs with npm into an empty folder
# outside the workspace, and use `ttv` from there as a user would.
#   1. `ttv generate` on a small demo storyboard works with only core, cli and kenburns installed (the testkit
#      is an optional peer of the CLI: not installed);
#   2. `backend: runway` fails with BACKEND_NOT_INSTALLED and the install command;
#   3. `ttv emulate runway` without the testkit fails with BACKEND_NOT_INSTALLED and `npm install @ttv/testkit`;
#      after installing the testkit tarball it starts and prints its config snippet;
#   4. after installing the runway tarball (when packages/backend-runway builds), `ttv backends` lists it.
# Needs the npm registry for third-party dependencies only. Exits non-zero on failure.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=/dev/null
source scripts/toolchain.sh >/dev/null
fail() { echo "packaged-install: FAIL: $*" >&2; exit 1; }
step() { echo "packaged-install: $*"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ttv-packaged-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/tarballs" "$WORK/app"

step "building @ttv/cli and its workspace dependencies"
pnpm turbo run build --filter @ttv/cli... --output-logs=errors-only >/dev/null || fail "build failed"

pack() { (cd "packages/$1" && pnpm pack --pack-destination "$WORK/tarballs" >/dev/null) || fail "pnpm pack $1"; }
for p in core backend-kenburns testkit cli; do pack "$p"; done
ls "$WORK/tarballs"

step "npm install of the tarballs into $WORK/app"
cd "$WORK/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$WORK"/tarballs/ttv-core-*.tgz "$WORK"/tarballs/ttv-backend-kenburns-*.tgz \
  "$WORK"/tarballs/ttv-cli-*.tgz >/dev/null || fail "npm install of the tarballs"
[ ! -e node_modules/@ttv/backend-runway ] || fail "runway must not be installed yet"
[ ! -e node_modules/@ttv/testkit ] || fail "the testkit must not be installed with the CLI (an optional peer)"
TTV="$WORK/app/node_modules/.bin/ttv"
"$TTV" --version

step "ttv generate on a demo storyboard"
mkdir -p images
cp "$ROOT"/examples/demo/images/00-dawn.png "$ROOT"/examples/demo/images/02-ocean.png images/
cat > ttv.yaml <<'YAML'
name: packaged
mode: keyframe
backend: kenburns
output: { width: 320, height: 180, fps: 24 }
segmentDuration: 1
storyboard:
  image: images/00-dawn.png
  segments:
    - { prompt: From dawn to the ocean., keyframe: images/02-ocean.png }
    - { prompt: And back., keyframe: images/00-dawn.png }
YAML
"$TTV" generate --json --quiet > generate.json || { cat generate.json; fail "ttv generate"; }
node -e '
const r = JSON.parse(require("fs").readFileSync("generate.json", "utf8"));
if (!r.ok || r.segments.length !== 2 || !require("fs").existsSync(r.video)) { console.error(r); process.exit(1); }
console.log(`generated ${r.video} (${r.durationSec.toFixed(2)} s)`);' || fail "unexpected generate result"
"$TTV" report runs/packaged >/dev/null || fail "ttv report"
"$TTV" doctor >/dev/null || fail "ttv doctor"

step "backend: runway without the package"
sed 's/^backend: kenburns$/backend: runway/' ttv.yaml > runway.yaml
set +e
"$TTV" generate -c runway.yaml > runway.out 2> runway.err
code=$?
set -e
[ "$code" = 3 ] || { cat runway.err; fail "expected exit 3, got $code"; }
grep -q 'BACKEND_NOT_INSTALLED' runway.err || { cat runway.err; fail "no BACKEND_NOT_INSTALLED"; }
grep -q 'npm install @ttv/backend-runway' runway.err || { cat runway.err; fail "no install command"; }
grep -q 'ttv plugins install runway' runway.err || { cat runway.err; fail "no plugins install hint"; }
head -2 runway.err

step "ttv emulate runway without @ttv/testkit"
set +e
timeout 60 "$TTV" emulate runway > emulate.out 2> emulate.err
code=$?
set -e
[ "$code" = 3 ] || { cat emulate.out emulate.err; fail "ttv emulate without the testkit: expected exit 3, got $code"; }
grep -q 'BACKEND_NOT_INSTALLED' emulate.err || { cat emulate.err; fail "ttv emulate: no BACKEND_NOT_INSTALLED"; }
grep -q 'npm install @ttv/testkit' emulate.err || { cat emulate.err; fail "ttv emulate: no npm install @ttv/testkit"; }
head -2 emulate.err

step "ttv emulate runway with the testkit tarball installed"
npm install --no-audit --no-fund --loglevel=error "$WORK"/tarballs/ttv-testkit-*.tgz >/dev/null || fail "npm install of the testkit tarball"
"$TTV" emulate runway --json --task-ms 100 > emulate.json 2> emulate.err &
emulate_pid=$!
for _ in $(seq 1 100); do
  node -e 'JSON.parse(require("fs").readFileSync("emulate.json", "utf8"))' 2>/dev/null && break
  kill -0 "$emulate_pid" 2>/dev/null || break
  sleep 0.3
done
kill -INT "$emulate_pid" 2>/dev/null || true
wait "$emulate_pid" || true
node -e '
const r = JSON.parse(require("fs").readFileSync("emulate.json", "utf8"));
if (!r.ok || !/^backend: runway\n/.test(r.snippet) || !r.snippet.includes(`baseUrl: ${r.url}`)) { console.error(r); process.exit(1); }
console.log(`ttv emulate runway: ${r.url}`);' || { cat emulate.json emulate.err; fail "ttv emulate runway with the testkit"; }

if [ -f "$ROOT/packages/backend-runway/package.json" ] && (cd "$ROOT" && pnpm turbo run build --filter @ttv/backend-runway --output-logs=errors-only >/dev/null 2>&1) && [ -f "$ROOT/packages/backend-runway/dist/index.js" ]; then
  step "installing the runway tarball"
  pack_dir="$ROOT/packages/backend-runway"
  (cd "$pack_dir" && pnpm pack --pack-destination "$WORK/tarballs" >/dev/null) || fail "pnpm pack backend-runway"
  npm install --no-audit --no-fund --loglevel=error "$WORK"/tarballs/ttv-backend-runway-*.tgz >/dev/null || fail "npm install runway"
  "$TTV" backends --json > backends.json
  node -e '
const r = JSON.parse(require("fs").readFileSync("backends.json", "utf8"));
const b = r.installed.find((x) => x.name === "runway");
if (!b || b.problem) { console.error(JSON.stringify(r, null, 2)); process.exit(1); }
console.log(`ttv backends lists runway: ${b.packageName}@${b.version}, models ${b.models.map((m) => m.id).join(", ")}`);' || fail "ttv backends does not list runway"
  "$TTV" plan -c runway.yaml >/dev/null || fail "ttv plan with runway installed"
else
  step "SKIP runway tarball: packages/backend-runway does not build to dist/index.js yet"
fi
step "OK"
