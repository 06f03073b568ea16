// `pokt-p2p node --control stdin`: the command channel a test bed drives a node through (one JSON command a line
// on stdin, one JSON event a line back). The parser and the line splitter are pure, so they are fuzzed directly.
import { DEFAULT_MAX_MESSAGE_BYTES, PocketP2PError } from '@pokt-p2p/types'
import { LineSplitter, type Line } from '../line-splitter.js'

/** The longest command line accepted, in bytes (without its "\n"): a broadcast command needs about 80. */
export const CONTROL_MAX_LINE_BYTES = 4096

/**
 * Commands waiting to run: before `started` every command, afterwards broadcasts (which run one at a time). Beyond
 * this the new command is refused with a `control-error` (the driver is far ahead of the node; dropping the newest
 * keeps the order of the ones accepted).
 */
export const CONTROL_MAX_PENDING = 1024

/**
 * What a copy adds to its payload on the wire, kept free under the node's largest message: the envelope (type URL,
 * nonce), RainTree's fields and the frame header (about 70 bytes measured by `pokt-p2p bench`; reserved twice over).
 */
export const CONTROL_FRAMING_RESERVE_BYTES = 128

/** The largest `bytes` a broadcast command may ask for: the node's largest message less the framing reserve. */
export const CONTROL_MAX_PAYLOAD_BYTES = DEFAULT_MAX_MESSAGE_BYTES - CONTROL_FRAMING_RESERVE_BYTES

/** A broadcast or ping id: 1..64 of `[A-Za-z0-9._-]` (no "\n", so it can head the payload). */
export const CONTROL_ID = /^[A-Za-z0-9._-]{1,64}$/

/** Which router(s) a control broadcast goes through. */
export const CONTROL_ROUTERS = ['both', 'raintree', 'background'] as const
/** `both`: the P2P module's broadcast through every router; `raintree` / `background`: through that router only. */
export type ControlRouter = typeof CONTROL_ROUTERS[number]

/** A parsed `broadcast` command. */
export interface BroadcastCommand {
  /** the command's name */
  cmd: 'broadcast'
  /** names the broadcast; the payload starts with it and "\n" */
  id: string
  /** payload size in bytes */
  bytes: number
  /** the router(s) it goes through */
  router: ControlRouter
}

/** A parsed `ping` command. */
export interface PingCommand {
  /** the command's name */
  cmd: 'ping'
  /** named in the answer (`pong`) */
  id: string
}

/** A valid control command. */
export type ControlCommand = BroadcastCommand | PingCommand

