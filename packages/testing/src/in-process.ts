import {
  DEFAULT_MAX_MESSAGE_BYTES, InvalidConfigError, MessageTooLargeError, NotStartedError, PeerUnreachableError, systemClock,
  type AbortOptions, type Address, type Clock, type InboundMessageHandler, type MessageTransport, type Peer,
  type RemoteSender
} from '@pokt-p2p/types'

/** Options of {@link InProcessNetwork}. */
export interface InProcessNetworkInit {
  /**
   * Largest message accepted, as the libp2p transport's read limit.
   * @default 4_194_304 + 65_536
   */
  maxMessageBytes?: number
  /**
   * Where delayed deliveries take their timers from (see `latencyMs`). Pass the simulator's virtual clock to run
   * the network in virtual time: a message then arrives exactly at `clock.now() + latency` of its send.
   * @default systemClock
   */
  clock?: Clock
  /**
   * One-way delay of each message in milliseconds: a number for every link, or a function of the link, called
   * once per message with the sender's and the receiver's addresses. Links are pipelined: each message is delayed
   * independently through `clock.setTimeout`, so a burst of k messages arrives `latency` later, not k × `latency`
   * (messages on one link with the same latency arrive in the order sent; different latencies may reorder them).
   * A latency of 0 delivers on the next macrotask (`setImmediate`) without the clock, as with no latency at all.
   * A message whose receiver closed, or stopped handling the protocol, while it was in flight is lost silently.
   * @throws {InvalidConfigError} (from the constructor) unless it is a finite number ≥ 0 or a function; a
   *   function's result that is not a finite number ≥ 0 fails that send with an `InvalidConfigError` naming it
   * @default 0
   */
  latencyMs?: number | ((from: Address, to: Address) => number)
}

/** Whether `ms` is a latency: a finite number ≥ 0. */
function isLatency (ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0
}

/** `value` for an error message: a number as is, anything else with its type. */
function shown (value: unknown): string {
  return typeof value === 'number' ? String(value) : `${typeof value} ${String(value)}`
}

/**
 * An in-memory network of {@link MessageTransport}s for tests, benchmarks and simulations. Delivery is
 * asynchronous (a macrotask per message) so propagation order resembles a network and stacks stay flat; with
 * `latencyMs` each message is delayed by that one-way latency, through `clock`.
 */
export class InProcessNetwork {
  readonly #nodes = new Map<Address, InProcessTransport>()
  readonly #maxMessageBytes: number
  readonly #clock: Clock
  readonly #latency: (from: Address, to: Address) => number
  #pending = 0
  #idleWaiters: Array<() => void> = []
  /** Messages and payload bytes delivered so far. */
  readonly stats = {
    /** messages handed to a handler */
    messages: 0,
    /** payload bytes of those messages */
    bytes: 0
  }

  /**
   * @param init - options; `maxMessageBytes` caps each message, `latencyMs` delays each one through `clock`
   * @throws {InvalidConfigError} when `latencyMs` is neither a finite number ≥ 0 nor a function
   */
  constructor (init: InProcessNetworkInit = {}) {
    this.#maxMessageBytes = init.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    this.#clock = init.clock ?? systemClock
    const latency: unknown = init.latencyMs ?? 0
    if (typeof latency === 'function') {
      this.#latency = latency as (from: Address, to: Address) => number
    } else if (isLatency(latency)) {
      this.#latency = () => latency
    } else {
      throw new InvalidConfigError('latencyMs', `must be a finite number >= 0 or a function, got ${shown(latency)}`)
    }
  }

  /** A transport for `self`; it receives messages addressed to `self.address` until closed. */
  createTransport (self: RemoteSender): InProcessTransport {
    // keep only the identity: the sender seen by receivers must not carry whatever else the caller passed
    const t = new InProcessTransport(this, { address: self.address, publicKey: self.publicKey })
    this.#nodes.set(self.address, t)
    return t
  }

  /**
   * Resolves once no message is in flight (delayed ones included: with a virtual clock, advance it) and no
   * handler is running.
   */
  async idle (): Promise<void> {
    if (this.#pending === 0) return
    await new Promise<void>(resolve => this.#idleWaiters.push(resolve))
  }

  /** @internal */
  detach (address: Address, t: InProcessTransport): void {
    if (this.#nodes.get(address) === t) this.#nodes.delete(address)
  }

  /** @internal Delivers on the first of `protocols` the receiver handles; returns that protocol. */
  deliver (from: RemoteSender, peer: Peer, protocols: string | readonly string[], bytes: Uint8Array): string {
    if (bytes.length > this.#maxMessageBytes) {
      throw new MessageTooLargeError(bytes.length, this.#maxMessageBytes)
    }
    const target = this.#nodes.get(peer.address)
    if (target === undefined) throw new PeerUnreachableError(peer.address, 'no in-process node with that address')
    const offered = typeof protocols === 'string' ? [protocols] : protocols
    const protocol = offered.find(p => target.handlerFor(p) !== undefined)
    if (protocol === undefined) throw new PeerUnreachableError(peer.address, `none of the protocols ${offered.join(', ')} is supported`)
    const handler = target.handlerFor(protocol) as InboundMessageHandler
    const latency: unknown = this.#latency(from.address, peer.address)
    if (!isLatency(latency)) {
      throw new InvalidConfigError('latencyMs', `the function returned ${shown(latency)} for the link ` +
        `${from.address} -> ${peer.address}; a latency must be a finite number >= 0`)
    }
    const copy = bytes.slice()
    this.#pending++
    if (latency === 0) {
      setImmediate(() => { this.#handOver(handler, copy, from, protocol) })
      return protocol
    }
    try {
      this.#clock.setTimeout(() => {
        // what listens at arrival gets it: a receiver that closed or unhandled the protocol meanwhile loses it
        const current = target.handlerFor(protocol)
        if (current === undefined) this.#settle()
        else this.#handOver(current, copy, from, protocol)
      }, latency)
    } catch (error) {
      this.#settle()
      throw error
    }
    return protocol
  }

  /** Hands a message to its handler, counts it, and settles once the handler is done (thrown or not). */
  #handOver (handler: InboundMessageHandler, copy: Uint8Array, from: RemoteSender, protocol: string): void {
    this.stats.messages++
    this.stats.bytes += copy.length
    let result: void | Promise<void>
    try {
      result = handler(copy, from, protocol)
    } catch {
      result = undefined
    }
    void Promise.resolve(result).catch(() => {}).finally(() => { this.#settle() })
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

  /** Delivers on the first of `protocols` the receiver handles (one message per call, in either case). */
  async sendTo (peer: Peer, protocols: string | readonly string[], bytes: Uint8Array, options: AbortOptions = {}): Promise<string> {
    options.signal?.throwIfAborted()
    if (this.#closed) throw new NotStartedError('in-process transport is closed')
    return this.network.deliver(this.self, peer, protocols, bytes)
  }

  /** Stops receiving; further sends throw. */
  close (): void {
    this.#closed = true
    this.#handlers.clear()
    this.network.detach(this.self.address, this)
  }
}
