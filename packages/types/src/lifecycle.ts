import { NotStartedError } from './errors.js'
import type { AbortOptions } from '@libp2p/interface'

/** What a {@link Lifecycle} runs: the component's own start and stop. */
export interface LifecycleHooks {
  /**
   * Starts the component. `signal` aborts when `stop()` is called before the start finished: return (or throw)
   * promptly then. Whatever the start set up is released by `stop`, which runs after a start that failed or was
   * cancelled.
   */
  start: (options: Required<AbortOptions>) => Promise<void>
  /** Releases everything `start` set up, also after a partial start. Must not throw for something never started. */
  stop: () => Promise<void>
}

/** Where a {@link Lifecycle} is: `starting` and `stopping` last while the hooks run. */
export type LifecycleState = 'stopped' | 'starting' | 'started' | 'stopping'

/**
 * The one start/stop pattern of every Pocket P2P service: idempotent and safe under concurrent calls.
 *
 * - `start()` while starting shares that start; while stopping, it waits for the stop and then starts.
 * - `stop()` while starting cancels the start (its signal aborts), waits for it to unwind, then stops; the cancelled
 *   `start()` resolves with the component stopped, since its caller's intent was superseded by the stop.
 * - A start that throws is cleaned up with the stop hook, and its error reaches every caller waiting on it.
 * - The latest call decides: however calls interleave, once they have settled the component is started if the last
 *   call was `start()` (and its start did not fail) and stopped if it was `stop()`. A call overruled by a later call
 *   of the other kind resolves without acting; one followed by a call of the same kind shares that call's outcome.
 */
export class Lifecycle {
  readonly #hooks: LifecycleHooks
  #state: LifecycleState = 'stopped'
  // set when entering 'starting' / 'stopping', and only read in that state (nothing allocated while idle: a
  // simulator holds a million of these)
  #starting: Promise<void> | undefined
  #stopping: Promise<void> | undefined
  /** the start in progress; released once it has settled */
  #attempt: StartAttempt | undefined
  /** counts calls, so that each knows whether a later one was made */
  #ticket = 0
  /** the latest call; read only by a call that a later one superseded, so set by then */
  #latest: { kind: 'start' | 'stop', promise: Promise<void> } | undefined

  /** @param hooks - the component's start and stop */
  constructor (hooks: LifecycleHooks) {
    this.#hooks = hooks
  }

  /** True from the end of a successful start to the beginning of the next stop. */
  isStarted (): boolean {
    return this.#state === 'started'
  }

  /** The current state, for diagnostics. */
  get state (): LifecycleState {
    return this.#state
  }

  /** Starts the component (see the class description for concurrent calls). */
  async start (): Promise<void> {
    return await this.#call('start')
  }

  /** Stops the component (see the class description for concurrent calls). */
  async stop (): Promise<void> {
    return await this.#call('stop')
  }

  #call (kind: 'start' | 'stop'): Promise<void> {
    const ticket = ++this.#ticket
    const promise = kind === 'start' ? this.#start(ticket) : this.#stop(ticket)
    this.#latest = { kind, promise }
    return promise
  }

  /**
   * What a call does once a later call was made: that call decides. One of the other kind overruled this one (it
   * resolves without acting); one of the same kind shares its outcome, following any further calls of that kind.
   */
  async #superseded (kind: 'start' | 'stop'): Promise<void> {
    for (;;) {
      const latest = this.#latest as { kind: 'start' | 'stop', promise: Promise<void> }
      if (latest.kind !== kind) return
      await latest.promise
      if (latest === this.#latest) return
    }
  }

  async #start (ticket: number): Promise<void> {
    for (;;) {
      if (ticket !== this.#ticket) return await this.#superseded('start')
      if (this.#state === 'started') return
      if (this.#state === 'starting') {
        // a start being cancelled by a stop ends stopped: wait for it to unwind, then start again
        if (this.#attempt?.cancelled !== true) return await this.#starting
        await this.#starting?.catch(() => {})
        continue
      }
      if (this.#state === 'stopping') {
        await this.#stopping?.catch(() => {})
        continue
      }
      const attempt = new StartAttempt()
      this.#attempt = attempt
      this.#state = 'starting'
      const starting = this.#runStart(attempt).finally(() => {
        if (this.#attempt === attempt) this.#attempt = undefined
      })
      this.#starting = starting
      return await starting
    }
  }

  async #runStart (attempt: StartAttempt): Promise<void> {
    try {
      await this.#hooks.start(attempt)
    } catch (err) {
      await this.#unwind()
      if (attempt.cancelled) return
      throw err
    }
    if (attempt.cancelled) {
      await this.#unwind()
      return
    }
    this.#state = 'started'
  }

  async #unwind (): Promise<void> {
    this.#state = 'stopping'
    // the start's own error (or its cancellation) is what its callers need to hear about, not the clean-up's
    this.#stopping = this.#hooks.stop().catch(() => {}).finally(() => { this.#state = 'stopped' })
    await this.#stopping
  }

  async #stop (ticket: number): Promise<void> {
    for (;;) {
      if (ticket !== this.#ticket) return await this.#superseded('stop')
      if (this.#state === 'stopped') return
      if (this.#state === 'stopping') return await this.#stopping
      if (this.#state === 'starting') {
        this.#attempt?.cancel(new NotStartedError('stopped before it finished starting'))
        await this.#starting?.catch(() => {})
        continue
      }
      this.#state = 'stopping'
      this.#stopping = this.#hooks.stop().finally(() => { this.#state = 'stopped' })
      return await this.#stopping
    }
  }
}

/**
 * One start: the `{ signal }` its hook is given, with the `AbortController` made only if the hook reads `signal`
 * (most start hooks never do, and a controller is an event target of ~400 bytes that every start would otherwise
 * allocate — a million of them in a simulator).
 */
class StartAttempt implements Required<AbortOptions> {
  #controller: AbortController | undefined
  #reason: unknown
  cancelled = false

  get signal (): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.cancelled) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  cancel (reason: unknown): void {
    if (this.cancelled) return
    this.cancelled = true
    this.#reason = reason
    this.#controller?.abort(reason)
  }
}
