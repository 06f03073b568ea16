/**
 * The environment variable that sets how many inputs every fuzz test generates: unset in the test suite (each test
 * keeps its own small count), `100000` in `npm run fuzz`, the benchmark-style run over every inbound path.
 */
export const FUZZ_RUNS_ENV = 'POKT_FUZZ_RUNS'

/** Options of {@link fuzzRuns}. */
export interface FuzzRunsOptions {
  /**
   * At most this many inputs whatever `POKT_FUZZ_RUNS` says: for a property that runs each input through real nodes
   * and waits on their deadlines (tens of ms an input), where 100,000 inputs would take hours. Say in its test which
   * cheaper property covers the same path with the full count.
   * @default no cap
   */
  maxRuns?: number
}

/**
 * How many generated inputs a fuzz test runs: `suiteRuns` in the test suite, or the count of `POKT_FUZZ_RUNS`
 * when it is set (a positive integer; anything else is an error naming the variable, never a silent default), at
 * most `maxRuns`.
 */
export function fuzzRuns (suiteRuns: number, options: FuzzRunsOptions = {}): number {
  const raw = process.env[FUZZ_RUNS_ENV]
  if (raw === undefined || raw === '') return suiteRuns
  const runs = Number(raw)
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`${FUZZ_RUNS_ENV} must be a positive integer, got ${JSON.stringify(raw)}`)
  return Math.min(runs, Math.max(suiteRuns, options.maxRuns ?? Infinity))
}

/**
 * A jest timeout for a fuzz test that takes `suiteTimeoutMs` at `suiteRuns` inputs, scaled to {@link fuzzRuns}: a
 * long run must not be cut short by the suite's timeout (it is a safety net, not a budget).
 */
export function fuzzTimeoutMs (suiteTimeoutMs: number, suiteRuns: number): number {
  return Math.ceil(suiteTimeoutMs * Math.max(1, fuzzRuns(suiteRuns) / suiteRuns))
}
