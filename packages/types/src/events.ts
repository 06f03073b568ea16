import { TypedEventEmitter } from 'main-event'

/** The event map libp2p's `TypedEventTarget` expects (type → `CustomEvent`), made from a map of type → `detail`. */
export type CustomEventMap<Details extends Record<string, unknown>> = { [K in keyof Details]: CustomEvent<Details[K]> }

/**
 * libp2p's `TypedEventEmitter` (from `main-event`) keyed by each event's `detail` type, with three helpers that
 * take an `AbortSignal`, so listeners and waits end with the operation that needed them. It is a libp2p
 * `TypedEventTarget`: anything that works with libp2p's events works with these.
 */
export class TypedEvents<Details extends Record<string, unknown>> extends TypedEventEmitter<CustomEventMap<Details>> {
  /** Dispatches `detail` to every listener of `type`. A throwing listener does not stop the others. */
  dispatch<K extends keyof Details & string> (type: K, detail: Details[K]): void {
    this.safeDispatchEvent(type, { detail })
  }

  /** Calls `listener` with each event's `detail` until `signal` aborts; returns a function that removes it earlier. */
  on<K extends keyof Details & string> (
    type: K, listener: (detail: Details[K]) => void, options: { signal?: AbortSignal } = {}
  ): () => void {
    const wrapped = (event: CustomEvent<Details[K]>): void => { listener(event.detail) }
    this.addEventListener(type, wrapped, { signal: options.signal })
    return () => { this.removeEventListener(type, wrapped) }
  }

  /**
   * Resolves with the `detail` of the next event of `type` that satisfies `filter`; rejects with the signal's reason
   * when `signal` aborts first.
   */
  async once<K extends keyof Details & string> (
    type: K, options: { signal?: AbortSignal, filter?: (detail: Details[K]) => boolean } = {}
  ): Promise<Details[K]> {
    const { signal, filter } = options
    signal?.throwIfAborted()
    return await new Promise<Details[K]>((resolve, reject) => {
      const onAbort = (): void => {
        this.removeEventListener(type, listener)
        reject(signal?.reason)
      }
      const listener = (event: CustomEvent<Details[K]>): void => {
        if (filter !== undefined && !filter(event.detail)) return
        this.removeEventListener(type, listener)
        signal?.removeEventListener('abort', onAbort)
        resolve(event.detail)
      }
      this.addEventListener(type, listener)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}
