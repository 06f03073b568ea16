import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type Server } from 'node:net'
import { fileURLToPath } from 'node:url'
import { main, type CommandContext } from '../src/index.js'

/** The built entry point, and the repository root. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** What `pnpm install` links from the package's `bin` field: the command the READMEs tell users to run. */
export const LINKED_BIN = fileURLToPath(new URL('../../../node_modules/.bin/pokt-p2p', import.meta.url))

/** Runs the CLI in this process; returns exit code and what it wrote. */
export async function run (argv: string[], signal = new AbortController().signal): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const ctx: CommandContext = {
    out: t => { out += t + '\n' },
    log: t => { err += t + '\n' },
    interactive: false,
    signal
  }
  const code = await main(argv, ctx)
  return { code, out, err }
}

/** How a process ended. */
export interface Exit { code: number | null, signal: NodeJS.Signals | null }

/**
 * A spawned process whose output lines can be awaited. Waits end on a matching line or on the process's end,
 * never on a timer: when the expected line never comes, the process ending (or the test's timeout) says so.
 */
export class Proc {
  readonly child: ChildProcess
  readonly out: string[] = []
  readonly err: string[] = []
  /** resolves once the process has exited and its output streams are closed */
  readonly exit: Promise<Exit>
  #ended: Exit | undefined
  readonly #waiters = new Set<() => void>()
  /** what a `line()` call is waiting for, if one is (reported when a test times out) */
  waitingFor: string | undefined
  readonly command: string

  constructor (command: string, args: string[], options: { cwd?: string, stdin?: 'ignore' | 'pipe', env?: NodeJS.ProcessEnv } = {}) {
    this.command = [command, ...args].join(' ')
    this.child = spawn(command, args, { cwd: options.cwd ?? ROOT, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
    live.add(this)
    this.#collect(this.child.stdout!, this.out)
    this.#collect(this.child.stderr!, this.err)
    this.exit = new Promise<Exit>(resolve => {
      this.child.on('close', (code, signal) => {
        this.#ended = { code, signal }
        live.delete(this)
        this.#notify()
        resolve(this.#ended)
      })
    })
  }

  get pid (): number {
    return this.child.pid as number
  }

  #collect (stream: NodeJS.ReadableStream, lines: string[]): void {
    let partial = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n')
      partial = parts.pop() ?? ''
      lines.push(...parts)
      this.#notify()
    })
    stream.on('end', () => { if (partial !== '') lines.push(partial); partial = ''; this.#notify() })
  }

  #notify (): void {
    for (const w of [...this.#waiters]) w()
  }

  /** Both streams so far, for failure messages. */
  describe (): string {
    return `stdout:\n${this.out.join('\n')}\nstderr:\n${this.err.join('\n')}`
  }

  /** The first line of `stream` that satisfies `pred`, waiting for it; rejects if the process ends first. */
  async line (stream: 'out' | 'err', pred: (line: string) => boolean, what = 'the expected line'): Promise<string> {
    for (;;) {
      const hit = this[stream].find(pred)
      if (hit !== undefined) return hit
      if (this.#ended !== undefined) throw new Error(`process ${this.pid} ended (${JSON.stringify(this.#ended)}) before ${what}\n${this.describe()}`)
      this.waitingFor = what
      await new Promise<void>(resolve => {
        const w = (): void => { this.#waiters.delete(w); resolve() }
        this.#waiters.add(w)
      })
      this.waitingFor = undefined
    }
  }

  /** The first JSON line of `stream` whose `event` is `event` (and that satisfies `pred`), parsed. */
  async event (stream: 'out' | 'err', event: string, pred: (record: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    const line = await this.line(stream, l => {
      const r = parseJson(l)
      return r !== undefined && r.event === event && pred(r)
    }, `a ${JSON.stringify(event)} event on std${stream}`)
    return parseJson(line) as Record<string, unknown>
  }

  /** Every JSON line of `stream` whose `event` is `event`, parsed. */
  events (stream: 'out' | 'err', event: string): Array<Record<string, unknown>> {
    return this[stream].map(parseJson).filter((r): r is Record<string, unknown> => r !== undefined && r.event === event)
  }
}

function parseJson (line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
}

const live = new Set<Proc>()

/**
 * SIGKILLs every process a test started and left running (call from afterEach). A process still running here
 * means the test failed or timed out: its output, and what the test was waiting for, go to stderr.
 */
export async function killAll (): Promise<void> {
  const procs = [...live]
  for (const p of procs) {
    // straight to stderr: the suite runs with jest's console silenced, and this is what explains the failure
    process.stderr.write(`left running: ${p.command} (pid ${p.pid})${p.waitingFor === undefined ? '' : `, the test waiting for ${p.waitingFor}`}\n${p.describe()}\n`)
  }
  for (const p of procs) {
    for (const pid of [...descendants(p.pid), p.pid]) {
      try { process.kill(pid, 'SIGKILL') } catch { /* gone already */ }
    }
  }
  await Promise.all(procs.map(async p => await p.exit))
}

/**
 * The built binary as a process (`node dist/bin.js ...`), with this process's environment and `env` over it (a
 * variable set to `undefined` is removed).
 */
export function startBin (argv: string[], env: Record<string, string | undefined> = {}): Proc {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env }
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k]
  return new Proc(process.execPath, [BIN, ...argv], { env: merged })
}

/** Runs the built binary to completion. */
export async function runBin (argv: string[]): Promise<{ code: number | null, signal: NodeJS.Signals | null, out: string, err: string }> {
  const p = startBin(argv)
  const { code, signal } = await p.exit
  return { code, signal, out: p.out.join('\n'), err: p.err.join('\n') }
}

/** A shell command line exactly as a README shows it, run by bash from the repository root. */
export function startShell (line: string, options: { stdin?: 'ignore' | 'pipe' } = {}): Proc {
  return new Proc('bash', ['-c', line], options)
}

/** Whether a process with this id exists (a zombie counts as gone). */
export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true // no /proc (macOS): kill(0) succeeded
  }
}

/** Every process descended from `pid` (children, grandchildren, ...), from `ps`. */
export function descendants (pid: number): number[] {
  let table: string
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
  } catch {
    return []
  }
  const children = new Map<number, number[]>()
  for (const row of table.trim().split('\n')) {
    const [child, parent] = row.trim().split(/\s+/).map(Number) as [number, number]
    const list = children.get(parent) ?? []
    list.push(child)
    children.set(parent, list)
  }
  const found: number[] = []
  const visit = (p: number): void => {
    for (const c of children.get(p) ?? []) { found.push(c); visit(c) }
  }
  visit(pid)
  return found
}

async function listen (port: number, host: string): Promise<Server> {
  return await new Promise<Server>((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(port, host, () => { resolve(s) })
  })
}

/** Whether `port` on `host` can be listened on (nothing holds it). */
export async function portIsFree (port: number, host = '127.0.0.1'): Promise<boolean> {
  try {
    const s = await listen(port, host)
    await new Promise(resolve => s.close(resolve))
    return true
  } catch {
    return false
  }
}

/** Holds `port` until the returned function is called. */
export async function holdPort (port: number, host = '127.0.0.1'): Promise<() => Promise<void>> {
  const s = await listen(port, host)
  return async () => { await new Promise(resolve => s.close(resolve)) }
}

/** `count` consecutive free loopback ports. */
export async function freePortRange (count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    const servers: Server[] = []
    try {
      for (let i = 0; i < count; i++) servers.push(await listen(base + i, '127.0.0.1'))
      return base
    } catch {
      // taken: try another range
    } finally {
      await Promise.all(servers.map(async s => await new Promise(resolve => s.close(resolve))))
    }
  }
  throw new Error('no free port range')
}

