// Sums every package's jest JSON report into the one line CI reads: `N passed, N failed`.
// A package whose test task did not produce a report (crash, type error before tests) counts as one failure.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const packagesDir = new URL('../packages/', import.meta.url).pathname
let passed = 0
let failed = 0
for (const name of readdirSync(packagesDir).sort()) {
  const manifest = join(packagesDir, name, 'package.json')
  if (!existsSync(manifest)) continue
  if (JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test == null) continue
  const report = join(packagesDir, name, 'test-results.json')
  if (!existsSync(report)) {
    console.error(`${name}: no test report (the test task did not run to completion)`)
    failed += 1
    continue
  }
  const r = JSON.parse(readFileSync(report, 'utf8'))
  // suites that failed to run (syntax error, import error) have no test results: count each as one failure
  const brokenSuites = r.testResults.filter(s => s.status === 'failed' && s.assertionResults.length === 0).length
  console.error(`${name}: ${r.numPassedTests} passed, ${r.numFailedTests + brokenSuites} failed`)
  passed += r.numPassedTests
  failed += r.numFailedTests + brokenSuites
}
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 ? 1 : 0
