#!/usr/bin/env bash
# The main job: install, build, then start a local RainTree + gossipsub network and broadcast once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export TURBO_TELEMETRY_DISABLED=1
bash scripts/pnpm.sh install --frozen-lockfile --reporter=silent >&2
bash scripts/pnpm.sh exec turbo run build --output-logs=errors-only >&2
exec node packages/cli/dist/bin.js localnet "$@"
