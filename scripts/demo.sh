#!/usr/bin/env bash
# The main job: install, build (with progress), then start a local RainTree + gossipsub network and broadcast once.
# Options go to `pokt-p2p localnet` (e.g. `npm run demo -- --nodes 81`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export TURBO_TELEMETRY_DISABLED=1
echo "installing dependencies (pnpm, frozen lockfile; the first time takes a few seconds)" >&2
bash scripts/pnpm.sh install --frozen-lockfile --reporter=append-only --loglevel=warn >&2
node scripts/build.mjs
exec node packages/cli/dist/bin.js localnet "$@"
