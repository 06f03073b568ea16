// Runs jest for the package in the current directory and writes `test-results.json`, the compact report that
// scripts/summarize-tests.mjs sums up. Why not `jest --json --outputFile --forceExit`: jest's own JSON has no
// reason for a suite that failed to run in a form we can print, and `--forceExit` prints a warning on every run.
// Leaving explicitly once the run is done gives the same protection against a leaked handle hanging CI.
// Arguments are jest's own (`-t name`, a path pattern, ...).
import { writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { buildArgv, runCLI } from 'jest'

const argv = await buildArgv(process.argv.slice(2))
const { results } = await runCLI(argv, [process.cwd()])

/** The first lines of a failure, without jest's colour codes: enough to see what broke in the summary. */
function brief (message) {
  // eslint-disable-next-line no-control-regex
  const plain = String(message ?? '').replace(/\u001b\[[0-9;]*m/g, '').trim()
  return plain.split('\n').filter(line => line.trim() !== '').slice(0, 6).join('\n')
}

const suites = results.testResults.map(suite => ({
  file: relative(process.cwd(), suite.testFilePath),
  passed: suite.numPassingTests,
  failed: suite.numFailingTests,
  // a suite that could not run (import error, throw at top level) has no test results, only this
  error: suite.testExecError != null ? brief(suite.testExecError.message) : undefined,
  failures: suite.testResults
    .filter(test => test.status === 'failed')
    .map(test => ({ name: test.fullName, message: brief(test.failureMessages[0]) }))
}))
writeFileSync('test-results.json', JSON.stringify({
  node: process.version,
  passed: results.numPassedTests,
  failed: results.numFailedTests,
  suites
}, null, 1) + '\n')
process.exit(results.success ? 0 : 1)
