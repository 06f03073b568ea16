import {
  DEFAULT_MAX_MESSAGE_BYTES, RAINTREE_PROTOCOL_ID, MessageTooLargeError, NotStartedError, PeerManager, PocketP2PError, TypedEventTarget,
  UnknownPeerError, decodePocketEnvelope, decodeRainTreeMessage, encodeRainTreeMessage
} from '@pokt-p2p/types'
import type {
  AbortOptions, Address, MessageTransport, Peer, ReadonlyPeerstore, RemoteSender, Router, RouterEvents
} from '@pokt-p2p/types'
import {
  forEachBroadcastTarget, forEachPropagationTarget, maxNumLevels, type RainTreeMode, type SendSink
} from './core/index.js'


/** Why an inbound message was dropped. */
export type RainTreeDropReason =
  /** the bytes are not a `RainTreeMessage` */
  | 'decode'
  /** the `data` field is empty or not a `PocketEnvelope` */
  | 'envelope'
  /** the sender is not in the staked peerstore (and `acceptFromUnknownPeers` is off) */
  | 'unknownSender'
  /** larger than `maxMessageBytes` */
  | 'tooLarge'

/** Options of {@link RainTreeRouter} (and of `rainTree`). */
export interface RainTreeInit {
  /**
   * `'complete'` reaches every node exactly once (N − 1 messages); `'reference'` sends exactly what the Go
   * implementation sends, holes included. Inbound messages are always handled by their own rules (a message with
   * `range_size` > 0 is complete-mode, else reference-mode), whatever the local mode.
   * @default 'complete'
   */
  mode?: RainTreeMode
  /**
   * Deliver (never propagate) payloads from senders outside the staked peerstore. They never change the view.
   * @default false
   */
  acceptFromUnknownPeers?: boolean
  /** The protocol id messages are sent and received on. @default 'pokt/raintree/v1.0.0' */
  protocol?: string
  /** Inbound messages larger than this are dropped. @default DEFAULT_MAX_MESSAGE_BYTES (4 MiB + 64 KiB) */
  maxMessageBytes?: number
}

/** What a {@link RainTreeRouter} runs on: who it is, how it sends, and the staked set. */
export interface RainTreeComponents {
  /** this node's pocket address */
  selfAddress: Address
  /** how bytes move: `Libp2pMessageTransport` from `@pokt-p2p/transport`, or an `InProcessTransport` */
  transport: MessageTransport
  /** the staked set, self included (a node absent from it is client-only: it sends but never propagates) */
  peers: Iterable<Peer>
}

/** `detail` of a `drop` event: an inbound message that was rejected. */
export interface RainTreeDropEvent {
  /** why it was rejected */
  reason: RainTreeDropReason
  /** the authenticated sender of the message */
  from: Address
  /** a {@link RainTreeDropError} with the details (and the decoder's error as `cause`) */
  error: Error
}

/** `detail` of a `send-error` event: a send that failed. */
export interface RainTreeSendErrorEvent {
  /** the pocket address of the target */
  to: Address
  /** the RainTree level of the message */
  level: number
  /** the transport's error */
  error: Error
}

/** Events of a {@link RainTreeRouter}, by type: the `detail` each carries. */
export interface RainTreeEvents extends RouterEvents {
  /** an inbound message was rejected (also counted in `stats.dropped`) */
  drop: RainTreeDropEvent
  /** a broadcast or propagation send failed (also counted in `stats.sendFailures`) */
  'send-error': RainTreeSendErrorEvent
}

/** Counters of a {@link RainTreeRouter} (the same object is updated in place). */
export interface RainTreeStats {
  /** valid RainTree messages received over the network (every copy) */
  reads: number
  /** RainTree messages sent successfully */
  writes: number
  /** target slots that fell on this node itself (kept local: no message) */
  demotes: number
  /** payloads handed to `message` listeners */
  delivered: number
  /** sends that failed */
  sendFailures: number
  /** inbound messages rejected, by reason */
  dropped: Record<RainTreeDropReason, number>
}

