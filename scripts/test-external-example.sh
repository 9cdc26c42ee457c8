#!/usr/bin/env bash
# Runs examples/external-backend (ttv-backend-solid) the way a third party would: outside the workspace, with
# @ttv/core and @ttv/testkit installed by npm from packed tarballs, and vitest from the registry.
# Exits non-zero when the install or the conformance suite fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=toolchain.sh
source scripts/toolchain.sh

start=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/ttv-external-example.XXXXXX")"
cleanup() { if [ "${KEEP_EXTERNAL_EXAMPLE:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

if [ "${TTV_EXAMPLE_NO_BUILD:-}" = 1 ] && [ -f packages/core/dist/index.js ] && [ -f packages/testkit/dist/index.js ]; then
  echo "== using the existing dist/ of @ttv/core and @ttv/testkit (TTV_EXAMPLE_NO_BUILD=1)"
else
  echo "== build @ttv/core and @ttv/testkit (turbo cache makes this a no-op when up to date)"
  pnpm exec turbo run build --filter=@ttv/testkit... --output-logs=errors-only
fi

echo "== pack"
mkdir -p "$work/tarballs"
(cd packages/core && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
(cd packages/testkit && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
core_tgz="$(ls "$work"/tarballs/ttv-core-*.tgz)"
testkit_tgz="$(ls "$work"/tarballs/ttv-testkit-*.tgz)"
vitest_range="$(node -p 'require("./package.json").devDependencies.vitest')"

echo "== install into $work/app"
mkdir -p "$work/app"
tar -C examples/external-backend --exclude=node_modules --exclude=package-lock.json -cf - . | tar -C "$work/app" -xf -
cd "$work/app"
npm install --no-audit --no-fund --prefer-offline --loglevel=error --save-dev \
  "$core_tgz" "$testkit_tgz" "vitest@$vitest_range"

echo "== vitest"
npx --no-install vitest run --reporter=default
echo "== external example passed in $(( $(date +%s) - start )) s"
