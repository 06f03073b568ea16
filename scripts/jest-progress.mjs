// A jest reporter for scripts/jest.mjs: appends one JSON line per event to the file POKT_JEST_PROGRESS names (when
// each test file starts and finishes, with its summary), so that the supervisor knows what ran, what finished and
// what was running if the run stalls. Also the one place that summarises a test file's result (suiteSummary), for
// this file and for the final test-results.json that scripts/jest-run.mjs writes.
import { appendFileSync } from 'node:fs'
import { relative } from 'node:path'

/** The first lines of a failure, without jest's colour codes: enough to see what broke in the summary. */
function brief (message) {
  // eslint-disable-next-line no-control-regex
  const plain = String(message ?? '').replace(/\u001b\[[0-9;]*m/g, '').trim()
  return plain.split('\n').filter(line => line.trim() !== '').slice(0, 6).join('\n')
}

/** One test file's result as test-results.json lists it. */
export function suiteSummary (suite) {
  return {
    file: relative(process.cwd(), suite.testFilePath),
    passed: suite.numPassingTests,
    failed: suite.numFailingTests,
    // a suite that could not run (import error, throw at top level) has no test results, only this
    error: suite.testExecError != null ? brief(suite.testExecError.message) : undefined,
    failures: suite.testResults
      .filter(test => test.status === 'failed')
      .map(test => ({ name: test.fullName, message: brief(test.failureMessages[0]) }))
  }
}

export default class ProgressReporter {
  #file = process.env.POKT_JEST_PROGRESS

  #write (event) {
    // written synchronously: if the process hangs right after, the line is already there
    if (this.#file !== undefined) appendFileSync(this.#file, JSON.stringify(event) + '\n')
  }

  onRunStart (results) { this.#write({ event: 'run-start', total: results.numTotalTestSuites }) }
  onTestFileStart (test) { this.#write({ event: 'start', file: relative(process.cwd(), test.path) }) }
  onTestFileResult (test, result) {
    this.#write({ event: 'finish', file: relative(process.cwd(), test.path), suite: suiteSummary(result) })
  }

  onRunComplete () { this.#write({ event: 'complete' }) }
  getLastError () { return undefined }
}
