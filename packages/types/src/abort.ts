/** Where the combined signal keeps its timeout (a strong reference). */
const TIMEOUT = Symbol('timeout')

/**
 * A signal that aborts when `signal` does or `ms` milliseconds from now, whichever comes first (with the reason of
 * whichever it was: the caller's, or a `TimeoutError` `DOMException`).
 *
 * Use it instead of a bare `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: on Node 20 a timeout signal that
 * nothing else references is garbage collected inside `any`, and the combined signal then never aborts on time (a
 * wait meant to end after a minute waited forever). Here the combined signal holds its timeout.
 */
export function signalWithTimeout (signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms)
  if (signal === undefined) return timeout
  // (`any` is Node ≥ 20.3; this package's type library predates it)
  const any = (AbortSignal as unknown as { any: (signals: AbortSignal[]) => AbortSignal }).any
  const combined = any([signal, timeout]) as AbortSignal & { [TIMEOUT]?: AbortSignal }
  combined[TIMEOUT] = timeout
  return combined
}
