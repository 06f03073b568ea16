import type { Clock, ClockTimer } from '@pokt-p2p/types'
import type { Engine } from './engine.js'

/** A timer of a {@link VirtualClock}: its callback until it fires or is cleared (then undefined). */
class VirtualTimer {
  constructor (public callback: (() => void) | undefined) {}
}

/**
 * Virtual time for components that take a `clock` (`@pokt-p2p/types` `Clock`): `now()` is the engine's virtual
 * time, which advances only as the engine processes events, and each timer is an engine event. Clearing a timer
 * forgets its callback; the event stays queued and does nothing when due (lazy deletion).
 */
export class VirtualClock implements Clock {
  readonly #engine: Engine

  /** @param engine - the engine whose time this is and whose events the timers are */
  constructor (engine: Engine) {
    this.#engine = engine
  }

  /** The engine's virtual time in ms. */
  now (): number {
    return this.#engine.now
  }

  /**
   * Calls `callback` once, `ms` virtual milliseconds from now (at the current time, after what is already scheduled
   * for it, when `ms` ≤ 0 or is not a number; never synchronously).
   */
  setTimeout (callback: () => void, ms: number): ClockTimer {
    const timer = new VirtualTimer(callback)
    const delay = ms > 0 ? ms : 0
    this.#engine.at(this.#engine.now + delay, () => {
      const cb = timer.callback
      if (cb === undefined) return
      timer.callback = undefined
      cb()
    })
    return timer
  }

  /** Cancels a timer that has not fired; a fired, cleared or foreign timer is ignored. */
  clearTimeout (timer: ClockTimer): void {
    if (timer instanceof VirtualTimer) timer.callback = undefined
  }
}
