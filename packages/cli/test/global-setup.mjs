// The binary tests spawn dist/bin.js: build it (and the packages it imports) first, so that
// `pnpm --filter @pokt-p2p/cli test` works on its own. Under turbo (which sets TURBO_HASH in a task's environment)
// the test task already depends on this package's build (packages/cli/turbo.json): a turbo inside a turbo task only
// adds a second process waiting on the same cache, so it is skipped.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function globalSetup () {
  if (process.env.TURBO_HASH !== undefined) return
  const root = fileURLToPath(new URL('../../../', import.meta.url))
  execFileSync('bash', ['scripts/pnpm.sh', 'exec', 'turbo', 'run', 'build', '--filter=@pokt-p2p/cli...', '--output-logs=errors-only'], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' }
  })
}
