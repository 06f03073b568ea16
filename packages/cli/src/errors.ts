import { PocketP2PError } from '@pokt-p2p/types'

/** A command-line argument is missing or invalid; the message names it. Exit status 2. */
export class UsageError extends PocketP2PError {
  static override name = 'UsageError'
}

/** The signals the CLI stops on, with their numbers (exit status 128 + number, as a shell reports it). */
export const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const
/** A signal the CLI stops on: `SIGINT` or `SIGTERM`. */
export type StopSignal = keyof typeof SIGNAL_NUMBERS

/**
 * The command was stopped by a signal (the abort reason of `CommandContext.signal` in the binary). The command has
 * released what it opened; the process exits with {@link InterruptedError.exitCode}: 130 for SIGINT, 143 for SIGTERM.
 */
export class InterruptedError extends PocketP2PError {
  static override name = 'InterruptedError'
  /** @param signal - the signal that stopped the command */
  constructor (readonly signal: StopSignal) {
    super(`interrupted by ${signal}`)
  }

  /** The process exit status: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). */
  get exitCode (): number {
    return 128 + SIGNAL_NUMBERS[this.signal]
  }
}

/** The exit status for a command stopped through its abort signal: 128 + signal number, 130 when unknown. */
export function interruptedExitCode (reason: unknown): number {
  return reason instanceof InterruptedError ? reason.exitCode : 128 + SIGNAL_NUMBERS.SIGINT
}

/** A port the command must listen on is taken by another process. */
export class PortInUseError extends PocketP2PError {
  static override name = 'PortInUseError'
  /**
   * @param host - the host the command tried to listen on
   * @param port - the port that is taken
   * @param what - what needed the port (e.g. the config field), for the message
   * @param options - `cause`: the listen error
   */
  constructor (readonly host: string, readonly port: number, readonly what: string, options?: { cause?: unknown }) {
    super(`${what}: port ${port} on ${host} is already in use by another process`, options)
  }
}

/**
 * The address an error (or one of its causes) failed to listen on because it was in use, from the error code or,
 * for libp2p's listen errors (which keep only the text), the message. `undefined` for any other error.
 */
export function addressInUse (err: unknown): { host: string, port: number } | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { code?: unknown, address?: unknown, port?: unknown, message?: unknown, errors?: unknown }
    if (x.code === 'EADDRINUSE' && typeof x.port === 'number') return { host: String(x.address ?? ''), port: x.port }
    const m = /EADDRINUSE[^\n]*?in use (\S+):(\d+)/.exec(String(x.message ?? ''))
    if (m !== null) return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port: Number(m[2]) }
    if (Array.isArray(x.errors)) {
      for (const sub of x.errors) {
        const found = addressInUse(sub)
        if (found !== undefined) return found
      }
    }
  }
  return undefined
}

/** Two ports the command must listen on are the same (e.g. `p2p.port` and `rpc.port`): one of them cannot be had. */
export class PortConflictError extends PocketP2PError {
  static override name = 'PortConflictError'
  /**
   * @param port - the port claimed twice
   * @param first - what claimed it first (e.g. the config field)
   * @param second - what claimed it again
   */
  constructor (readonly port: number, readonly first: string, readonly second: string) {
    super(`${second}: port ${port} is also ${first}; give them different ports`)
  }
}

/** A port the command must listen on cannot be listened on for another reason than being in use (e.g. EACCES, EADDRNOTAVAIL). */
export class PortUnavailableError extends PocketP2PError {
  static override name = 'PortUnavailableError'
  /**
   * @param host - the host it tried to listen on
   * @param port - the port
   * @param what - what needed the port (e.g. the config field), for the message
   * @param reason - the system's reason
   * @param options - `cause`: the listen error
   */
  constructor (readonly host: string, readonly port: number, readonly what: string, reason: string, options?: { cause?: unknown }) {
    super(`${what}: cannot listen on port ${port} on ${host}: ${reason}`, options)
  }
}

/**
 * The multi-process test bed cannot run on this machine; `reason` says why (not root, `ip` missing, network
 * namespaces cannot be created) and what to do about it.
 */
export class TestbedUnavailableError extends PocketP2PError {
  static override name = 'TestbedUnavailableError'
  /**
   * @param reason - why the test bed cannot run, as a sentence for the user
   * @param options - `cause`: the underlying error
   */
  constructor (readonly reason: string, options?: { cause?: unknown }) {
    super(`test bed unavailable: ${reason}`, options)
  }
}

/** A command the test bed ran to set up or remove its network (`ip`, `tc`) failed, timed out or could not start. */
export class TestbedCommandError extends PocketP2PError {
  static override name = 'TestbedCommandError'
  /**
   * @param argv - the command line that failed (program first)
   * @param exitCode - its exit status; `null` when it did not exit by itself (not found, timed out, killed)
   * @param stderr - what it wrote to stderr (trimmed), or why it did not run
   * @param options - `cause`: the underlying error
   */
  constructor (readonly argv: string[], readonly exitCode: number | null, readonly stderr: string, options?: { cause?: unknown }) {
    super(`\`${argv.join(' ')}\` failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${stderr === '' ? '(no output)' : stderr}`, options)
  }
}

/**
 * Another process's test bed is running on this machine (its names would clash: every test bed uses the same
 * prefix). Wait for it to end, or stop it; `pid` is the process that made it.
 */
export class TestbedBusyError extends PocketP2PError {
  static override name = 'TestbedBusyError'
  /**
   * @param pid - the process that made the running test bed
   * @param lockFile - the file that records it
   */
  constructor (readonly pid: number, readonly lockFile: string) {
    super(`another test bed is running on this machine (process ${pid}, recorded in ${lockFile}); wait for it to end or stop it`)
  }
}
