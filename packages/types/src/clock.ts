/** An opaque handle returned by {@link Clock.setTimeout}, to pass to {@link Clock.clearTimeout}. */
export type ClockTimer = unknown

/**
 * Where a component takes time from: the current time and timers. Components that need time take a `clock`
 * component defaulting to {@link systemClock}; a simulator passes a virtual clock instead, so the same code runs
 * at a million nodes in virtual time, deterministically.
 */
export interface Clock {
  /** milliseconds since an arbitrary origin; never decreases */
  now: () => number
  /** calls `callback` once, `ms` milliseconds from now (at once for `ms` ≤ 0, but never synchronously) */
  setTimeout: (callback: () => void, ms: number) => ClockTimer
  /** cancels a timer that has not fired; a fired or unknown timer is ignored */
  clearTimeout: (timer: ClockTimer) => void
}

/** Real time: `performance.now()` and the host's timers (which keep the process alive until they fire). */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout: (callback: () => void, ms: number): ClockTimer => setTimeout(callback, ms),
  clearTimeout: (timer: ClockTimer) => { clearTimeout(timer as ReturnType<typeof setTimeout>) }
})
