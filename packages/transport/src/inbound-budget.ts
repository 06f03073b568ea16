import { InboundBudgetExceededError } from './errors.js'

/**
 * The node-wide budget of bytes held by unfinished inbound messages, shared by every stream of a transport. Each
 * message being read holds a {@link BudgetHold} that grows as its bytes arrive and is released once the message is
 * delivered or refused. A message whose next bytes would pass the budget is refused (its stream reset) instead of
 * waiting: waiting would keep its bytes, and a peer that never finishes would hold them for good.
 *
 * Two classes of holders: priority ones (e.g. staked peers) may use the whole budget; the others together at most
 * `maxBytes − priorityBytes`, so outsiders cannot starve priority peers.
 */
export class InboundBudget {
  /** the whole budget */
  readonly maxBytes: number
  /** the part only priority holders may use */
  readonly priorityBytes: number
  #used = 0
  #usedByOthers = 0
  #peak = 0

  /**
   * @param maxBytes - the whole budget (Infinity: none)
   * @param priorityBytes - the part held for priority holders (0: none), at most `maxBytes`
   */
  constructor (maxBytes: number, priorityBytes: number) {
    this.maxBytes = maxBytes
    this.priorityBytes = Math.min(priorityBytes, maxBytes)
  }

  /** Bytes held now by all unfinished inbound messages. */
  get used (): number {
    return this.#used
  }

  /** The most bytes ever held at once (for tests and benchmarks). */
  get peak (): number {
    return this.#peak
  }

  /** A new, empty hold for one message; `priority` chooses the share it draws from. */
  hold (priority: boolean): BudgetHold {
    return new BudgetHold(this, priority)
  }

  /** @internal takes `n` bytes, or throws without taking any */
  take (n: number, priority: boolean): void {
    if (this.#used + n > this.maxBytes) throw new InboundBudgetExceededError(n, this.#used, this.maxBytes)
    if (!priority) {
      const limit = this.maxBytes - this.priorityBytes
      if (this.#usedByOthers + n > limit) throw new InboundBudgetExceededError(n, this.#usedByOthers, limit)
      this.#usedByOthers += n
    }
    this.#used += n
    if (this.#used > this.#peak) this.#peak = this.#used
  }

  /** @internal gives `n` bytes back */
  give (n: number, priority: boolean): void {
    this.#used -= n
    if (!priority) this.#usedByOthers -= n
  }
}

/** The bytes one inbound message (or one framed stream's buffer) holds of an {@link InboundBudget}. */
export class BudgetHold {
  readonly #budget: InboundBudget
  readonly #priority: boolean
  #held = 0

  constructor (budget: InboundBudget, priority: boolean) {
    this.#budget = budget
    this.#priority = priority
  }

  /** Bytes held. */
  get held (): number {
    return this.#held
  }

  /**
   * Makes the hold exactly `bytes` (growing or shrinking it).
   * @throws {InboundBudgetExceededError} growing it would pass the budget; the hold is unchanged
   */
  set (bytes: number): void {
    const delta = bytes - this.#held
    if (delta > 0) this.#budget.take(delta, this.#priority)
    else if (delta < 0) this.#budget.give(-delta, this.#priority)
    this.#held = bytes
  }

  /** Gives every byte back (idempotent). */
  release (): void {
    this.set(0)
  }
}
