import {
  InvalidConfigError, Lifecycle, MessageDroppedError, NotStartedError, PeerManager, RAINTREE_MODES, RAINTREE_PROTOCOL_ID,
  RAINTREE_STREAM_PROTOCOL_ID, TypedEvents, UnknownPeerError, checkEnvelope, decodeRainTreeMessage, defaultComponentLogger, encodeRainTreeMessage,
  systemClock
} from '@pokt-p2p/types'
import type {
  AbortOptions, Address, Clock, ComponentLogger, DropReason, Logger, MessageTransport, Metrics, Peer, RainTreeMessage,
  RainTreeMode, ReadonlyPeerstore, RemoteSender, Router, RouterEvents, RouterSendFailedEvent, StakedSet
} from '@pokt-p2p/types'
import { forEachBroadcastTarget, forEachPropagationTarget, maxNumLevels, type SendSink } from './core/index.js'

/** Options of {@link RainTreeRouter} (the `init` of {@link rainTree}). */
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
  /**
   * The reference's protocol id: one message per stream, what Go nodes speak. Always handled, and used for peers
   * that do not offer `streamProtocol`.
   * @default 'pokt/raintree/v1.0.0'
   */
  protocol?: string
  /**
   * The fast path, offered before `protocol`: one long-lived stream per neighbour (over libp2p, see
   * `framedProtocols` of `@pokt-p2p/transport`). `false` speaks only `protocol`, as a Go node does.
   * @default 'pokt/raintree/v2.0.0'
   */
  streamProtocol?: string | false
}

/**
 * What a {@link RainTreeRouter} runs on: who it is, how it sends, the staked set, and where it reports. No size cap
 * here: the transport bounds every inbound message while reading it (`maxMessageBytes` of `@pokt-p2p/transport`
 * and of the in-process network), so the router does not check it again.
 */
export interface RainTreeComponents {
  /** this node's pocket address */
  selfAddress: Address
  /** how bytes move: `messageTransport` from `@pokt-p2p/transport`, or an in-process transport */
  transport: MessageTransport
  /**
   * The staked set, self included (a node absent from it is client-only: it sends but never propagates). A
   * `StakedSet` is shared, not copied: a million routers can walk one sorted list and one peer table; `addPeer` and
   * `removePeer` then derive this router's own set from it, recording only the differences.
   */
  peers: Iterable<Peer> | StakedSet
  /**
   * Where the router takes time from, for its timers (the reliability layer's timeouts): a simulator passes its
   * virtual clock. No timer is set today.
   * @default systemClock
   */
  clock?: Clock
  /**
   * Where it logs, under `pokt:raintree`: failed sends (error), drops, view changes; per message only at trace.
   * @default defaultComponentLogger() (libp2p's `debug` logger: `DEBUG=pokt:raintree`)
   */
  logger?: ComponentLogger
  /**
   * Where it counts (`pokt_raintree_*`, see {@link RAINTREE_METRICS}): reads, writes, delivered, dropped by reason,
   * send failures, demotes, view size.
   * @default none: nothing is counted
   */
  metrics?: Metrics
}

/** `detail` of a RainTree `send:failed` event: the shared one plus the RainTree level of the message. */
export interface RainTreeSendFailedEvent extends RouterSendFailedEvent {
  /** the RainTree level of the message that could not be sent */
  readonly level: number
}

/** Events of a {@link RainTreeRouter}, by type: the `detail` each carries. */
export interface RainTreeEvents extends RouterEvents {
  /**
   * a send made by a broadcast or a propagation failed (counted in `pokt_raintree_send_failures_total` and logged);
   * a failed `send()` throws instead
   */
  'send:failed': RainTreeSendFailedEvent
}

