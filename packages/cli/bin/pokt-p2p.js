#!/usr/bin/env node
// The `pokt-p2p` command. This launcher is committed (dist/ is built), so that package managers can link the
// command into node_modules/.bin at install time, before the first build.
import { existsSync } from 'node:fs'

const entry = new URL('../dist/bin.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write('pokt-p2p: the CLI is not built yet: run `bash scripts/pnpm.sh --filter @pokt-p2p/cli... build` in the repository\n')
  process.exit(1)
}
await import(entry.href)