/** An inbound message was rejected; `reason` says why. */
export class RainTreeDropError extends PocketP2PError {
  static override name = 'RainTreeDropError'
  /**
   * @param reason - why the message was rejected
   * @param message - the error message
   * @param options - `cause`: the underlying error
   */
  constructor (readonly reason: RainTreeDropReason, message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

interface Outgoing { index: number, level: number, rangeSize: number }

/**
 * RainTree among staked actors over any {@link MessageTransport}. Targets come from the pure core
 * (`@pokt-p2p/raintree/core`); this class only encodes, sends, validates and delivers.
 */
export class RainTreeRouter implements Router {
  readonly name = 'raintree'
  readonly events = new TypedEventTarget<RainTreeEvents>()
  /** The targeting rules of this node's broadcasts (see {@link RainTreeInit.mode}). */
  readonly mode: RainTreeMode
  /** The protocol id it sends and receives on. */
  readonly protocol: string
  /** This node's pocket address. */
  readonly selfAddress: Address
  /** Live counters. */
  readonly stats: RainTreeStats = {
    reads: 0, writes: 0, demotes: 0, delivered: 0, sendFailures: 0,
    dropped: { decode: 0, envelope: 0, unknownSender: 0, tooLarge: 0 }
  }

  readonly #transport: MessageTransport
  readonly #manager: PeerManager
  readonly #acceptFromUnknown: boolean
  readonly #maxMessageBytes: number
  #maxNumLevels: number
  #started = false
  // reused by the planners: the sink appends to #plan, so planning allocates one small object per send at most
  readonly #plan: Outgoing[] = []
  readonly #sink: SendSink = (index, level, rangeSize) => { this.#plan.push({ index, level, rangeSize }) }

  /**
   * @param init - options and components (the `rainTree` factory takes them separately)
   * @throws {PocketP2PError} for an unknown `mode`
   */
  constructor (init: RainTreeInit & RainTreeComponents) {
    this.mode = init.mode ?? 'complete'
    if (this.mode !== 'complete' && this.mode !== 'reference') {
      throw new PocketP2PError(`unknown RainTree mode ${JSON.stringify(this.mode)}`)
    }
    this.protocol = init.protocol ?? RAINTREE_PROTOCOL_ID
    this.#acceptFromUnknown = init.acceptFromUnknownPeers ?? false
    this.#maxMessageBytes = init.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    this.selfAddress = init.selfAddress
    this.#transport = init.transport
    this.#manager = new PeerManager(init.selfAddress, init.peers)
    this.#maxNumLevels = maxNumLevels(this.#manager.view.length)
  }

  /** The reference's `maxNumLevels` for the current view (recomputed on every add/remove). */
  get maxNumLevels (): number {
    return this.#maxNumLevels
  }

  /** The sorted, self-rotated view RainTree walks (live; do not mutate through it). */
  get view (): PeerManager['view'] {
    return this.#manager.view
  }

  isStarted (): boolean {
    return this.#started
  }

  async start (): Promise<void> {
    if (this.#started) return
    this.#transport.handle(this.protocol, this.#onMessage)
    this.#started = true
  }

  async stop (): Promise<void> {
    if (!this.#started) return
    this.#transport.unhandle(this.protocol)
    this.#started = false
  }

  getPeerstore (): ReadonlyPeerstore {
    return this.#manager.peerstore
  }

  async addPeer (peer: Peer): Promise<void> {
    if (this.#manager.addPeer(peer)) this.#maxNumLevels = maxNumLevels(this.#manager.view.length)
  }

  async removePeer (address: Address): Promise<void> {
    if (this.#manager.removePeer(address)) this.#maxNumLevels = maxNumLevels(this.#manager.view.length)
  }

  /**
   * Sends `data` down the tree: every planned target, top level first, all started at once. A send that fails is
   * counted and reported as a `send-error` event, never thrown.
   * @throws {NotStartedError} when the router is not started
   */
  async broadcast (data: Uint8Array, options: AbortOptions = {}): Promise<void> {
    this.#assertStarted()
    options.signal?.throwIfAborted()
    const view = this.#manager.view
    this.#plan.length = 0
    this.stats.demotes += forEachBroadcastTarget(view.length, this.mode, this.#maxNumLevels, this.#sink, view.containsSelf)
    await this.#sendPlanned(data, options)
  }

  /**
   * Sends `data` to one peer as a level-0 message (delivered there, not propagated). Sending to self is a no-op.
   * @throws {UnknownPeerError} when `address` is not in the peerstore
   * @throws {NotStartedError} when the router is not started
   * @throws the transport's error (e.g. `PeerUnreachableError`) when the send fails
   */
  async send (data: Uint8Array, address: Address, options: AbortOptions = {}): Promise<void> {
    this.#assertStarted()
    if (address === this.selfAddress) return
    const peer = this.#manager.peerstore.getPeer(address)
    if (peer === undefined) throw new UnknownPeerError(address)
    const bytes = encodeRainTreeMessage({ level: 0, data })
    try {
      await this.#transport.sendTo(peer, this.protocol, bytes, options)
      this.stats.writes++
    } catch (err) {
      this.stats.sendFailures++
      throw err
    }
  }

  #assertStarted (): void {
    if (!this.#started) throw new NotStartedError('the RainTree router is not started')
  }

  /** Takes the current #plan, encodes and starts every send; resolves when all have settled. */
  async #sendPlanned (data: Uint8Array, options: AbortOptions): Promise<void> {
    const plan = this.#plan.splice(0, this.#plan.length)
    if (plan.length === 0) return
    const view = this.#manager.view
    const sends: Array<Promise<void>> = []
    let lastKey = -1
    let lastBytes: Uint8Array | undefined
    for (const { index, level, rangeSize } of plan) {
      const key = level * 0x1_0000_0000 + rangeSize
      if (key !== lastKey || lastBytes === undefined) {
        lastBytes = encodeRainTreeMessage(rangeSize > 0 ? { level, data, rangeSize } : { level, data })
        lastKey = key
      }
      const address = view.at(index)
      const peer = this.#manager.peerstore.getPeer(address)
      if (peer === undefined || address === this.selfAddress) continue
      sends.push(this.#sendOne(peer, level, lastBytes, options))
    }
    await Promise.all(sends)
  }

  async #sendOne (peer: Peer, level: number, bytes: Uint8Array, options: AbortOptions): Promise<void> {
    try {
      await this.#transport.sendTo(peer, this.protocol, bytes, options)
      this.stats.writes++
    } catch (err) {
      this.stats.sendFailures++
      this.events.dispatch('send-error', { to: peer.address, level, error: toError(err) })
    }
  }

  #drop (reason: RainTreeDropReason, from: RemoteSender, message: string, cause?: unknown): void {
    this.stats.dropped[reason]++
    this.events.dispatch('drop', {
      reason, from: from.address, error: new RainTreeDropError(reason, message, cause === undefined ? undefined : { cause })
    })
  }

  /** Inbound handler: validate → propagate → deliver (reference order). Never throws. */
  readonly #onMessage = async (bytes: Uint8Array, from: RemoteSender): Promise<void> => {
    try {
      await this.#handle(bytes, from)
    } catch (err) {
      // defensive: nothing above is expected to throw; count it rather than crash the transport
      this.#drop('decode', from, `unexpected error handling a RainTree message: ${toError(err).message}`, err)
    }
  }

  async #handle (bytes: Uint8Array, from: RemoteSender): Promise<void> {
    if (bytes.length > this.#maxMessageBytes) {
      const err = new MessageTooLargeError(bytes.length, this.#maxMessageBytes, 'RainTree message')
      this.#drop('tooLarge', from, err.message, err)
      return
    }
    const known = this.#manager.peerstore.has(from.address)
    if (!known && !this.#acceptFromUnknown) {
      this.#drop('unknownSender', from, `RainTree message from ${from.address}, which is not in the staked peerstore`)
      return
    }
    let level: number
    let rangeSize: number
    let data: Uint8Array
    try {
      const msg = decodeRainTreeMessage(bytes)
      level = msg.level
      rangeSize = msg.rangeSize
      data = msg.data
    } catch (err) {
      this.#drop('decode', from, toError(err).message, err)
      return
    }
    if (data.length === 0) {
      this.#drop('envelope', from, 'RainTree message without data')
      return
    }
    try {
      decodePocketEnvelope(data)
    } catch (err) {
      this.#drop('envelope', from, `validating raintree message: ${toError(err).message}`, err)
      return
    }
    this.stats.reads++
    let propagation: Promise<void> | undefined
    if (known && this.#started) {
      const view = this.#manager.view
      this.#plan.length = 0
      this.stats.demotes += forEachPropagationTarget(
        view.length, this.#maxNumLevels, { level, rangeSize }, this.#sink, view.containsSelf)
      propagation = this.#sendPlanned(data, {})
    }
    this.stats.delivered++
    this.events.dispatch('message', { data, router: this.name, from: from.address })
    await propagation
  }
}

function toError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * js-libp2p-style factory: `rainTree(init)(components)`.
 *
 * @example
 * ```ts
 * const router = rainTree({ mode: 'complete' })({ selfAddress, transport, peers })
 * await router.start()
 * ```
 */
export function rainTree (init: RainTreeInit = {}): (components: RainTreeComponents) => RainTreeRouter {
  return (components) => new RainTreeRouter({ ...init, ...components })
}

/** `rainTree(init)(components)` in one call. */
export function createRainTreeRouter (options: RainTreeInit & RainTreeComponents): RainTreeRouter {
  return new RainTreeRouter(options)
}
