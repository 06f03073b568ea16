import type {
  AbortOptions, Address, Clock, ClockTimer, InboundMessageHandler, MessageTransport, Peer
} from '@pokt-p2p/types'
import type { SimulatedNetwork } from './network.js'

/**
 * One node's endpoint on a {@link SimulatedNetwork}: a `MessageTransport` whose messages travel in virtual time
 * through the network's link and fault model, and the node's `Clock` (virtual time; a crashed node's timers never
 * fire). A few fields per node: one handler (a `Map` only for a node that registers a second protocol).
 * Messages are handed over without copying: bytes are immutable by convention.
 */
export class SimulatedTransport implements MessageTransport, Clock {
  /** The node's index in the network (its rank in address order). */
  readonly node: number
  readonly #network: SimulatedNetwork
  #protocol: string | undefined = undefined
  /** a second protocol served by the same handler (a router's stream and reference protocols): no Map for it */
  #alsoProtocol: string | undefined = undefined
  #handler: InboundMessageHandler | undefined = undefined
  #others: Map<string, InboundMessageHandler> | undefined = undefined

  /**
   * Made by {@link SimulatedNetwork.transport}.
   * @param network - the network
   * @param node - the node's index
   */
  constructor (network: SimulatedNetwork, node: number) {
    this.#network = network
    this.node = node
  }

  /** The node's pocket address. */
  get localAddress (): Address {
    return this.#network.peer(this.node).address
  }

  handle (protocol: string, handler: InboundMessageHandler): void {
    if (this.#protocol === undefined || this.#protocol === protocol) {
      // the protocol sharing the old handler keeps it
      if (this.#alsoProtocol !== undefined && this.#handler !== undefined && handler !== this.#handler) {
        (this.#others ??= new Map()).set(this.#alsoProtocol, this.#handler)
        this.#alsoProtocol = undefined
      }
      this.#protocol = protocol
      this.#handler = handler
      return
    }
    if (handler === this.#handler && (this.#alsoProtocol === undefined || this.#alsoProtocol === protocol)) {
      this.#alsoProtocol = protocol
      this.#others?.delete(protocol)
      return
    }
    if (this.#alsoProtocol === protocol) this.#alsoProtocol = undefined
    this.#others ??= new Map()
    this.#others.set(protocol, handler)
  }

  unhandle (protocol: string): void {
    if (this.#alsoProtocol === protocol) {
      this.#alsoProtocol = undefined
      return
    }
    if (this.#protocol === protocol) {
      if (this.#alsoProtocol !== undefined) {
        this.#protocol = this.#alsoProtocol
        this.#alsoProtocol = undefined
        return
      }
      this.#protocol = undefined
      this.#handler = undefined
      if (this.#others !== undefined && this.#others.size > 0) {
        const [p, h] = this.#others.entries().next().value as [string, InboundMessageHandler]
        this.#others.delete(p)
        this.#protocol = p
        this.#handler = h
      }
      return
    }
    this.#others?.delete(protocol)
  }

  /** The handler of `protocol`, if any. */
  handlerFor (protocol: string): InboundMessageHandler | undefined {
    if (protocol === this.#protocol || protocol === this.#alsoProtocol) return this.#handler
    return this.#others?.get(protocol)
  }

  /**
   * Sends `bytes` to `peer` in virtual time: resolves when the message has left this node's uplink (at once with
   * unlimited upload); rejects with `PeerUnreachableError` one round trip later when the peer is dead, crashed or
   * not in the network, or handles none of `protocols`. A lost message resolves like a delivered one. Resolves with
   * the protocol taken: the first of `protocols` the receiver handles. A crashed node's sends never settle.
   */
  sendTo (peer: Peer, protocols: string | readonly string[], bytes: Uint8Array, options?: AbortOptions): Promise<string> {
    return this.#network.send(this.node, peer, protocols, bytes, options)
  }

  /** The virtual time in ms. */
  now (): number {
    return this.#network.engine.now
  }

  /** Calls `callback` `ms` virtual ms from now, unless this node has crashed by then. */
  setTimeout (callback: () => void, ms: number): ClockTimer {
    const network = this.#network
    const node = this.node
    return network.clock.setTimeout(() => { if (network.isUp(node)) callback() }, ms)
  }

  /** Cancels a timer that has not fired. */
  clearTimeout (timer: ClockTimer): void {
    this.#network.clock.clearTimeout(timer)
  }
}
