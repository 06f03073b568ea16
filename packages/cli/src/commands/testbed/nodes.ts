import { spawn, type ChildProcess } from 'node:child_process'
import { LineSplitter } from '../../line-splitter.js'
import { MAX_LINE_BYTES, parseEventLine } from './lines.js'

/** How many of a node's last stderr lines are kept, to explain a node that did not start or died. */
const STDERR_TAIL = 20
/** The longest stderr line kept in that tail (characters). */
const TAIL_LINE_CHARS = 400

/** A node's JSON event, with the node and the stream it came from. */
export interface NodeEvent {
  node: TestbedNode
  stream: 'out' | 'err'
  record: Record<string, unknown> & { event: string }
}

/** What the test bed knows of one node before it starts it. */
export interface NodeSpec {
  /** `val_i` (staked, i-th smallest address) or `full_j` (unstaked) */
  name: string
  /** the host (namespace) index, 0-based */
  host: number
  /** the host's address on the bridge */
  hostAddress: string
  /** its pocket address */
  address: string
  staked: boolean
  /** argv starting the node in its namespace */
  argv: string[]
}

/**
 * One `pokt-p2p node --control stdin` process in its namespace: its JSON lines (bounded, malformed ones counted),
 * the tail of its stderr, its commands on stdin, and signals. `start()` again after it ended restarts it (same
 * config, so the same key).
 */
export class TestbedNode {
  readonly spec: NodeSpec
  child: ChildProcess | undefined
  /** lines that were not a JSON event, or too long, over every run of the node */
  malformed = 0
  /** the last stderr lines (cut to a few hundred characters) */
  readonly stderrTail: string[] = []
  /** the `started` event of the current run, if it came */
  started: Record<string, unknown> | undefined
  /** how the current run ended; undefined while it runs */
  exit: { code: number | null, signal: NodeJS.Signals | null } | undefined
  /** how many times it was started */
  runs = 0
  /** resolves when the current run's process has exited */
  exited: Promise<void> = Promise.resolve()
  readonly #onEvent: (e: NodeEvent) => void
  readonly #onChange: () => void
  readonly #onExit: (node: TestbedNode) => void

  /**
   * @param onEvent - each JSON event line
   * @param onChange - anything changed (an event, an exit): conditions are checked again
   * @param onExit - a run of the process ended (whoever ended it)
   */
  constructor (spec: NodeSpec, onEvent: (e: NodeEvent) => void, onChange: () => void, onExit: (node: TestbedNode) => void = () => {}) {
    this.spec = spec
    this.#onEvent = onEvent
    this.#onChange = onChange
    this.#onExit = onExit
  }

  get name (): string { return this.spec.name }
  get running (): boolean { return this.child !== undefined && this.exit === undefined }

  /** Spawns the process (its own process group: a terminal's Ctrl-C reaches the test bed, which stops the nodes). */
  start (): void {
    if (this.running) return
    this.started = undefined
    this.exit = undefined
    this.runs++
    const [cmd, ...args] = this.spec.argv as [string, ...string[]]
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    this.child = child
    // a node that died leaves a broken pipe: writes to it must not take the test bed down
    child.stdin?.on('error', () => {})
    this.exited = new Promise<void>(resolve => {
      child.once('error', err => {
        this.#tail(`spawn failed: ${err.message}`)
        this.exit ??= { code: null, signal: null }
        this.#onExit(this)
        this.#onChange()
        resolve()
      })
      child.once('close', (code, signal) => {
        this.exit = { code, signal }
        this.#onExit(this)
        this.#onChange()
        resolve()
      })
    })
    this.#read(child.stdout, 'out')
    this.#read(child.stderr, 'err')
  }

  #read (stream: NodeJS.ReadableStream | null, which: 'out' | 'err'): void {
    if (stream === null) return
    const splitter = new LineSplitter(l => {
      if ('tooLong' in l) { this.malformed++; return }
      const { line } = l
      if (which === 'err') this.#tail(line)
      const record = parseEventLine(line)
      if (record === undefined) {
        if (line.trim() !== '') this.malformed++
        return
      }
      if (record.event === 'started') this.started = record
      this.#onEvent({ node: this, stream: which, record })
      this.#onChange()
    }, MAX_LINE_BYTES)
    stream.on('data', (chunk: Buffer | string) => { splitter.push(chunk) })
    stream.on('end', () => { splitter.end() })
  }

  #tail (line: string): void {
    this.stderrTail.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS)}…` : line)
    if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift()
  }

  /** Writes one control command (contract 1); false when the process is not running. */
  send (command: Record<string, unknown>): boolean {
    if (!this.running || this.child?.stdin === null || this.child?.stdin === undefined) return false
    this.child.stdin.write(JSON.stringify(command) + '\n')
    return true
  }

  /** Sends a signal to the process (the node itself: `ip netns exec` execs it). */
  signal (sig: NodeJS.Signals): void {
    if (!this.running || this.child?.pid === undefined) return
    try { process.kill(this.child.pid, sig) } catch { /* gone already */ }
  }

  /**
   * Stops the node: SIGCONT (a frozen node cannot handle SIGTERM), SIGTERM, then SIGKILL if it has not exited
   * within `graceMs`.
   */
  async stop (graceMs: number): Promise<void> {
    if (!this.running) return
    this.signal('SIGCONT')
    this.signal('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const gone = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(false) }, graceMs) })
    ])
    clearTimeout(timer)
    if (!gone) {
      this.signal('SIGKILL')
      await this.exited
    }
  }
}
