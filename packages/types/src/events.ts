/**
 * A typed `EventTarget`: `detail` of each event type is checked at compile time, and the helpers accept an
 * `AbortSignal` so listeners and waits are released with the operation that needed them.
 */
export class TypedEventTarget<EventMap extends Record<string, unknown>> {
  readonly #target = new EventTarget()

  /** `EventTarget.addEventListener`, typed: the listener gets a `CustomEvent` whose `detail` is `EventMap[K]`. */
  addEventListener<K extends keyof EventMap & string> (
    type: K, listener: (event: CustomEvent<EventMap[K]>) => void, options?: Parameters<EventTarget['addEventListener']>[2]
  ): void {
    this.#target.addEventListener(type, listener as EventListener, options)
  }

  /** `EventTarget.removeEventListener`, typed. */
  removeEventListener<K extends keyof EventMap & string> (
    type: K, listener: (event: CustomEvent<EventMap[K]>) => void, options?: Parameters<EventTarget['removeEventListener']>[2]
  ): void {
    this.#target.removeEventListener(type, listener as EventListener, options)
  }

  /** Dispatches `detail` to every listener of `type`. A throwing listener does not stop the others. */
  dispatch<K extends keyof EventMap & string> (type: K, detail: EventMap[K]): void {
    this.#target.dispatchEvent(new CustomEvent(type, { detail }))
  }

  /** Calls `listener` until `signal` aborts; returns a function that removes it earlier. */
  on<K extends keyof EventMap & string> (
    type: K, listener: (detail: EventMap[K]) => void, options: { signal?: AbortSignal } = {}
  ): () => void {
    const wrapped = (event: CustomEvent<EventMap[K]>): void => { listener(event.detail) }
    this.addEventListener(type, wrapped, { signal: options.signal })
    return () => { this.removeEventListener(type, wrapped) }
  }

  /**
   * Resolves with the next event of `type` that satisfies `filter`; rejects with the signal's reason when
   * `signal` aborts first.
   */
  async once<K extends keyof EventMap & string> (
    type: K, options: { signal?: AbortSignal, filter?: (detail: EventMap[K]) => boolean } = {}
  ): Promise<EventMap[K]> {
    const { signal, filter } = options
    signal?.throwIfAborted()
    return await new Promise<EventMap[K]>((resolve, reject) => {
      const onAbort = (): void => {
        this.removeEventListener(type, listener)
        reject(signal?.reason)
      }
      const listener = (event: CustomEvent<EventMap[K]>): void => {
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
