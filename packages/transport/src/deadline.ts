import { performance } from 'node:perf_hooks'

/**
 * The deadline of one send, and the caller's signal. Its `AbortSignal` (a timer) is made only when the send has to
 * wait for something (a slot, a dial, a negotiation, a drain): a frame written at once on an open stream, the fast
 * path, sets up no timer at all.
 */
export class Deadline {
  /** the send timeout, in ms */
  readonly ms: number
  readonly #end: number
  readonly #caller: AbortSignal | undefined
  #timeout: AbortSignal | undefined
  #signal: AbortSignal | undefined

  /**
   * @param ms - time allowed from now
   * @param caller - the caller's signal, if any
   */
  constructor (ms: number, caller?: AbortSignal) {
    this.ms = ms
    this.#end = performance.now() + ms
    this.#caller = caller
  }

  /** Aborts at the deadline or with the caller's signal (made on first use). */
  get signal (): AbortSignal {
    if (this.#signal === undefined) {
      this.#timeout = AbortSignal.timeout(Math.max(0, Math.ceil(this.#end - performance.now())))
      this.#signal = this.#caller === undefined ? this.#timeout : AbortSignal.any([this.#caller, this.#timeout])
    }
    return this.#signal
  }

  /** The caller's signal aborted. */
  get callerAborted (): boolean {
    return this.#caller?.aborted === true
  }

  /** The caller's signal, when it aborted. */
  get callerReason (): unknown {
    return this.#caller?.reason
  }

  /** The deadline passed. */
  get timedOut (): boolean {
    return this.#timeout?.aborted === true || performance.now() >= this.#end
  }

  /** The send must stop: the caller aborted or the deadline passed. */
  get aborted (): boolean {
    return this.callerAborted || this.timedOut
  }
}
