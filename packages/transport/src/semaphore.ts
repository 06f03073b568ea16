/**
 * Per-key counting semaphore: at most `limit` holders per key; waiters are served in order.
 *
 * Hand-written on purpose: a send holds its slot until the receiver closes the stream, after the send itself has
 * returned, and the limit is per peer. `@libp2p/utils`' `Queue`/`PeerQueue` (and `p-queue`) limit concurrency over
 * the whole queue and free a slot when the job's function returns, so neither fits without a queue per peer and a
 * job kept pending until the close.
 */
export class KeyedSemaphore {
  /** per key: holders, and the waiters in order (made on the first wait: most keys never have one) */
  readonly #slots = new Map<string, Slot>()

  constructor (private readonly limit: number) {}

  /** A release function when a slot for `key` is free now, else `undefined` (nothing is queued). */
  tryAcquire (key: string): (() => void) | undefined {
    let entry = this.#slots.get(key)
    if (entry === undefined) {
      entry = { active: 0, waiters: undefined }
      this.#slots.set(key, entry)
    }
    // a released slot goes to the first waiter directly, so a free slot means nobody is waiting
    if (entry.active >= this.limit) return undefined
    entry.active++
    return this.#releaser(entry, key)
  }

  /** Resolves with a release function once a slot for `key` is free; rejects with the signal's reason on abort. */
  async acquire (key: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted()
    let entry = this.#slots.get(key)
    if (entry === undefined) {
      entry = { active: 0, waiters: undefined }
      this.#slots.set(key, entry)
    }
    const e = entry
    if (e.active < this.limit) {
      e.active++
    } else {
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
        const waiters = e.waiters ??= []
        const onAbort = (): void => {
          const i = waiters.indexOf(wake)
          if (i >= 0) waiters.splice(i, 1)
          reject(signal?.reason)
        }
        waiters.push(wake)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
      // the releaser handed its slot over, so `active` is unchanged
    }
    return this.#releaser(e, key)
  }

  #releaser (e: Slot, key: string): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = e.waiters?.shift()
      if (next !== undefined) {
        next()
        return
      }
      e.active--
      if (e.active === 0) this.#slots.delete(key)
    }
  }

  /** Keys with holders or waiters (for tests). */
  get size (): number {
    return this.#slots.size
  }
}

/** One key of a {@link KeyedSemaphore}. */
interface Slot {
  active: number
  waiters: Array<() => void> | undefined
}
