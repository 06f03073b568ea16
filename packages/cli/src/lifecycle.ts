import type { Startable } from '@pokt-p2p/types'

/**
 * Starts `service` so that an abort of `signal` ends the start promptly: the P2P module's start waits for the
 * staked set from the providers (RPC bootstrap, with retries) and for its node to listen. On abort
 * this calls `stop()`, which (the `Lifecycle` of every Pocket P2P service) cancels the start in progress, lets it
 * unwind and stops what it set up; `start()` then returns.
 * Throws the signal's reason when it aborted (the service is then stopped, or stopping).
 */
export async function startInterruptibly (service: Startable, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  const onAbort = (): void => { service.stop().catch(() => {}) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    await service.start()
  } catch (err) {
    // a start that failed because it was cancelled: the signal's reason tells why
    signal.throwIfAborted()
    throw err
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  signal.throwIfAborted()
}
