import { DuplicateNonceError, InvalidConfigError } from './errors.js'

/**
 * A bounded FIFO set of nonces (reference `NonceDeduper` over `GenericFIFOSet`): when full, the oldest nonce is
 * evicted. All operations are synchronous, so "check and insert" cannot interleave with another message.
 */
export class NonceDeduper {
  // A JS Set iterates in insertion order, so its first element is the oldest.
  readonly #set = new Set<bigint>()

  /**
   * @param capacity - how many nonces are remembered; the oldest is evicted beyond it
   * @throws {InvalidConfigError} unless `capacity` is an integer ≥ 1
   */
  constructor (readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new InvalidConfigError('maxNonces', `must be an integer >= 1, got ${capacity}`)
    }
  }

  /**
   * Records `nonce` if it is new. Returns true when it was new (deliver the message), false for a duplicate.
   */
  checkAndInsert (nonce: bigint): boolean {
    if (this.#set.has(nonce)) return false
    this.#set.add(nonce)
    if (this.#set.size > this.capacity) {
      const oldest = this.#set.values().next().value as bigint
      this.#set.delete(oldest)
    }
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