/** A command line was not a valid command; `field` names what was wrong (`(line)` for the line as a whole). */
export class InvalidControlCommandError extends PocketP2PError {
  static override name = 'InvalidControlCommandError'
  /**
   * @param field - the field that was wrong (`cmd`, `id`, `bytes`, `router`, another name, or `(line)`)
   * @param reason - what was wrong with it
   */
  constructor (readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`)
  }
}

/** A command arrived while {@link CONTROL_MAX_PENDING} were already waiting; it was refused. */
export class ControlQueueFullError extends PocketP2PError {
  static override name = 'ControlQueueFullError'
  /** @param max - the queue's bound */
  constructor (readonly max: number) {
    super(`cmd: ${max} commands are already waiting; this one is refused`)
  }
}

/** A broadcast asked for a router this node cannot broadcast through (e.g. `raintree` on an unstaked node). */
export class ControlRouterUnavailableError extends PocketP2PError {
  static override name = 'ControlRouterUnavailableError'
  /**
   * @param router - the router asked for
   * @param reason - why it cannot be used
   */
  constructor (readonly router: string, reason: string) {
    super(`router: ${JSON.stringify(router)} cannot be used: ${reason}`)
  }
}

const FIELDS: Record<ControlCommand['cmd'], ReadonlySet<string>> = {
  broadcast: new Set(['cmd', 'id', 'bytes', 'router']),
  ping: new Set(['cmd', 'id'])
}

const shown = (v: unknown): string => {
  const s = typeof v === 'bigint' ? String(v) : JSON.stringify(v) ?? String(v)
  return s.length > 40 ? `${s.slice(0, 40)}…` : s
}

/**
 * Parses one command line. Pure and total: never throws, returns the command or an
 * {@link InvalidControlCommandError} naming the field that was wrong.
 * @param line - the line without its "\n"
 * @param maxPayloadBytes - the largest broadcast payload accepted (@default CONTROL_MAX_PAYLOAD_BYTES)
 */
export function parseControlLine (line: string, maxPayloadBytes: number = CONTROL_MAX_PAYLOAD_BYTES): ControlCommand | InvalidControlCommandError {
  const fail = (field: string, reason: string): InvalidControlCommandError => new InvalidControlCommandError(field, reason)
  if (Buffer.byteLength(line) > CONTROL_MAX_LINE_BYTES) return fail('(line)', `longer than ${CONTROL_MAX_LINE_BYTES} bytes`)
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch (err) {
    return fail('(line)', `not JSON: ${(err as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('(line)', 'must be a JSON object such as {"cmd":"ping","id":"p1"}')
  const o = json as Record<string, unknown>
  if (!Object.hasOwn(o, 'cmd')) return fail('cmd', 'is required (broadcast or ping)')
  const cmd = o.cmd
  if (cmd !== 'broadcast' && cmd !== 'ping') return fail('cmd', `unknown command ${shown(cmd)} (known: broadcast, ping)`)
  for (const k of Object.keys(o)) if (!FIELDS[cmd].has(k)) return fail(k, `unknown field for ${cmd} (known: ${[...FIELDS[cmd]].join(', ')})`)
  const id = o.id
  if (typeof id !== 'string' || !CONTROL_ID.test(id)) return fail('id', `must be 1..64 characters of [A-Za-z0-9._-], got ${shown(id)}`)
  if (cmd === 'ping') return { cmd, id }
  const router = o.router ?? 'both'
  if (typeof router !== 'string' || !(CONTROL_ROUTERS as readonly string[]).includes(router)) {
    return fail('router', `must be one of ${CONTROL_ROUTERS.join(', ')}, got ${shown(router)}`)
  }
  const bytes = o.bytes
  const min = id.length + 1
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < min || bytes > maxPayloadBytes) {
    return fail('bytes', `must be an integer from ${min} (the id and "\\n") to ${maxPayloadBytes} (the largest message less ${CONTROL_FRAMING_RESERVE_BYTES} bytes of framing), got ${shown(bytes)}`)
  }
  return { cmd, id, bytes, router: router as ControlRouter }
}

/** Wall-clock epoch milliseconds with a sub-millisecond fraction: comparable between processes on one machine. */
export function preciseNow (): number {
  return performance.timeOrigin + performance.now()
}

/** The payload of a control broadcast: UTF-8 of `id + "\n"`, then '.' up to `bytes`. */
export function controlPayload (id: string, bytes: number): Uint8Array {
  const payload = new Uint8Array(bytes).fill(0x2e)
  new TextEncoder().encodeInto(`${id}\n`, payload)
  return payload
}

/** The id a payload starts with (its text before the first "\n", when that is a valid id), else null. */
export function controlPayloadId (payload: Uint8Array): string | null {
  const nl = payload.subarray(0, 65).indexOf(0x0a)
  if (nl < 1) return null
  const id = Buffer.from(payload.subarray(0, nl)).toString('latin1')
  return CONTROL_ID.test(id) ? id : null
}

/** What a {@link ControlChannel} needs from the node. */
export interface ControlChannelInit {
  /** where the commands come from (the process's stdin) */
  input: NodeJS.ReadableStream
  /** writes one event line on stdout */
  out: (record: Record<string, unknown>) => void
  /** writes one event line on stderr */
  log: (record: Record<string, unknown>) => void
  /** runs one broadcast; its errors are reported by it (a rejection is reported as `send-failed`) */
  broadcast: (command: BroadcastCommand, line: string) => Promise<void>
  /** stops reading and drops what waits when it aborts (the node's stop signal) */
  signal: AbortSignal
}

/**
 * Reads commands from `input` from the start, holds them (in order, at most {@link CONTROL_MAX_PENDING}) until
 * {@link ControlChannel.ready} and then runs them: a ping at once, broadcasts one at a time in arrival order. The
 * input's end does not stop anything (the signals stop the node); the signal stops the reading and releases the
 * input, so an open stdin never keeps the process alive.
 */
export class ControlChannel {
  readonly #init: ControlChannelInit
  readonly #splitter: LineSplitter
  /** commands before `ready`, then waiting broadcasts */
  #waiting: Array<{ command: ControlCommand, line: string }> = []
  #ready = false
  #running = false
  /** settles when the broadcast loop has nothing left to do */
  #idle: Promise<void> = Promise.resolve()

  constructor (init: ControlChannelInit) {
    this.#init = init
    this.#splitter = new LineSplitter(l => { this.#line(l) }, CONTROL_MAX_LINE_BYTES)
    const { input, signal } = init
    const onData = (chunk: Buffer | string): void => { this.#splitter.push(chunk) }
    const onEnd = (): void => { this.#splitter.end() }
    const onError = (err: Error): void => { init.log({ event: 'control-error', error: `(input): ${err.message}`, line: '' }) }
    input.on('data', onData)
    input.on('end', onEnd)
    input.on('error', onError)
    signal.addEventListener('abort', () => {
      input.off('data', onData)
      input.off('end', onEnd)
      // a destroyed stream no longer holds the event loop (a paused stdin pipe may)
      const destroyable = input as NodeJS.ReadableStream & { destroy?: () => void }
      destroyable.destroy?.()
      this.#waiting = []
    }, { once: true })
  }

  /** The node has started: run what waited, and from now on each command as it comes. */
  ready (): void {
    if (this.#ready) return
    this.#ready = true
    const waiting = this.#waiting
    this.#waiting = []
    for (const w of waiting) this.#run(w.command, w.line)
  }

  /** Resolves when no broadcast runs or waits (for a clean stop). */
  async idle (): Promise<void> {
    await this.#idle
  }

  #error (error: Error, line: string): void {
    this.#init.log({ event: 'control-error', error: error.message, line: line.slice(0, 200) })
  }

  #line (l: Line): void {
    if (this.#init.signal.aborted) return
    if ('tooLong' in l) { this.#error(l.tooLong, l.head); return }
    if (l.line.trim() === '') return // blank lines (e.g. a trailing "\n\n") are not commands
    const parsed = parseControlLine(l.line)
    if (parsed instanceof Error) { this.#error(parsed, l.line); return }
    if (!this.#ready) {
      if (this.#waiting.length >= CONTROL_MAX_PENDING) { this.#error(new ControlQueueFullError(CONTROL_MAX_PENDING), l.line); return }
      this.#waiting.push({ command: parsed, line: l.line })
      return
    }
    this.#run(parsed, l.line)
  }

  #run (command: ControlCommand, line: string): void {
    if (command.cmd === 'ping') { this.#init.out({ event: 'pong', id: command.id, at: preciseNow() }); return }
    if (this.#waiting.length >= CONTROL_MAX_PENDING) { this.#error(new ControlQueueFullError(CONTROL_MAX_PENDING), line); return }
    this.#waiting.push({ command, line })
    if (!this.#running) this.#idle = this.#drain()
  }

  async #drain (): Promise<void> {
    this.#running = true
    try {
      for (let next = this.#waiting.shift(); next !== undefined && !this.#init.signal.aborted; next = this.#waiting.shift()) {
        const command = next.command as BroadcastCommand
        try {
          await this.#init.broadcast(command, next.line)
        } catch (err) {
          if (this.#init.signal.aborted) break
          if (err instanceof ControlRouterUnavailableError) { this.#error(err, next.line); continue }
          this.#init.log({ event: 'send-failed', id: command.id, router: command.router, to: null, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
        }
      }
    } finally {
      this.#running = false
    }
  }
}