/** Names of the metrics a {@link RainTreeRouter} registers when given a `metrics` component. */
export const RAINTREE_METRICS = {
  /** counter: valid RainTree messages received (every copy) */
  reads: 'pokt_raintree_reads_total',
  /** counter: RainTree messages sent successfully */
  writes: 'pokt_raintree_writes_total',
  /** counter: payloads handed to `message` listeners */
  delivered: 'pokt_raintree_delivered_total',
  /** counter group by `reason` (the shared `DropReason`s): inbound messages dropped */
  dropped: 'pokt_raintree_dropped_total',
  /** counter: sends that failed (broadcast, propagation and `send`) */
  sendFailures: 'pokt_raintree_send_failures_total',
  /** counter: target slots that fell on this node itself (kept local: no message) */
  demotes: 'pokt_raintree_demotes_total',
  /** gauge: length of the view (the staked set, self included when staked) */
  viewSize: 'pokt_raintree_view_size'
} as const

/** The router's instruments; each is undefined without a `metrics` component. */
function registerInstruments (metrics: Metrics | undefined) {
  return {
    reads: metrics?.registerCounter(RAINTREE_METRICS.reads, {
      help: 'Valid RainTree messages received, every copy'
    }),
    writes: metrics?.registerCounter(RAINTREE_METRICS.writes, {
      help: 'RainTree messages sent successfully'
    }),
    delivered: metrics?.registerCounter(RAINTREE_METRICS.delivered, {
      help: 'RainTree payloads handed to the application'
    }),
    dropped: metrics?.registerCounterGroup(RAINTREE_METRICS.dropped, {
      label: 'reason', help: 'Inbound RainTree messages dropped, by reason'
    }),
    sendFailures: metrics?.registerCounter(RAINTREE_METRICS.sendFailures, {
      help: 'RainTree sends that failed'
    }),
    demotes: metrics?.registerCounter(RAINTREE_METRICS.demotes, {
      help: 'RainTree target slots that fell on this node itself (no message sent)'
    }),
    viewSize: metrics?.registerMetric(RAINTREE_METRICS.viewSize, {
      help: 'Nodes in the RainTree view'
    })
  }
}

type Instruments = ReturnType<typeof registerInstruments>
// one shared empty set for every router without metrics, rather than seven undefined fields each
const NO_INSTRUMENTS: Instruments = Object.freeze(registerInstruments(undefined))

function instruments (metrics: Metrics | undefined): Instruments {
  return metrics === undefined ? NO_INSTRUMENTS : registerInstruments(metrics)
}

interface Outgoing { index: number, level: number, rangeSize: number }

/**
 * RainTree among staked actors over any `MessageTransport` (`@pokt-p2p/types`). Targets come from the pure core
 * (`@pokt-p2p/raintree/core`); this class only encodes, sends, checks and delivers. Build it with {@link rainTree}.
 */
export class RainTreeRouter implements Router {
  readonly name = 'raintree'
  /** The targeting rules of this node's broadcasts (see {@link RainTreeInit.mode}). */
  readonly mode: RainTreeMode
  /** The reference's protocol id (see {@link RainTreeInit.protocol}). */
  readonly protocol: string
  /** What it offers a peer, in order of preference: the stream protocol (unless disabled), then `protocol`. */
  readonly protocols: readonly string[]
  /** This node's pocket address. */
  readonly selfAddress: Address

  readonly #transport: MessageTransport
  readonly #clock: Clock
  readonly #manager: PeerManager
  // made on first use: an idle router nobody listens to holds no event target (a simulator holds a million)
  #events: TypedEvents<RainTreeEvents> | undefined
  readonly #acceptFromUnknown: boolean
  readonly #log: Logger
  readonly #metrics: ReturnType<typeof instruments>
  readonly #lifecycle: Lifecycle
  #maxNumLevels: number
  // reused by the planners: the sink appends to #plan, so planning allocates one small object per send at most
  readonly #plan: Outgoing[] = []
  readonly #sink: SendSink = (index, level, rangeSize) => { this.#plan.push({ index, level, rangeSize }) }

