// Every package's `test` script: runs jest (scripts/jest-run.mjs) in a child process and stops it if it stalls, so
// that a hung test or a hung jest process fails the package in bounded time instead of holding CI until its limit.
// A CI run once sat 85 minutes in one test file whose own 300 s timeout never fired (its process was blocked, not
// busy), and another in a jest process idle in a futex wait: neither can be caught from inside the process.
//
//   node --experimental-vm-modules scripts/jest.mjs [jest arguments]
//
// The rule: if no test file starts or finishes for POKT_TEST_STALL_S seconds (default 900: the slowest file takes
// under 3 minutes on a loaded 2-core machine), the run has stalled. The supervisor then prints what was running and
// each of its processes' threads (with native stacks when gdb is installed), stops the process group (SIGTERM, then
// SIGKILL after 10 s) and writes test-results.json itself: the files that finished keep their counts, each file that
// was running counts as one failure, and the files that never started count as one failure together. Exit code 1.
// POKT_TEST_STALL_S=0 turns the rule off. (scripts/fuzz.mjs runs jest-run.mjs directly: its files run for hours.)
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const jestArgs = process.argv.slice(2)
// watch mode waits for edits, not for tests: no limit there
const watching = jestArgs.some(a => /^--watch(All)?(=|$)/.test(a))
const stallSeconds = watching ? 0 : Number(process.env.POKT_TEST_STALL_S ?? '900')
if (!Number.isFinite(stallSeconds) || stallSeconds < 0) {
  console.error(`jest: POKT_TEST_STALL_S must be a number of seconds ≥ 0 (0: no limit), got ${JSON.stringify(process.env.POKT_TEST_STALL_S)}`)
  process.exit(2)
}
// a check every 5 s (sooner under a short limit, so that the limit holds to within half of itself)
const POLL_MS = Math.min(5_000, Math.max(100, stallSeconds * 500))
const KILL_GRACE_MS = 10_000

const progressDir = mkdtempSync(join(tmpdir(), 'pokt-jest-'))
const progressFile = join(progressDir, 'progress.jsonl')
writeFileSync(progressFile, '')
rmSync('test-results.json', { force: true })

// Its own process group (detached), so that a stall stops jest, its workers and every process a test spawned.
const child = spawn(process.execPath, [...process.execArgv, join(import.meta.dirname, 'jest-run.mjs'), ...jestArgs], {
  stdio: 'inherit',
  detached: true,
  env: { ...process.env, POKT_JEST_PROGRESS: progressFile }
})

// Ctrl-C and turbo's shutdown reach this process only (the child has its own group): pass them on.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => { try { process.kill(-child.pid, signal) } catch {} })
}

/** The progress events scripts/jest-progress.mjs (a jest reporter) wrote so far. */
function readProgress () {
  return readFileSync(progressFile, 'utf8').split('\n').filter(line => line !== '').map(line => JSON.parse(line))
}

let lastSize = 0
let lastChange = performance.now()
let stalled = false
const poll = stallSeconds === 0
  ? undefined
  : setInterval(() => {
    let size = 0
    try { size = statSync(progressFile).size } catch {}
    if (size !== lastSize) { lastSize = size; lastChange = performance.now(); return }
    if (performance.now() - lastChange < stallSeconds * 1000 || stalled) return
    stalled = true
    stopStalled()
  }, POLL_MS)

child.on('exit', (code) => {
  if (poll !== undefined) clearInterval(poll)
  // after a stall: what the tests spawned may outlive jest
  if (stalled) try { process.kill(-child.pid, 'SIGKILL') } catch {}
  rmSync(progressDir, { recursive: true, force: true })
  process.exit(stalled ? 1 : (code ?? 1))
})

function stopStalled () {
  const events = readProgress()
  const finished = new Map(events.filter(e => e.event === 'finish').map(e => [e.file, e.suite]))
  const running = [...new Set(events.filter(e => e.event === 'start' && !finished.has(e.file)).map(e => e.file))]
  const total = events.find(e => e.event === 'run-start')?.total
  const where = events.length === 0
    ? 'before jest reported its first test file (global setup, or jest itself)'
    : running.length > 0
      ? `while running ${running.join(', ')}`
      : events.some(e => e.event === 'complete') ? 'after the last file finished (jest did not exit)' : 'between test files'
  console.error(`\njest: stalled: no test file started or finished for ${stallSeconds} s, ${where}; stopping it (POKT_TEST_STALL_S sets the limit)`)
  try {
    printProcesses(child.pid)
  } catch (err) {
    // the details are a help, stopping the run is the point: never let them stand in its way
    console.error(`  (could not list its processes: ${err.message})`)
  }

  const neverStarted = total === undefined ? 0 : Math.max(0, total - finished.size - running.length)
  const message = `no test file started or finished for ${stallSeconds} s: stopped (the threads of its processes are printed above)`
  const suites = [
    ...finished.values(),
    ...running.map(file => ({ file, passed: 0, failed: 1, failures: [{ name: '(the file did not finish)', message }] }))
  ]
  if (neverStarted > 0) {
    suites.push({ file: '(not started)', passed: 0, failed: 1, failures: [{ name: `${neverStarted} test file(s) never started`, message }] })
  } else if (running.length === 0) {
    suites.push({ file: '(jest)', passed: 0, failed: 1, failures: [{ name: `jest stalled ${where}`, message }] })
  }
  writeFileSync('test-results.json', JSON.stringify({
    node: process.version,
    passed: suites.reduce((sum, s) => sum + s.passed, 0),
    failed: suites.reduce((sum, s) => sum + s.failed, 0),
    suites
  }, null, 1) + '\n')

  try { process.kill(-child.pid, 'SIGTERM') } catch {}
  // jest or a test may catch SIGTERM and not finish; the exit handler above ends the supervisor either way
  setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch {} }, KILL_GRACE_MS).unref()
}

/** Every process of the group, each thread's state and kernel wait, and (with gdb) the native stacks: why it hangs. */
function printProcesses (pgid) {
  const pids = readdirSync('/proc').filter(name => /^\d+$/.test(name)).filter(pid => {
    // `pid (name) state ppid pgrp …`: the name may hold spaces and parentheses, so read from the last one
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2] === String(pgid)
    } catch { return false }
  })
  const gdb = spawnSync('gdb', ['--version'], { stdio: 'ignore' }).status === 0
  for (const pid of pids) {
    let cmdline = ''
    try { cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() } catch { continue }
    console.error(`  process ${pid}: ${cmdline.replaceAll(`${process.cwd()}/`, '')}`)
    const threads = existsSync(`/proc/${pid}/task`) ? readdirSync(`/proc/${pid}/task`) : []
    for (const tid of threads) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
        const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
        const wchan = readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8')
        console.error(`    thread ${tid} ${name}: ${state} ${wchan}`)
      } catch {}
    }
    if (gdb && cmdline.includes('node')) {
      const r = spawnSync('gdb', ['-p', pid, '-batch', '-ex', 'thread apply all bt 25'], { encoding: 'utf8', timeout: 60_000 })
      console.error((r.stdout ?? '').split('\n').filter(line => /^(Thread|#)/.test(line)).map(line => `      ${line}`).join('\n'))
    }
  }
  if (pids.length === 0) console.error(`  (no process left in group ${pgid})`)
}
