import { MessageDeduper, type Address, type Any, type Logger, type Router, type TypedEvents } from '@pokt-p2p/types'
import type { P2PEvents } from './events.js'
import type { P2PMetrics } from './metrics.js'

/** What {@link Inbound} reports to. */
export interface InboundComponents {
  /** where `message`, `duplicate` and `invalid` go */
  events: TypedEvents<P2PEvents>
  /** the module's figures */
  metrics: P2PMetrics
  /** the module's log (`pokt:p2p`) */
  log: Logger
}

/**
 * What reaches the application from the routers: each message once. A router checked the envelope
 * (`checkEnvelope`) and put its nonce and content on the `message` event, so nothing is decoded here: this only
 * de-duplicates on the message (nonce and content: a forgery reusing a seen nonce cannot shadow the honest message,
 * see `MessageDeduper`), delivers, and turns each router's `drop` into an `invalid` event.
 */
export class Inbound {
  readonly #deduper: MessageDeduper
  readonly #components: InboundComponents

  /**
   * @param components - where to report
   * @param maxNonces - how many recent distinct messages are always remembered (older ones are forgotten)
   */
  constructor (components: InboundComponents, maxNonces: number) {
    this.#components = components
    this.#deduper = new MessageDeduper(maxNonces)
  }

  /** Listens to `router`'s `message` and `drop` events until `signal` aborts. */
  attach (router: Router, signal: AbortSignal): void {
    router.events.on('message', m => { this.#receive(m.nonce, m.content, m.router, m.from) }, { signal })
    router.events.on('drop', ({ reason, error }) => {
      const { events, metrics, log } = this.#components
      metrics.invalid(router.name)
      log.trace('%s dropped an inbound message: %s (%s)', router.name, reason, error.message)
      events.dispatch('invalid', { router: router.name, error, reason })
    }, { signal })
  }

  /**
   * Records this node's own broadcast, so the copies the routers hand back are duplicates; with
   * `deliver`, hands it to the application once, as from router `self`.
   */
  own (nonce: bigint, content: Any, self: Address, deliver: boolean): void {
    this.#deduper.checkAndInsert(nonce, content)
    if (deliver) this.#deliver(nonce, content, 'self', self)
  }

  #receive (nonce: bigint, content: Any, router: string, from?: Address): void {
    // check and insert are one synchronous call: no other message can interleave
    if (!this.#deduper.checkAndInsert(nonce, content)) {
      this.#components.metrics.duplicate(router)
      this.#components.events.dispatch('duplicate', { nonce, content, router, from })
      return
    }
    this.#deliver(nonce, content, router, from)
  }

  #deliver (nonce: bigint, content: Any, router: string, from?: Address): void {
    this.#components.metrics.delivered(router)
    this.#components.events.dispatch('message', { content, nonce, router, from })
  }
}
