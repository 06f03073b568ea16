// The binary tests spawn dist/bin.js: build it (and the packages it imports) first, so that
// `pnpm --filter @pokt-p2p/cli test` works on its own. Under `turbo run test` this is a cache hit.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function globalSetup () {
  const root = fileURLToPath(new URL('../../../', import.meta.url))
  execFileSync('bash', ['scripts/pnpm.sh', 'exec', 'turbo', 'run', 'build', '--filter=@pokt-p2p/cli...', '--output-logs=errors-only'], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' }
  })
}
