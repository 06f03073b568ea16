import type { Router } from '@pokt-p2p/types'
import type { P2PModule } from '@pokt-p2p/p2p'

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts; leaves no timer behind. */
export async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(signal.reason) }
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Starts `module` so that an abort of `signal` ends the start promptly: `P2PModule.stop()` waits for a start in
 * progress, and the background router's start lasts until its bootstrap has dialled every initial peer (with
 * retries, ~10 s when a peer is down). On abort this stops the routers the module has created so far, and any it
 * creates later, which ends their bootstrap at once; `start()` then returns and `stop()` can release the rest.
 * Throws the signal's reason when it aborted (the module may then be started: stop it).
 */
export async function startInterruptibly (module: P2PModule, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  const routers: Router[] = []
  const stopRouter = (r: Router): void => { r.stop().catch(() => {}) }
  const offCreated = module.events.on('router:created', ({ router }) => {
    routers.push(router)
    // the router starts right after this event: stopping it now would run before its start, so wait until the
    // start has begun (setImmediate runs after the microtasks that begin it)
    if (signal.aborted) setImmediate(() => { stopRouter(router) })
  })
  const onAbort = (): void => { routers.forEach(stopRouter) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    await module.start()
  } finally {
    offCreated()
    signal.removeEventListener('abort', onAbort)
  }
  signal.throwIfAborted()
}
