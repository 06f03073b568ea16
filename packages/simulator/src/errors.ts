import { PocketP2PError, type PocketErrorOptions } from '@pokt-p2p/types'

/** A simulation was stopped by its `signal` (e.g. Ctrl-C) before it finished; `cause` is the signal's reason. */
export class SimulationAbortedError extends PocketP2PError {
  static override name = 'SimulationAbortedError'
  /**
   * @param virtualMs - the virtual time the run had reached
   * @param events - events processed until then
   * @param options - `cause`: the signal's reason
   */
  constructor (readonly virtualMs: number, readonly events: number, options?: PocketErrorOptions) {
    super(`simulation aborted at virtual time ${virtualMs} ms after ${events} events`, options)
  }
}
