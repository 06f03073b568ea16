#!/usr/bin/env bash
# The project's one test command: install (frozen lockfile), type-check and test every package, then print one
# summary line `N passed, N failed` summed over every package's jest results.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export TURBO_TELEMETRY_DISABLED=1
rm -f packages/*/test-results.json
status=0
bash scripts/pnpm.sh install --frozen-lockfile --reporter=append-only || exit 1
bash scripts/pnpm.sh exec turbo run build typecheck test --continue --concurrency=1 --output-logs=errors-only "$@" || status=$?
node scripts/summarize-tests.mjs || status=1
exit $status
