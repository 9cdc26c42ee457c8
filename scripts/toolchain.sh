#!/usr/bin/env bash
# Source this file: it puts Node >= 22.12 and the pnpm named in package.json#packageManager on PATH,
# installing them from the npm registry into ./.tools when the machine's own are missing or too old.
_ttv_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ttv_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}
if ! _ttv_node_ok; then
  if [ ! -x "$_ttv_root/.tools/node/node_modules/node/bin/node" ]; then
    echo "toolchain: Node $(node --version 2>/dev/null || echo 'not found') is too old; installing Node 24 into .tools/node" >&2
    npm install --prefix "$_ttv_root/.tools/node" --no-audit --no-fund --loglevel=error node@24 >&2
  fi
  export PATH="$_ttv_root/.tools/node/node_modules/node/bin:$PATH"
  if ! _ttv_node_ok; then echo "toolchain: could not provide Node >= 22.12" >&2; return 1; fi
fi
_ttv_pnpm="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$_ttv_root/package.json")"
if [ "$(pnpm --version 2>/dev/null)" != "$_ttv_pnpm" ]; then
  if [ "$("$_ttv_root/.tools/pnpm/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$_ttv_pnpm" ]; then
    echo "toolchain: installing pnpm $_ttv_pnpm into .tools/pnpm" >&2
    npm install --prefix "$_ttv_root/.tools/pnpm" --no-audit --no-fund --loglevel=error "pnpm@$_ttv_pnpm" >&2
  fi
  export PATH="$_ttv_root/.tools/pnpm/node_modules/.bin:$PATH"
fi
unset _ttv_root _ttv_pnpm
unset -f _ttv_node_ok
