/**
 * The workspace's test runner (`scripts/jest.mjs`, every package's `test` script): a run that stalls is stopped and
 * reported as failed, with what finished kept; a run that does not stall is left alone; Ctrl-C stops it cleanly.
 * Each case runs the real runner on a throw-away package in a temporary folder, as a real process.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../src/index.js'

const runner = fileURLToPath(new URL('../../../scripts/jest.mjs', import.meta.url))
const dirs: string[] = []
afterEach(() => { dirs.splice(0).forEach(dir => { rmSync(dir, { recursive: true, force: true }) }) })

/** A package of plain CommonJS test files (no transform), in a fresh temporary folder. */
function fixture (files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pokt-runner-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'jest.config.cjs'), "module.exports = { testMatch: ['<rootDir>/*.test.cjs'], transform: {}, maxWorkers: 2, testTimeout: 600000 }\n")
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body)
  return dir
}

interface Run { child: ChildProcess, stderr: () => string, exit: Promise<number | null> }

function run (dir: string, stallSeconds: number): Run {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', runner], {
    cwd: dir, env: { ...process.env, POKT_TEST_STALL_S: String(stallSeconds) }, stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exit = new Promise<number | null>(resolve => { child.on('close', code => { resolve(code) }) })
  return { child, stderr: () => stderr, exit }
}

/** The command lines of the processes whose working folder is `dir`: none may outlive the runner. */
function processesIn (dir: string): string[] {
  return readdirSync('/proc').filter(pid => /^\d+$/.test(pid)).flatMap(pid => {
    try { return readlinkSync(`/proc/${pid}/cwd`) === dir ? [readFileSync(`/proc/${pid}/cmdline`, 'utf8')] : [] } catch { return [] }
  })
}

function results (dir: string): { passed: number, failed: number, suites: Array<{ file: string, passed: number, failed: number, failures: Array<{ name: string }> }> } {
  return JSON.parse(readFileSync(join(dir, 'test-results.json'), 'utf8'))
}

const passing = "test('passes', () => { expect(1 + 1).toBe(2) })\n"
// blocks its thread for good, as the Node 20 crypto deadlock did: no timer in the process can fire
const blocking = "test('blocks', () => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0) })\n"

// the runner lists a stalled run's processes from /proc, and these tests find leftover processes there: Linux only
const describeOnLinux = existsSync('/proc/self/stat') ? describe : describe.skip

describeOnLinux('scripts/jest.mjs', () => {
  it('stops a run that stalls, reports the file that did not finish as failed, keeps what passed', async () => {
    const dir = fixture({ 'a.test.cjs': passing, 'b.test.cjs': blocking })
    const r = run(dir, 2)
    expect(await r.exit).toBe(1)
    expect(r.stderr()).toMatch(/jest: stalled: no test file started or finished for 2 s, while running b\.test\.cjs/)
    // the blocked process's threads are listed, sleeping (the kernel wait's name varies, and some kernels hide it)
    expect(r.stderr()).toMatch(/thread \d+ \S+: S /)
    const report = results(dir)
    expect(report.passed).toBe(1)
    expect(report.failed).toBe(1)
    expect(report.suites.find(s => s.file === 'b.test.cjs')?.failures.map(f => f.name)).toEqual(['(the file did not finish)'])
    await waitFor(() => processesIn(dir).length === 0, { what: 'every process of the stopped run gone' })
  }, 120_000)

  it('leaves a run that keeps going alone: its own report and exit code', async () => {
    const dir = fixture({ 'a.test.cjs': passing, 'c.test.cjs': passing.replace('passes', 'passes too') })
    const r = run(dir, 30)
    expect(await r.exit).toBe(0)
    expect(r.stderr()).not.toMatch(/stalled/)
    expect(results(dir)).toMatchObject({ passed: 2, failed: 0 })
  }, 120_000)

  it('passes Ctrl-C on to jest and its workers (their own process group) and exits', async () => {
    const dir = fixture({ 'a.test.cjs': passing, 'b.test.cjs': blocking.replace('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)', 'return new Promise(() => {})') })
    const r = run(dir, 600)
    // jest's workers are processes in that folder
    await waitFor(() => processesIn(dir).some(cmd => cmd.includes('processChild')), { what: 'a jest worker running' })
    r.child.kill('SIGINT')
    expect(await r.exit).not.toBe(0)
    await waitFor(() => processesIn(dir).length === 0, { what: 'every process of the interrupted run gone' })
  }, 120_000)
})