  /**
   * @param components - who it is, its transport, the staked set, and optionally a logger and metrics
   * @param init - options
   * @throws {InvalidConfigError} for an unknown `mode`
   */
  constructor (components: RainTreeComponents, init: RainTreeInit = {}) {
    this.mode = init.mode ?? 'complete'
    if (!(RAINTREE_MODES as readonly string[]).includes(this.mode)) {
      throw new InvalidConfigError('mode',
        `unknown RainTree mode ${JSON.stringify(this.mode)} (expected ${RAINTREE_MODES.join(' or ')})`)
    }
    this.protocol = init.protocol ?? RAINTREE_PROTOCOL_ID
    const stream = init.streamProtocol ?? RAINTREE_STREAM_PROTOCOL_ID
    this.protocols = Object.freeze(stream === false || stream === this.protocol ? [this.protocol] : [stream, this.protocol])
    this.#acceptFromUnknown = init.acceptFromUnknownPeers ?? false
    this.selfAddress = components.selfAddress
    this.#transport = components.transport
    this.#clock = components.clock ?? systemClock
    this.#log = (components.logger ?? defaultComponentLogger()).forComponent('pokt:raintree')
    this.#metrics = instruments(components.metrics)
    this.#manager = new PeerManager(components.selfAddress, components.peers)
    this.#maxNumLevels = maxNumLevels(this.#manager.view.length)
    this.#metrics.viewSize?.update(this.#manager.view.length)
    this.#lifecycle = new Lifecycle({
      start: async () => {
        for (const protocol of this.protocols) this.#transport.handle(protocol, this.#onMessage)
        this.#log('started on %s (%s mode): view of %d, maxNumLevels %d%s', this.protocols.join(' and '), this.mode,
          this.#manager.view.length, this.#maxNumLevels, this.#manager.view.containsSelf ? '' : ', client-only')
      },
      stop: async () => {
        for (const protocol of this.protocols) this.#transport.unhandle(protocol)
        this.#log('stopped')
      }
    })
  }

  /** The router's events: `message`, `drop`, `send:failed`. */
  get events (): TypedEvents<RainTreeEvents> {
    this.#events ??= new TypedEvents<RainTreeEvents>()
    return this.#events
  }

  /** The clock the router takes time from (see {@link RainTreeComponents.clock}). */
  get clock (): Clock {
    return this.#clock
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
    return this.#lifecycle.isStarted()
  }

  async start (): Promise<void> {
    await this.#lifecycle.start()
  }

  async stop (): Promise<void> {
    await this.#lifecycle.stop()
  }

  getPeerstore (): ReadonlyPeerstore {
    return this.#manager.peerstore
  }

  async addPeer (peer: Peer): Promise<void> {
    if (this.#manager.addPeer(peer)) this.#viewChanged('added', peer.address)
  }

  async removePeer (address: Address): Promise<void> {
    if (this.#manager.removePeer(address)) this.#viewChanged('removed', address)
  }

  #viewChanged (change: 'added' | 'removed', address: Address): void {
    const size = this.#manager.view.length
    this.#maxNumLevels = maxNumLevels(size)
    this.#metrics.viewSize?.update(size)
    this.#log('%s peer %s: view of %d, maxNumLevels %d', change, address, size, this.#maxNumLevels)
  }

  /**
   * Sends `data` down the tree: every planned target, top level first, all started at once. A send that fails is
   * counted, logged and reported as a `send:failed` event, never thrown.
   * @throws {NotStartedError} when the router is not started
   */
  async broadcast (data: Uint8Array, options: AbortOptions = {}): Promise<void> {
    this.#assertStarted()
    options.signal?.throwIfAborted()
    const view = this.#manager.view
    this.#plan.length = 0
    // planned outside the `?.` call: without metrics, `demotes?.increment(plan())` would not plan at all
    const demotes = forEachBroadcastTarget(view.length, this.mode, this.#maxNumLevels, this.#sink, view.containsSelf)
    this.#metrics.demotes?.increment(demotes)
    this.#log.trace('broadcast of %d bytes to %d targets', data.length, this.#plan.length)
    await this.#sendPlanned(data, options)
  }

  /**
   * Sends `data` to one peer as a level-0 message (delivered there, not propagated). Sending to self is a no-op.
   * @throws {UnknownPeerError} when `address` is not in the peerstore
   * @throws {NotStartedError} when the router is not started
   * @throws the transport's error (e.g. `PeerUnreachableError`) when the send fails (also counted and logged)
   */
  async send (data: Uint8Array, address: Address, options: AbortOptions = {}): Promise<void> {
    this.#assertStarted()
    if (address === this.selfAddress) return
    const peer = this.#manager.peerstore.getPeer(address)
    if (peer === undefined) throw new UnknownPeerError(address)
    try {
      await this.#transport.sendTo(peer, this.protocols, encodeRainTreeMessage({ level: 0, data }), options)
    } catch (err) {
      this.#sendFailed(address, 0, err)
      throw err
    }
    this.#metrics.writes?.increment()
  }

  #assertStarted (): void {
    if (!this.isStarted()) throw new NotStartedError('the RainTree router is not started')
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
      await this.#transport.sendTo(peer, this.protocols, bytes, options)
    } catch (err) {
      const error = this.#sendFailed(peer.address, level, err)
      this.#events?.dispatch('send:failed', { to: peer.address, level, error })
      return
    }
    this.#metrics.writes?.increment()
  }

  /** Counts and logs one failed send (one error line: the peer and the reason). */
  #sendFailed (to: Address, level: number, err: unknown): Error {
    const error = toError(err)
    this.#metrics.sendFailures?.increment()
    this.#log.error('send to %s (level %d) failed: %s', to, level, error.message)
    return error
  }

  /** Counts, logs (not as an error: the sender's fault, not this node's) and reports one dropped message. */
  #drop (reason: DropReason, from: Address, message: string, cause?: unknown): void {
    const error = new MessageDroppedError(reason, message, cause === undefined ? undefined : { cause })
    this.#metrics.dropped?.increment({ [reason]: true })
    this.#log('dropped a message from %s: %s: %s', from, reason, message)
    this.#events?.dispatch('drop', { reason, from, error })
  }

  /** Inbound handler: check → propagate → deliver (reference order). Never throws. */
  readonly #onMessage = async (bytes: Uint8Array, from: RemoteSender): Promise<void> => {
    try {
      await this.#handle(bytes, from)
    } catch (err) {
      // nothing in #handle is expected to throw: a bug here, not the sender's fault; reported rather than lost
      this.#drop('internal', from.address, `handling a RainTree message failed: ${toError(err).message}`, err)
    }
  }

  async #handle (bytes: Uint8Array, from: RemoteSender): Promise<void> {
    // the sender first: a stranger's bytes are not worth decoding
    const known = this.#manager.peerstore.has(from.address)
    if (!known && !this.#acceptFromUnknown) {
      this.#drop('unknownSender', from.address, `${from.address} is not in the staked peerstore`)
      return
    }
    let msg: RainTreeMessage
    try {
      msg = decodeRainTreeMessage(bytes)
    } catch (err) {
      this.#drop('decode', from.address, toError(err).message, err)
      return
    }
    const { level, rangeSize, data } = msg
    const envelope = checkEnvelope(data)
    if (!envelope.ok) {
      this.#drop(envelope.reason, from.address, envelope.error.message, envelope.error)
      return
    }
    this.#metrics.reads?.increment()
    this.#log.trace('level %d range %d message from %s', level, rangeSize, from.address)
    let propagation: Promise<void> | undefined
    if (known && this.isStarted()) {
      const view = this.#manager.view
      this.#plan.length = 0
      const demotes = forEachPropagationTarget(view.length, this.#maxNumLevels, { level, rangeSize }, this.#sink, view.containsSelf)
      this.#metrics.demotes?.increment(demotes)
      propagation = this.#sendPlanned(data, {})
    }
    this.#metrics.delivered?.increment()
    this.#events?.dispatch('message', {
      data, nonce: envelope.nonce, content: envelope.content, router: this.name, from: from.address
    })
    await propagation
  }
}

function toError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * The way to build a RainTree router, js-libp2p style: `rainTree(init)(components)`.
 *
 * @example
 * ```ts
 * const router = rainTree({ mode: 'complete' })({ selfAddress, transport, peers, logger, metrics })
 * await router.start()
 * ```
 * @param init - options (every one has a default)
 */
export function rainTree (init: RainTreeInit = {}): (components: RainTreeComponents) => RainTreeRouter {
  return (components) => new RainTreeRouter(components, init)
}
