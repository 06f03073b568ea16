import delay from 'delay'
import type { AbortOptions } from '@pokt-p2p/types'

/** Options of {@link waitFor}. */
export interface WaitForOptions extends AbortOptions {
  /** what is awaited, for the error message (a function is called at the time of the error, to show progress) */
  what?: string | (() => string)
  /**
   * Give up after this long. A safety net for a condition that will never hold, not a budget: keep it far above
   * what the condition needs on a loaded machine.
   * @default 120_000
   */
  timeoutMs?: number
  /** How often to check `condition`. @default 10 */
  intervalMs?: number
}

/**
 * Resolves once `condition()` is true (checked at once, then every `intervalMs`); rejects with an error naming
 * `what` after `timeoutMs`, or with the signal's reason when it aborts.
 */
export async function waitFor (condition: () => boolean, options: WaitForOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 120_000
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    options.signal?.throwIfAborted()
    if (performance.now() > deadline) {
      const what = typeof options.what === 'function' ? options.what() : options.what ?? 'a condition'
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    }
    await delay(options.intervalMs ?? 10, { signal: options.signal })
  }
}