/**
 * A genesis file and `count` node configs (`node-1.json` …) in a new temporary directory, on consecutive free
 * loopback ports starting at `base`, written by the binary's `genesis` command.
 */
export async function genesisNetwork (count: number, seed: string): Promise<{ dir: string, base: number }> {
  const dir = await mkdtemp(join(tmpdir(), `pokt-${seed}-`))
  const base = await freePortRange(count)
  const r = await runBin(['genesis', '--nodes', String(count), '--seed', seed, '--out', join(dir, 'genesis.json'), '--configs', dir, '--base-port', String(base)])
  if (r.code !== 0) throw new Error(`genesis failed (${r.code}): ${r.err}`)
  return { dir, base }
}

/** The linked command must exist: it is what the READMEs run. */
export function assertLinkedBin (): void {
  if (!existsSync(LINKED_BIN)) throw new Error(`${LINKED_BIN} is missing: run 'bash scripts/pnpm.sh install' (the root package depends on @pokt-p2p/cli)`)
}

/** The lines of the first ```sh block after `heading` in a markdown file (comments and blank lines dropped). */
export function shellBlock (markdownFile: string, heading: string): string[] {
  const text = readFileSync(markdownFile, 'utf8')
  const at = text.indexOf(heading)
  if (at === -1) throw new Error(`${markdownFile} has no ${JSON.stringify(heading)}`)
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at))
  if (block === null) throw new Error(`no sh block after ${JSON.stringify(heading)} in ${markdownFile}`)
  return (block[1] as string).split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))
}
