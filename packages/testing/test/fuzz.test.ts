import { afterEach, describe, expect, it } from '@jest/globals'
import { FUZZ_RUNS_ENV, fuzzRuns, fuzzTimeoutMs } from '../src/index.js'

describe('fuzzRuns', () => {
  const saved = process.env[FUZZ_RUNS_ENV]
  afterEach(() => {
    if (saved === undefined) delete process.env[FUZZ_RUNS_ENV]
    else process.env[FUZZ_RUNS_ENV] = saved
  })

  it('keeps the test\'s own count when the variable is unset or empty', () => {
    delete process.env[FUZZ_RUNS_ENV]
    expect(fuzzRuns(300)).toBe(300)
    process.env[FUZZ_RUNS_ENV] = ''
    expect(fuzzRuns(300)).toBe(300)
  })

  it('takes the variable\'s count, and scales the timeout with it', () => {
    process.env[FUZZ_RUNS_ENV] = '100000'
    expect(fuzzRuns(300)).toBe(100_000)
    expect(fuzzTimeoutMs(30_000, 1000)).toBe(3_000_000)
    process.env[FUZZ_RUNS_ENV] = '10'
    // fewer runs than the suite's never shorten its timeout
    expect(fuzzTimeoutMs(30_000, 1000)).toBe(30_000)
  })

  it('caps the count at maxRuns, never below the suite\'s own', () => {
    process.env[FUZZ_RUNS_ENV] = '100000'
    expect(fuzzRuns(120, { maxRuns: 20_000 })).toBe(20_000)
    expect(fuzzRuns(120, { maxRuns: 50 })).toBe(120)
    process.env[FUZZ_RUNS_ENV] = '500'
    expect(fuzzRuns(120, { maxRuns: 20_000 })).toBe(500)
  })

  it.each(['0', '-5', '1.5', 'many', '1e400'])('refuses %j, naming the variable', value => {
    process.env[FUZZ_RUNS_ENV] = value
    expect(() => fuzzRuns(300)).toThrow(new RegExp(`${FUZZ_RUNS_ENV} must be a positive integer`))
  })
})
