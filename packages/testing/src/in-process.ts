import {
  DEFAULT_MAX_MESSAGE_BYTES, MessageTooLargeError, NotStartedError, PeerUnreachableError,
  type AbortOptions, type Address, type InboundMessageHandler, type MessageTransport, type Peer, type RemoteSender
} from '@pokt-p2p/types'

/** Options of {@link InProcessNetwork}. */
export interface InProcessNetworkInit {
  /**
   * Largest message accepted, as the libp2p transport's read limit.
   * @default 4_194_304 + 65_536
   */
  maxMessageBytes?: number
}

/**
 * An in-memory network of {@link MessageTransport}s for tests, benchmarks and simulations. Delivery is
 * asynchronous (a macrotask per message) so propagation order resembles a network and stacks stay flat.
 */
export class InProcessNetwork {
  readonly #nodes = new Map<Address, InProcessTransport>()
  readonly #maxMessageBytes: number
  #pending = 0
  #idleWaiters: Array<() => void> = []
  /** Messages and payload bytes delivered so far. */
  readonly stats = {
    /** messages handed to a handler */
    messages: 0,
    /** payload bytes of those messages */
    bytes: 0
  }

  /** @param init - options; `maxMessageBytes` caps each message */

  constructor (init: InProcessNetworkInit = {}) {
    this.#maxMessageBytes = init.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  }

  /** A transport for `self`; it receives messages addressed to `self.address` until closed. */
  createTransport (self: RemoteSender): InProcessTransport {
    // keep only the identity: the sender seen by receivers must not carry whatever else the caller passed
    const t = new InProcessTransport(this, { address: self.address, publicKey: self.publicKey })
    this.#nodes.set(self.address, t)
    return t
  }

  /** Resolves once no message is in flight and no handler is running. */
  async idle (): Promise<void> {
    if (this.#pending === 0) return
    await new Promise<void>(resolve => this.#idleWaiters.push(resolve))
  }

  /** @internal */
  detach (address: Address, t: InProcessTransport): void {
    if (this.#nodes.get(address) === t) this.#nodes.delete(address)
  }

  /** @internal */
  deliver (from: RemoteSender, peer: Peer, protocol: string, bytes: Uint8Array): void {
    if (bytes.length > this.#maxMessageBytes) {
      throw new MessageTooLargeError(bytes.length, this.#maxMessageBytes)
    }
    const target = this.#nodes.get(peer.address)
    if (target === undefined) throw new PeerUnreachableError(peer.address, 'no in-process node with that address')
    const handler = target.handlerFor(protocol)
    if (handler === undefined) throw new PeerUnreachableError(peer.address, `protocol ${protocol} not supported`)
    const copy = bytes.slice()
    this.#pending++
    setImmediate(() => {
      this.stats.messages++
      this.stats.bytes += copy.length
      let result: void | Promise<void>
      try {
        result = handler(copy, from)
      } catch {
        result = undefined
      }
      void Promise.resolve(result).catch(() => {}).finally(() => { this.#settle() })
    })
  }

  #settle (): void {
    this.#pending--
    if (this.#pending === 0) {
      const waiters = this.#idleWaiters
      this.#idleWaiters = []
      for (const w of waiters) w()
    }
  }
}

/** One node's endpoint on an {@link InProcessNetwork}. */
export class InProcessTransport implements MessageTransport {
  readonly #handlers = new Map<string, InboundMessageHandler>()
  #closed = false

  /**
   * Created by {@link InProcessNetwork.createTransport}.
   * @param network - the network it belongs to
   * @param self - the identity receivers see as the sender
   */
  constructor (private readonly network: InProcessNetwork, readonly self: RemoteSender) {}

  /** `self.address`. */
  get localAddress (): Address {
    return this.self.address
  }

  handle (protocol: string, handler: InboundMessageHandler): void {
    this.#handlers.set(protocol, handler)
  }

  unhandle (protocol: string): void {
    this.#handlers.delete(protocol)
  }

  /** @internal */
  handlerFor (protocol: string): InboundMessageHandler | undefined {
    return this.#closed ? undefined : this.#handlers.get(protocol)
  }

  async sendTo (peer: Peer, protocol: string, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.#closed) throw new NotStartedError('in-process transport is closed')
    this.network.deliver(this.self, peer, protocol, bytes)
  }

  /** Stops receiving; further sends throw. */
  close (): void {
    this.#closed = true
    this.#handlers.clear()
    this.network.detach(this.self.address, this)
  }
}
