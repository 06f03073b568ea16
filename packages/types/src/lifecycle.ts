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

type State = 'stopped' | 'starting' | 'started' | 'stopping'

/**
 * The one start/stop pattern of every Pocket P2P service: idempotent and safe under concurrent calls.
 *
 * - `start()` while starting shares that start; while stopping, it waits for the stop and then starts.
 * - `stop()` while starting cancels the start (its signal aborts), waits for it to unwind, then stops; the cancelled
 *   `start()` resolves with the component stopped, since its caller's intent was superseded by the stop.
 * - A start that throws is cleaned up with the stop hook, and its error reaches every caller waiting on it.
 */
export class Lifecycle {
  readonly #hooks: LifecycleHooks
  #state: State = 'stopped'
  #starting: Promise<void> = Promise.resolve()
  #stopping: Promise<void> = Promise.resolve()
  #cancel: AbortController | undefined

  /** @param hooks - the component's start and stop */
  constructor (hooks: LifecycleHooks) {
    this.#hooks = hooks
  }

  /** True from the end of a successful start to the beginning of the next stop. */
  isStarted (): boolean {
    return this.#state === 'started'
  }

  /** The current state, for diagnostics. */
  get state (): State {
    return this.#state
  }

  /** Starts the component (see the class description for concurrent calls). */
  async start (): Promise<void> {
    for (;;) {
      if (this.#state === 'started') return
      if (this.#state === 'starting') return await this.#starting
      if (this.#state === 'stopping') {
        await this.#stopping.catch(() => {})
        continue
      }
      const cancel = new AbortController()
      this.#cancel = cancel
      this.#state = 'starting'
      this.#starting = this.#runStart(cancel.signal)
      return await this.#starting
    }
  }

  async #runStart (signal: AbortSignal): Promise<void> {
    try {
      await this.#hooks.start({ signal })
    } catch (err) {
      await this.#unwind()
      if (signal.aborted) return
      throw err
    }
    if (signal.aborted) {
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

  /** Stops the component (see the class description for concurrent calls). */
  async stop (): Promise<void> {
    for (;;) {
      if (this.#state === 'stopped') return
      if (this.#state === 'stopping') return await this.#stopping
      if (this.#state === 'starting') {
        this.#cancel?.abort(new NotStartedError('stopped before it finished starting'))
        await this.#starting.catch(() => {})
        continue
      }
      this.#state = 'stopping'
      this.#stopping = this.#hooks.stop().finally(() => { this.#state = 'stopped' })
      return await this.#stopping
    }
  }
}
