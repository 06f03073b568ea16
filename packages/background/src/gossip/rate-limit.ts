/**
 * Per-key token buckets, bounded: at most `maxKeys` keys are tracked; past that the least recently used key is
 * forgotten (it comes back with a full bucket: a spammer that could make the node forget it would need `maxKeys`
 * other keys, each also limited). @libp2p/utils' `RateLimiter` was not used: it keeps a timer per key and counts in
 * fixed windows of whole seconds, so a burst straddling two windows passes twice the limit.
 */
export class TokenBuckets {
  readonly #ratePerMs: number
  readonly #burst: number
  readonly #maxKeys: number
  readonly #now: () => number
  /** tokens left and when they were counted, least recently used first */
  readonly #buckets = new Map<string, { tokens: number, at: number }>()

  /**
   * @param ratePerSecond - tokens added per second (`Infinity`: every take succeeds, nothing is tracked)
   * @param burst - bucket size: takes allowed at once after a quiet period
   * @param maxKeys - keys tracked at most
   * @param now - the clock, in ms (tests pass their own)
   */
  constructor (ratePerSecond: number, burst: number, maxKeys: number, now: () => number = () => performance.now()) {
    this.#ratePerMs = ratePerSecond / 1000
    this.#burst = burst
    this.#maxKeys = maxKeys
    this.#now = now
  }

  /** Takes one token for `key`: `true` when there was one (the action is allowed), `false` when over the limit. */
  take (key: string): boolean {
    if (this.#ratePerMs === Infinity) return true
    const now = this.#now()
    const bucket = this.#buckets.get(key)
    let tokens = this.#burst
    if (bucket !== undefined) {
      this.#buckets.delete(key) // re-inserted below: the most recently used
      tokens = Math.min(this.#burst, bucket.tokens + Math.max(0, now - bucket.at) * this.#ratePerMs)
    }
    const allowed = tokens >= 1
    this.#buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now })
    if (this.#buckets.size > this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string)
    return allowed
  }

  /** Keys tracked now. */
  get size (): number {
    return this.#buckets.size
  }
}

/**
 * Per-key penalties that halve every `halfLifeMs`, bounded like {@link TokenBuckets} (least recently penalised
 * forgotten first). The background router gives gossipsub `-value` as a peer's application-specific score.
 */
export class DecayingPenalties {
  readonly #halfLifeMs: number
  readonly #maxKeys: number
  readonly #now: () => number
  readonly #values = new Map<string, { value: number, at: number }>()

  /**
   * @param halfLifeMs - time for a penalty to halve
   * @param maxKeys - keys tracked at most
   * @param now - the clock, in ms
   */
  constructor (halfLifeMs: number, maxKeys: number, now: () => number = () => performance.now()) {
    this.#halfLifeMs = halfLifeMs
    this.#maxKeys = maxKeys
    this.#now = now
  }

  /** Adds `amount` to `key`'s penalty. */
  add (key: string, amount = 1): void {
    const value = this.get(key) + amount
    this.#values.delete(key)
    this.#values.set(key, { value, at: this.#now() })
    if (this.#values.size > this.#maxKeys) this.#values.delete(this.#values.keys().next().value as string)
  }

  /** `key`'s penalty now (0 when it has none). */
  get (key: string): number {
    const entry = this.#values.get(key)
    if (entry === undefined) return 0
    return entry.value * Math.pow(2, -Math.max(0, this.#now() - entry.at) / this.#halfLifeMs)
  }
}
