// Runs jest for the package in the current directory and writes `test-results.json`, the compact report that
// scripts/test.mjs sums up. Started by scripts/jest.mjs, which stops it if it stalls. Why not
// `jest --json --outputFile --forceExit`: jest's own JSON has no reason for a suite that failed to run in a form we
// can print, and `--forceExit` prints a warning on every run. Leaving explicitly once the run is done gives the same
// protection against a leaked handle hanging CI.
// Arguments are jest's own (`-t name`, a path pattern, ...).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildArgv, runCLI } from 'jest'
import { suiteSummary } from './jest-progress.mjs'

const argv = await buildArgv(process.argv.slice(2))
// the progress reporter beside jest's own (or beside the ones the arguments chose)
argv.reporters = [...(argv.reporters ?? ['default']), join(import.meta.dirname, 'jest-progress.mjs')]
const { results } = await runCLI(argv, [process.cwd()])

writeFileSync('test-results.json', JSON.stringify({
  node: process.version,
  passed: results.numPassedTests,
  failed: results.numFailedTests,
  suites: results.testResults.map(suiteSummary)
}, null, 1) + '\n')
process.exit(results.success ? 0 : 1)
