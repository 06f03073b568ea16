import type { Clock, ClockTimer } from '@pokt-p2p/types'

/** A pending timer of a {@link ManualClock}. */
interface ManualTimer { at: number, seq: number, callback: (() => void) | undefined }

/**
 * A `Clock` whose time moves only when the test says so ({@link ManualClock.advance}): give it to routers (and to an
 * `InProcessNetwork`) to test timeouts and delays without depending on how fast a loaded machine runs them. Timers
 * due at the same time fire in the order they were set.
 */
export class ManualClock implements Clock {
  #now = 0
  #seq = 0
  readonly #timers = new Set<ManualTimer>()

  now (): number {
    return this.#now
  }

  setTimeout (callback: () => void, ms: number): ClockTimer {
    const timer: ManualTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback }
    this.#timers.add(timer)
    return timer
  }

  clearTimeout (timer: ClockTimer): void {
    this.#timers.delete(timer as ManualTimer)
  }

  /** Timers set and not yet fired or cleared. */
  get pending (): number {
    return this.#timers.size
  }

  /**
   * Moves time `ms` forward and fires, in time order, every timer due by then (also those that the callbacks set,
   * when due). Callbacks run synchronously, one after another; their promise continuations run afterwards.
   */
  advance (ms: number): void {
    const until = this.#now + ms
    for (;;) {
      let next: ManualTimer | undefined
      for (const t of this.#timers) {
        if (t.at <= until && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      }
      if (next === undefined) break
      this.#timers.delete(next)
      this.#now = Math.max(this.#now, next.at)
      next.callback?.()
    }
    this.#now = until
  }
}
