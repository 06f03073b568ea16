import { DuplicateNonceError, InvalidConfigError } from './errors.js'
import { MAX_DEDUP_WINDOW } from './message-deduper.js'

/**
 * A bounded FIFO set of nonces (reference `NonceDeduper` over `GenericFIFOSet`): when full, the oldest nonce is
 * evicted. All operations are synchronous, so "check and insert" cannot interleave with another message. Exact, so
 * it costs ~50 bytes per nonce: the routers use it for small bookkeeping; the module de-duplicates deliveries with
 * the {@link MessageDeduper} instead.
 */
export class NonceDeduper {
  // A JS Set iterates in insertion order, so its first element is the oldest.
  readonly #set = new Set<bigint>()

  /**
   * @param capacity - how many nonces are remembered; the oldest is evicted beyond it
   * @throws {InvalidConfigError} unless `capacity` is an integer in [1, 2^24] (a JS `Set` holds at most 2^24)
   */
  constructor (readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_DEDUP_WINDOW) {
      throw new InvalidConfigError('maxNonces', `must be an integer in [1, ${MAX_DEDUP_WINDOW}], got ${capacity}`)
    }
  }

  /**
   * Records `nonce` if it is new. Returns true when it was new (deliver the message), false for a duplicate.
   */
  checkAndInsert (nonce: bigint): boolean {
    if (this.#set.has(nonce)) return false
    // evict before adding: the Set never exceeds `capacity`, so a capacity of 2^24 cannot hit the Set's own limit
    if (this.#set.size >= this.capacity) {
      const oldest = this.#set.values().next().value as bigint
      this.#set.delete(oldest)
    }
    this.#set.add(nonce)
    return true
  }

  /** @throws {DuplicateNonceError} if already present */
  push (nonce: bigint): void {
    if (!this.checkAndInsert(nonce)) throw new DuplicateNonceError(nonce)
  }

  /** Whether `nonce` is remembered. */
  contains (nonce: bigint): boolean {
    return this.#set.has(nonce)
  }

  /** Forgets `nonce`; returns true when it was there. */
  remove (nonce: bigint): boolean {
    return this.#set.delete(nonce)
  }

  /** Forgets every nonce. */
  clear (): void {
    this.#set.clear()
  }

  /** How many nonces are remembered (at most `capacity`). */
  get size (): number {
    return this.#set.size
  }

  /** Oldest first. */
  values (): bigint[] {
    return [...this.#set]
  }
}
