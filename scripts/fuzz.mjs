// `npm run fuzz`: the benchmark-style fuzz run of every inbound path. Runs each package's fuzz tests (the test files
// that take their count from `fuzzRuns` of @pokt-p2p/testing) with POKT_FUZZ_RUNS inputs per property (default 100000; `npm run fuzz -- 5000` for
// another count), one package after another, and prints per package what passed, what failed and how long it took.
// The test suite runs the same tests with their own small counts. Build first (`npm run build`).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const root = join(import.meta.dirname, '..')
const arg = process.argv[2] ?? '100000'
const runs = Number(arg)
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error(`fuzz: the count of inputs must be a positive integer, got ${JSON.stringify(arg)}`)
  process.exit(2)
}
/** The test files of a package that call fuzzRuns (relative to the package). */
function fuzzFiles (pkg) {
  const dir = join(root, 'packages', pkg, 'test')
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter(f => f.endsWith('.test.ts') && readFileSync(join(dir, f), 'utf8').includes('fuzzRuns(')).map(f => `test/${f}`)
}
const packages = readdirSync(join(root, 'packages')).filter(p => fuzzFiles(p).length > 0).sort()
let passed = 0
let failed = 0
for (const p of packages) {
  const cwd = join(root, 'packages', p)
  const t0 = performance.now()
  const r = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', '--experimental-vm-modules', join(root, 'scripts/jest-run.mjs'), ...fuzzFiles(p), '--testTimeout', String(24 * 3600_000)], {
    cwd, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, POKT_FUZZ_RUNS: String(runs) }
  })
  const seconds = ((performance.now() - t0) / 1000).toFixed(0)
  let result = { passed: 0, failed: 1, suites: [] }
  try { result = JSON.parse(readFileSync(join(cwd, 'test-results.json'), 'utf8')) } catch {}
  if (r.status !== 0 && result.failed === 0) result.failed = 1 // it did not run to the end
  passed += result.passed
  failed += result.failed
  console.log(`@pokt-p2p/${p}: ${result.passed} passed, ${result.failed} failed with ${runs} inputs per property (${seconds} s)`)
  for (const s of result.suites) {
    if (s.error !== undefined) console.log(`  ${s.file}: could not run: ${s.error}`)
    for (const f of s.failures) console.log(`  ${s.file}: ${f.name}\n    ${f.message.replaceAll('\n', '\n    ')}`)
  }
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
