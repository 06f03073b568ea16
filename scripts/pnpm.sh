#!/usr/bin/env bash
# Runs the pinned pnpm, installing it into .tools/ first when absent. Corepack cannot verify packages from this
# registry (no signatures), and a fresh machine has only node and npm.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(node -p "require('$root/package.json').packageManager.split('@')[1]")"
bin="$root/.tools/node_modules/.bin/pnpm"
if [[ ! -x "$bin" ]] || [[ "$("$bin" --version)" != "$version" ]]; then
  echo "installing pnpm $version into .tools/" >&2
  npm install --silent --no-audit --no-fund --prefix "$root/.tools" "pnpm@$version" >&2
fi
export TURBO_TELEMETRY_DISABLED=1
# turbo locates the package manager on PATH
export PATH="$root/.tools/node_modules/.bin:$PATH"
exec "$bin" "$@"
