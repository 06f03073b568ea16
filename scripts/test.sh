#!/usr/bin/env bash
# The project's one test command (`npm test`): install the pinned pnpm and the locked dependencies, then
# scripts/test.mjs builds, type-checks and tests every package on this Node and on the current LTS, and ends with
# the line `N passed, N failed`. Options go to scripts/test.mjs (e.g. `npm test -- --filter @pokt-p2p/types`).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export TURBO_TELEMETRY_DISABLED=1
echo "installing dependencies (pnpm, frozen lockfile)"
bash scripts/pnpm.sh install --frozen-lockfile --reporter=append-only --loglevel=warn || { echo "0 passed, 1 failed"; exit 1; }
exec node scripts/test.mjs "$@"
