import {
  InvalidConfigError, Lifecycle, MessageDroppedError, NonceDeduper, NotStartedError, PeerManager, RAINTREE_MODES,
  RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID, RainTreeControl, TypedEvents, UnknownPeerError, checkEnvelope,
  ADDRESS_BYTES, GAP_QUERY_LEVEL, bytesToHex, decodeRainTreeMessage, defaultComponentLogger, encodeRainTreeControl,
  encodeRainTreeMessage, systemClock, tryHexToBytes
} from '@pokt-p2p/types'
import type {
  AbortOptions, Address, Clock, ClockTimer, ComponentLogger, DropReason, Logger, MessageTransport, Metrics, Peer, RainTreeMessage,
  RainTreeMode, ReadonlyPeerstore, RemoteSender, Router, RouterEvents, RouterSendFailedEvent, StakedSet
} from '@pokt-p2p/types'
import {
  ceilLog3, forEachBroadcastTarget, forEachPropagationTarget, forEachRedundancyTarget, maxNumLevels, type SendSink
} from './core/index.js'
import { RoundTripEstimator, type AckTimeoutInit } from './round-trip.js'
import { CLEANUP_DELAY_TIMEOUTS, resolveCleanup, type CleanupInit, type ResolvedCleanup } from './cleanup.js'
import { resolveRedundancy, type RedundancyInit, type ResolvedRedundancy } from './redundancy.js'

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
  /**
   * ACK / adjust / resend (complete mode, on the stream protocol): a node that hands a range on expects an ACK from
   * its head; a send that fails or goes unanswered within the ACK timeout (and a resend) adjusts: the rest of the
   * range is handed on as its next node would have split it (the next node keeps itself, the heads of the parts
   * get the parts, each part delegated the same way), until the range is exhausted. So one dead node no longer
   * loses its whole range, and costs its range only the time spent on it, not one more hop. A peer that speaks
   * only the reference protocol is never waited for.
   * `true` turns it on; an object turns it on and tunes the timeout, which adapts to the measured round trip. A
   * node always ACKs a message whose sender asked for it (on the stream protocol), whatever this option. `false`
   * sends each range once and waits for nothing.
   * @default true: it pays. Measured in the simulator, a dead range head without it loses its whole range (57–87 %
   *   of the live nodes reached with 10 % dead), with it every live node is reached (1–33 % dead), for N − 1 ACKs of
   *   11 bytes (README, "Reliability, measured"). A resend to a live peer whose ACK was late is counted apart
   *   (`pokt_raintree_resends_total`); the floor of the timeout is chosen so that it stays rare (see
   *   {@link AckTimeoutInit.minTimeoutMs})
   */
  ack?: boolean | AckTimeoutInit
  /**
   * The daisy-chain clean-up layer, IGYW ("I got, you want?"; complete mode, on the stream protocol): a node that
   * has a complete-mode message (the originator after broadcasting, any node on first receipt) asks its right
   * neighbour in the view, after a delay, whether it has it: an 11-byte query naming the message's nonce, not the
   * payload. `HAVE` ends it; `WANT` gets the full message as a repair and the walk goes on past it, each repair in
   * a row handing on twice the range of the one before (1, 2, 4, … nodes), so a run of missed nodes is repaired in
   * about log₂ of its length steps (the repaired nodes walk too, after the delay, in case the repairer crashes); no
   * answer moves on to the next node to the right, up to `maxProbes` in a row. A node asked by someone that is not
   * its left neighbour also asks the nodes in between (the asker's view may miss them); a node asked by a peer
   * outside its own view (never answered) asks its own view neighbours for the message instead; a `HAVE` names its
   * sender's right neighbour (20 bytes more), and a querier whose view holds nodes between the two asks them, which
   * that walk would pass by (a node missing from both its neighbours' views is still reached). It catches a node
   * that ACKed and then crashed before forwarding, a message and its resend both lost, and nodes missing from some
   * senders' views. A peer that speaks only the reference protocol is never asked (it counts as having the message).
   * Timeouts are the ACK layer's (tuned by `ack` when it is an object). A node always answers a query, whatever
   * this option. The bytes kept for repairs are bounded ({@link CleanupInit.maxRetainedBytes}).
   * @default true: it pays. ACKs cannot see a node that ACKs and then crashes before forwarding, nor a node missing
   *   from its sender's view (routine on a live network: nodes learn a new staked set at different moments); each
   *   loses nodes without this layer (simulator, 5 % crashing on receipt, 5 % missing 3 peers, 1 % loss: 73–91 % of
   *   the live nodes reached, 42 % at worst; with it 100 % in every seed; the namespace test bed: README, "Clean-up,
   *   on the test bed"). Without faults it costs two control frames per node per message (an 11-byte query, a 33-byte
   *   `HAVE`), no data, and a minute of each message's bytes, bounded ({@link CleanupInit.maxRetainedBytes})
   */
  cleanup?: boolean | CleanupInit
  /**
   * The specification's redundancy layer, bounded (complete mode): the originator of a broadcast also sends the
   * message at level 0 — a copy that is delivered and never propagated (`range_size` 1, no ACK asked) — to up to
   * `maxCopies` other nodes of its view, spread evenly over it, so that a range the tree loses (a dead head without
   * ACKs, a sender whose view misses it) likely holds a copy; with `cleanup` on, its holder walks and repairs from
   * inside that range. The copies start after the tree's sends (they never hold the tree up) and are never waited
   * for; a failed one is counted and logged, never thrown. The specification sends to the whole list; `true` sends
   * as many copies as the tree sends (see {@link RedundancyInit.maxCopies}). Ignored in reference mode, whose sends
   * are the Go implementation's. A node always takes a copy for what it is (a copy of a range head's message does
   * not keep it from propagating its range when the tree copy comes), whatever this option.
   * @default false (measured in the simulator: where ACKs are on the copies pay nothing back; the README's
   *   "Redundancy")
   */
  redundancy?: boolean | RedundancyInit
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
  /** counter group by `direction` (`sent`, `received`): ACK frames */
  acks: 'pokt_raintree_acks_total',
  /** counter: ranges passed on to the next node because their head failed or did not ACK in time */
  adjusts: 'pokt_raintree_adjusts_total',
  /**
   * counter: data messages sent a second time to the same peer because no ACK came in time (a range, or a clean-up
   * repair); also in `writes`. Writes minus resends are the first copies (N − 1 for a broadcast without faults)
   */
  resends: 'pokt_raintree_resends_total',
  /**
   * counter: complete-mode copies of a message already had (ACKed again, not delivered again; not propagated again
   * either, unless the copy held was a leaf's, with no range, and this one brings a range)
   */
  duplicates: 'pokt_raintree_duplicates_total',
  /**
   * counter: reference-mode copies already propagated at their level from their sender (replays): delivered, as the
   * reference delivers every copy, but not propagated again. Apart from `duplicates` so that every read is counted
   * once: reads = delivered + duplicates + dropped
   */
  replays: 'pokt_raintree_replays_total',
  /**
   * counter group by `event`, the clean-up layer: `query_sent` (IGYW queries), `query_failed` (queries that could
   * not be sent), `no_answer` (queries unanswered within the answer timeout), `have` and `want` (answers received),
   * `repaired` (repairs taken), `gave_up` (walks that found no one answering within `maxProbes`), `pull_sent`
   * (unasked `WANT`s sent to the view neighbours after a query from a peer outside the view), `skipped_asked`
   * (queries to nodes a `HAVE`'s named right neighbour showed its sender's walk would pass by), `evicted_unwalked`
   * (messages forgotten, by the count or byte bound, before their walk started: not cleaned up by this node),
   * `not_retained`
   * (messages larger than `cleanup.maxRetainedBytes`: not kept, not cleaned up by this node)
   */
  cleanup: 'pokt_raintree_cleanup_total',
  /**
   * counter group by `event`, the redundancy layer: `sent` (copies sent), `failed` (copies whose send failed, also
   * counted in `pokt_raintree_send_failures_total`)
   */
  redundancy: 'pokt_raintree_redundancy_total',
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
    acks: metrics?.registerCounterGroup(RAINTREE_METRICS.acks, {
      label: 'direction', help: 'RainTree ACK frames sent and received'
    }),
    adjusts: metrics?.registerCounter(RAINTREE_METRICS.adjusts, {
      help: 'RainTree ranges passed on to the next node: their head failed or did not ACK in time'
    }),
    resends: metrics?.registerCounter(RAINTREE_METRICS.resends, {
      help: 'RainTree data messages sent again to the same peer: no ACK came in time'
    }),
    duplicates: metrics?.registerCounter(RAINTREE_METRICS.duplicates, {
      help: 'RainTree complete-mode copies of a message already had (not delivered again)'
    }),
    replays: metrics?.registerCounter(RAINTREE_METRICS.replays, {
      help: 'RainTree reference-mode copies already propagated at their level from their sender (delivered, not propagated again)'
    }),
    cleanup: metrics?.registerCounterGroup(RAINTREE_METRICS.cleanup, {
      label: 'event', help: 'RainTree clean-up (IGYW): queries sent, answers received, repairs taken, walks given up'
    }),
    redundancy: metrics?.registerCounterGroup(RAINTREE_METRICS.redundancy, {
      label: 'event', help: 'RainTree redundancy copies: sent, and sends that failed'
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

/** An ACK a sender waits for: `acked` once it came; `wake` ends the wait early. */
interface AwaitedAck { acked: boolean, wake?: () => void }

/** What a clean-up query came to. */
type Answer = 'have' | 'want' | 'timeout' | 'failed' | 'stopped'

/** A clean-up answer a querier waits for: `answer` once it came; `wake` ends the wait early. */
interface AwaitedAnswer {
  answer?: 'have' | 'want' | 'stopped'
  /** with a `HAVE`: the answerer's right neighbour in its view (see {@link RainTreeRouter.#askSkipped}) */
  next?: Address
  wake?: (answer: 'have' | 'want' | 'stopped') => void
}

/** A message this node cleans up: its bytes (to repair with) and its pending timer (the delay, then the retention). */
interface CleanupEntry {
  readonly data: Uint8Array
  timer: ClockTimer | undefined
  /** its walk has started (an entry forgotten before that is a clean-up not made: counted) */
  walked?: boolean
  /** the later queries of nodes a `HAVE` showed its sender's walk passes by (see `#askSkipped`) */
  skippedTimer?: ClockTimer
}

/** Messages a node keeps for clean-up at most (the oldest is forgotten first): bounds memory whatever the rate. */
const MAX_CLEANUPS = 256

/** Unasked repairs remembered (one per peer and message): bounds memory whatever a peer sends. */
const MAX_UNASKED_REPAIRS = 1024

/**
 * Reference-mode copies remembered (by message, propagation level and sender; the oldest forgotten first). An honest
 * broadcast brings a node a handful (at most 2 per level and sender), so 4,096 covers hundreds of recent messages; a
 * replay older than that is propagated once more, as any new message would be.
 */
const MAX_REFERENCE_COPIES = 4096

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
  /**
   * Whether it takes messages from senders outside the staked set (`acceptFromUnknownPeers`): a transport that
   * admits only staked senders to {@link protocols} (the p2p module's does) must not refuse them first.
   */
  readonly acceptsUnknownSenders: boolean

  readonly #transport: MessageTransport
  readonly #clock: Clock
  readonly #manager: PeerManager
  // made on first use: an idle router nobody listens to holds no event target (a simulator holds a million)
  #events: TypedEvents<RainTreeEvents> | undefined
  readonly #acceptFromUnknown: boolean
  readonly #log: Logger
  readonly #metrics: ReturnType<typeof instruments>
  readonly #lifecycle: Lifecycle
  /** the stream protocol, when offered: ACKs travel on it only */
  readonly #streamProtocol: string | undefined
  /** ACK timeouts, adapted to the measured round trip; undefined when ACKs are off */
  readonly #roundTrip: RoundTripEstimator | undefined
  /** ACKs awaited, by `nonce/address`: set true when it arrives (made on first use) */
  #awaitedAcks: Map<string, AwaitedAck> | undefined
  /** whether complete-mode ranges are delegated with ACKs (`ack`) */
  readonly #acks: boolean
  /** the clean-up layer's options; undefined when it is off */
  readonly #cleanup: ResolvedCleanup | undefined
  /** the redundancy layer's options; undefined when it is off */
  readonly #redundancy: ResolvedRedundancy | undefined
  /**
   * messages being cleaned up, by nonce (oldest first): deleted when their retention ends, on stop, or beyond
   * MAX_CLEANUPS or `maxRetainedBytes` (oldest first)
   */
  #cleanups: Map<bigint, CleanupEntry> | undefined
  /** bytes of the messages in #cleanups */
  #retainedBytes = 0
  /** clean-up answers awaited, by `nonce/address`: deleted on answer, timeout or stop (made on first use) */
  #awaitedAnswers: Map<string, AwaitedAnswer> | undefined
  /** messages this node asked its neighbours for after a stranger's query (see #pullAfterStrangerQuery) */
  #pulled: NonceDeduper | undefined
  /** unasked repairs made, by `nonce/address` (see #repairUnasked) */
  #unaskedRepairs: Set<string> | undefined
  /** staked peers seen to speak only the reference protocol (never asked); bounded by the peerstore */
  #referenceOnly: Set<Address> | undefined
  /** complete-mode messages this node has propagated (a later copy is ACKed, not propagated again) */
  #lastPropagated: bigint | undefined
  #propagated: NonceDeduper | undefined
  /** complete-mode messages this node holds from a copy with no range to propagate (a leaf's, a redundancy copy) */
  #lastHeld: bigint | undefined
  #held: NonceDeduper | undefined
  /** reference-mode copies propagated, by `nonce/level/sender` (see #referenceCopyOnce) */
  #lastReferenceCopy: string | undefined
  #referenceCopies: Set<string> | undefined
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
    this.#streamProtocol = this.protocols.length > 1 ? this.protocols[0] : undefined
    const ack = init.ack ?? true
    this.#acks = ack !== false && this.#streamProtocol !== undefined
    const cleanup = resolveCleanup(init.cleanup ?? true)
    this.#cleanup = this.#streamProtocol === undefined ? undefined : cleanup
    this.#redundancy = resolveRedundancy(init.redundancy)
    this.#roundTrip = !this.#acks && this.#cleanup === undefined
      ? undefined
      : new RoundTripEstimator(typeof ack === 'object' ? ack : {})
    this.#acceptFromUnknown = init.acceptFromUnknownPeers ?? false
    this.acceptsUnknownSenders = this.#acceptFromUnknown
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
        // a stopped router waits for no ACK: its delegations end now instead of timing out and adjusting
        for (const awaited of this.#awaitedAcks?.values() ?? []) awaited.wake?.()
        // nor for a clean-up answer, and forgets what it was cleaning up (its timers never fire)
        for (const awaited of this.#awaitedAnswers?.values() ?? []) awaited.wake?.('stopped')
        for (const entry of this.#cleanups?.values() ?? []) this.#clearTimer(entry)
        this.#cleanups?.clear()
        this.#retainedBytes = 0
        this.#log('stopped')
      }
    })
  }

  /** The router's events: `message`, `drop`, `send:failed`. */
  get events (): TypedEvents<RainTreeEvents> {
    this.#events ??= new TypedEvents<RainTreeEvents>()
    return this.#events
  }

  /**
   * The reliability layers in effect, after the defaults: `ack` and `cleanup` need the stream protocol (off when
   * `streamProtocol` is false, whatever was asked), `redundancy` is ignored in reference mode.
   */
  get layers (): {
    /** the ACK / adjust / resend layer (`ack`) */
    readonly ack: boolean
    /** the clean-up layer, IGYW (`cleanup`) */
    readonly cleanup: boolean
    /** the redundancy layer (`redundancy`; complete mode only) */
    readonly redundancy: boolean
  } {
    return {
      ack: this.#acks,
      cleanup: this.#cleanup !== undefined,
      redundancy: this.#redundancy !== undefined && this.mode === 'complete'
    }
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
    if (this.#manager.removePeer(address)) {
      this.#referenceOnly?.delete(address)
      this.#viewChanged('removed', address)
    }
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
    const envelope = checkEnvelope(data)
    const nonce = envelope.ok ? envelope.nonce : undefined
    if (nonce !== undefined && this.mode === 'complete') {
      this.#propagatedOnce(nonce)
      this.#startCleanup(nonce, data)
    }
    const copies = this.#redundancyTargets(nonce)
    const tree = this.#sendPlanned(data, options, nonce)
    if (copies === undefined) {
      await tree
      return
    }
    // started once every tree send has: on a shared uplink the copies leave after the tree's messages
    await Promise.all([tree, this.#sendCopies(data, copies, options)])
  }

  /**
   * The view indices of a broadcast's redundancy copies (see {@link RainTreeInit.redundancy}), or undefined when
   * none are sent: planned from #plan, the tree's targets, before #sendPlanned takes it.
   */
  #redundancyTargets (nonce: bigint | undefined): number[] | undefined {
    // (a payload that is not a Pocket envelope gets none: every receiver drops it)
    if (this.#redundancy === undefined || this.mode !== 'complete' || nonce === undefined) return undefined
    const view = this.#manager.view
    const targets: number[] = []
    forEachRedundancyTarget(view.length, this.#plan.map(send => send.index), this.#redundancy.maxCopies,
      index => { targets.push(index) }, view.containsSelf)
    return targets.length === 0 ? undefined : targets
  }

  /**
   * Sends the redundancy copies: level 0, range 1 (delivered, never propagated), no ACK asked. A failed one is
   * counted (`pokt_raintree_redundancy_total{event="failed"}` and the send failures), logged and reported as a
   * `send:failed` event, never thrown.
   */
  async #sendCopies (data: Uint8Array, targets: readonly number[], options: AbortOptions): Promise<void> {
    const view = this.#manager.view
    const peerstore = this.#manager.peerstore
    const bytes = encodeRainTreeMessage({ level: 0, data, rangeSize: 1 })
    const sends: Array<Promise<void>> = []
    for (const index of targets) {
      const peer = peerstore.getPeer(view.at(index))
      if (peer !== undefined && peer.address !== this.selfAddress) sends.push(this.#sendCopy(peer, bytes, options))
    }
    await Promise.all(sends)
  }

  async #sendCopy (peer: Peer, bytes: Uint8Array, options: AbortOptions): Promise<void> {
    try {
      this.#learnReferenceOnly(peer.address, await this.#transport.sendTo(peer, this.protocols, bytes, options))
    } catch (err) {
      this.#metrics.redundancy?.increment({ failed: true })
      const error = this.#sendFailed(peer.address, 0, err)
      this.#events?.dispatch('send:failed', { to: peer.address, level: 0, error })
      return
    }
    this.#metrics.writes?.increment()
    this.#metrics.redundancy?.increment({ sent: true })
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

  /**
   * Takes the current #plan, encodes and starts every send; resolves when all have settled. With ACKs on and the
   * message's nonce known, each complete-mode range is delegated (see {@link RainTreeInit.ack}).
   */
  async #sendPlanned (data: Uint8Array, options: AbortOptions, nonce: bigint | undefined): Promise<void> {
    const plan = this.#plan.splice(0, this.#plan.length)
    if (plan.length === 0) return
    // the view of this moment: a view is replaced, never changed, so indices stay meaningful across the awaits
    const view = this.#manager.view
    const peerstore = this.#manager.peerstore
    const sends: Array<Promise<void>> = []
    let lastKey = -1
    let lastBytes: Uint8Array | undefined
    for (const { index, level, rangeSize } of plan) {
      if (rangeSize > 0 && nonce !== undefined && this.#acks) {
        sends.push(this.#delegate(view, peerstore, data, nonce, index, rangeSize, options))
        continue
      }
      const key = level * 0x1_0000_0000 + rangeSize
      if (key !== lastKey || lastBytes === undefined) {
        lastBytes = encodeRainTreeMessage(rangeSize > 0 ? { level, data, rangeSize } : { level, data })
        lastKey = key
      }
      const address = view.at(index)
      const peer = peerstore.getPeer(address)
      if (peer === undefined || address === this.selfAddress) continue
      sends.push(this.#sendOne(peer, level, lastBytes, options))
    }
    await Promise.all(sends)
  }

  /**
   * Hands the range of `size` view indices from `start` on to its head. When the head fails or does not ACK in time,
   * this node does the fan-out the next node would have done with the rest of the range: it hands each part of the
   * rest to that part's head itself (delegated the same way) and the next node keeps only itself. Handing the whole
   * rest to the next node instead would cost the rest one more hop on top of the time lost on the failed head; the
   * parts and the number of data messages are the same either way. Ends at an ACK, at a peer that speaks only the
   * reference protocol (it never ACKs), or when the range is exhausted.
   */
  async #delegate (
    view: PeerManager['view'], peerstore: ReadonlyPeerstore, data: Uint8Array, nonce: bigint, start: number, size: number,
    options: AbortOptions
  ): Promise<void> {
    let k = 0
    for (; k < size; k++) {
      if (!this.isStarted()) return
      const peer = peerstore.getPeer(view.at(start + k))
      if (peer === undefined || peer.address === this.selfAddress) continue
      const range = size - k
      const level = ceilLog3(range)
      const bytes = encodeRainTreeMessage({ level, data, rangeSize: range, ackRequested: true })
      // no ACK in time may be a lost message or a lost ACK: resend once, waiting twice as long, before adjusting
      let outcome = await this.#sendAwaitingAck(peer, level, bytes, nonce, 1, options)
      if (outcome === 'timeout') outcome = await this.#resend(peer, level, bytes, nonce, options)
      if (outcome === 'taken' || outcome === 'aborted') return
      this.#metrics.adjusts?.increment()
      this.#log('%s did not take a range of %d (%s): handing the rest on', peer.address, range,
        outcome === 'failed' ? 'the send failed' : 'no ACK')
      break
    }
    const next = start + k + 1
    const rest = size - k - 1
    if (rest <= 0 || !this.isStarted()) return
    const parts: Array<Promise<void>> = [this.#delegate(view, peerstore, data, nonce, next, 1, options)]
    forEachPropagationTarget(rest, Infinity, { level: ceilLog3(rest), rangeSize: rest }, (index, _level, rangeSize) => {
      parts.push(this.#delegate(view, peerstore, data, nonce, next + index, rangeSize, options))
    })
    await Promise.all(parts)
  }

  /**
   * One send of a delegation: `taken` when the peer ACKed (or speaks only the reference protocol, which never
   * ACKs: it keeps the range), `failed` when the send failed, `timeout` when no ACK came in time.
   */
  async #sendAwaitingAck (
    peer: Peer, level: number, bytes: Uint8Array, nonce: bigint, patience: number, options: AbortOptions
  ): Promise<'taken' | 'failed' | 'timeout' | 'aborted'> {
    const roundTrip = this.#roundTrip as RoundTripEstimator
    const key = `${nonce}/${peer.address}`
    const awaited: AwaitedAck = { acked: false }
    // awaited before the send: an ACK may arrive before the send's promise settles
    const acks = this.#awaitedAcks ??= new Map()
    acks.set(key, awaited)
    try {
      let protocol: string
      try {
        protocol = await this.#transport.sendTo(peer, this.protocols, bytes, options)
      } catch (err) {
        if (options.signal?.aborted === true) return 'aborted'
        const error = this.#sendFailed(peer.address, level, err)
        this.#events?.dispatch('send:failed', { to: peer.address, level, error })
        return 'failed'
      }
      this.#metrics.writes?.increment()
      if (protocol !== this.#streamProtocol) {
        this.#learnReferenceOnly(peer.address, protocol)
        return 'taken'
      }
      // the clock starts once the message is written, not at the call: a dial, its handshakes and the protocol
      // negotiation (hundreds of ms for a fresh connection in a busy process; bench/ack-round-trip.ts) and a wait
      // behind earlier messages on the link show a live peer or a slow link, not a dead peer (a dead one fails the
      // send). An ACK back before the write settled leaves no clean round trip to sample
      if (awaited.acked) return 'taken'
      const writtenAt = this.#clock.now()
      if (!await this.#ackWithin(awaited, patience * roundTrip.timeoutMs())) return 'timeout'
      roundTrip.sample(this.#clock.now() - writtenAt)
      return 'taken'
    } finally {
      acks.delete(key)
    }
  }

  /** The one resend after an ACK timeout, waiting twice as long; counted apart (`pokt_raintree_resends_total`). */
  async #resend (
    peer: Peer, level: number, bytes: Uint8Array, nonce: bigint, options: AbortOptions
  ): Promise<'taken' | 'failed' | 'timeout' | 'aborted'> {
    this.#metrics.resends?.increment()
    this.#log('no ACK from %s for message %d in time: sending it again', peer.address, nonce)
    return await this.#sendAwaitingAck(peer, level, bytes, nonce, 2, options)
  }

  /** Resolves true once `awaited` is ACKed, false after `timeoutMs` (on the router's clock). */
  async #ackWithin (awaited: AwaitedAck, timeoutMs: number): Promise<boolean> {
    if (awaited.acked) return true
    return await new Promise<boolean>(resolve => {
      const timer = this.#clock.setTimeout(() => { resolve(awaited.acked) }, timeoutMs)
      awaited.wake = () => {
        this.#clock.clearTimeout(timer)
        resolve(true)
      }
    })
  }

  /** Records that this node propagates `nonce`; false when it already had (a later copy is not propagated again). */
  #propagatedOnce (nonce: bigint): boolean {
    // the last one in a field, the ones before in a set made only when a second message comes: a simulated node
    // sees one broadcast, and a million sets would be most of its memory
    if (nonce === this.#lastPropagated) return false
    if (this.#lastPropagated !== undefined) {
      // bounded: a copy older than the last 1,024 messages is rare, and would only be propagated once more
      this.#propagated ??= new NonceDeduper(1024)
      this.#propagated.checkAndInsert(this.#lastPropagated)
      if (!this.#propagated.checkAndInsert(nonce)) return false
    }
    this.#lastPropagated = nonce
    return true
  }

  /**
   * Records that this node propagates the reference-mode copy of `nonce` at `level` from `sender`; false when it
   * already did (a replay: its propagation would send exactly the messages already sent). The reference
   * propagates every copy, and an honest network does send a node the same message more than once; keyed by level
   * and sender, the Go tables (N = 1 … 27) are still matched message for message, and so is every N up to 732 (at
   * N ≥ 733 a node that took a message at two levels sends some target the same level twice: that target's second
   * propagation, identical to its first, is the only thing skipped). A level-0 or level-1 copy propagates nothing,
   * and levels above the local maximum are one level (they are clamped).
   */
  #referenceCopyOnce (nonce: bigint, level: number, sender: Address): boolean {
    const from = Math.min(level - 1, this.#maxNumLevels)
    if (from <= 0) return true
    const key = `${nonce}/${from}/${sender}`
    // as in #propagatedOnce: the last one in a field, a set only from the second one
    if (key === this.#lastReferenceCopy) return false
    if (this.#lastReferenceCopy !== undefined) {
      const copies = this.#referenceCopies ??= new Set()
      if (copies.has(key)) return false
      copies.add(this.#lastReferenceCopy)
      if (copies.size > MAX_REFERENCE_COPIES) copies.delete(copies.values().next().value as string)
    }
    this.#lastReferenceCopy = key
    return true
  }

  /** Whether this node has had the complete-mode message `nonce` (read-only: unlike {@link #propagatedOnce}). */
  #has (nonce: bigint): boolean {
    return nonce === this.#lastPropagated || this.#propagated?.contains(nonce) === true || this.#holds(nonce)
  }

  /**
   * What a complete-mode copy of `nonce` (range `rangeSize` > 0, from a staked peer, this node started) is to this
   * node: `first` when it did not have the message (deliver it, propagate its range); `range` when it held the
   * message only from a copy with no range to propagate and this one names a range (propagate it, do not deliver
   * again); `duplicate` otherwise. A range of 1 that is not a repair (a leaf of the tree, or a redundancy copy) is
   * recorded as held, not as propagated: a redundancy copy that reaches a range head before its tree copy must not
   * make that tree copy, and the range it names, look like a duplicate.
   */
  #copyOf (nonce: bigint, rangeSize: number, repair: boolean): 'first' | 'range' | 'duplicate' {
    if (rangeSize === 1 && !repair) {
      if (this.#has(nonce)) return 'duplicate'
      this.#hold(nonce)
      return 'first'
    }
    const held = this.#holds(nonce)
    if (!this.#propagatedOnce(nonce)) return 'duplicate'
    if (!held) return 'first'
    return rangeSize > 1 ? 'range' : 'duplicate'
  }

  /** Records that this node holds `nonce` from a copy with no range to propagate (see {@link #copyOf}). */
  #hold (nonce: bigint): void {
    // as in #propagatedOnce: the last one in a field, the ones before in a set made only when a second one comes
    if (this.#lastHeld !== undefined && this.#lastHeld !== nonce) {
      (this.#held ??= new NonceDeduper(1024)).checkAndInsert(this.#lastHeld)
    }
    this.#lastHeld = nonce
  }

  #holds (nonce: bigint): boolean {
    return nonce === this.#lastHeld || this.#held?.contains(nonce) === true
  }

  /** Notes a staked peer that a message went to, or came from, on the reference protocol: it is never asked. */
  #learnReferenceOnly (address: Address, protocol: string): void {
    if (this.#cleanup === undefined || protocol !== this.protocol || this.#streamProtocol === undefined) return
    if (!this.#manager.peerstore.has(address)) return
    (this.#referenceOnly ??= new Set()).add(address)
  }

  /** The clean-up delay now: the configured one, or a multiple of the answer timeout (see {@link CleanupInit.delayMs}). */
  #cleanupDelayMs (): number {
    return this.#cleanup?.delayMs ?? CLEANUP_DELAY_TIMEOUTS * (this.#roundTrip as RoundTripEstimator).timeoutMs()
  }

  #clearTimer (entry: CleanupEntry): void {
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer)
    if (entry.skippedTimer !== undefined) this.#clock.clearTimeout(entry.skippedTimer)
    entry.timer = undefined
    entry.skippedTimer = undefined
  }

  /**
   * Starts cleaning up the message `nonce` this node now has: its walk to the right after the clean-up delay (a
   * repaired node too: its repairer walks on to its right at once, and this later walk covers a repairer that
   * crashed).
   */
  #startCleanup (nonce: bigint, data: Uint8Array): void {
    if (this.#cleanup === undefined || !this.#manager.view.containsSelf) return
    const cleanups = this.#cleanups ??= new Map()
    if (cleanups.has(nonce)) return
    const { maxRetainedBytes } = this.#cleanup
    if (data.byteLength > maxRetainedBytes) {
      // no bytes to repair with: this node leaves the message's clean-up to the others (it still answers HAVE)
      this.#metrics.cleanup?.increment({ not_retained: true })
      this.#log('message %d (%d bytes) is larger than cleanup.maxRetainedBytes (%d): not kept, not cleaned up by this node',
        nonce, data.byteLength, maxRetainedBytes)
      return
    }
    // the oldest first, by count and by bytes (a walk not started yet is not made)
    while (cleanups.size >= MAX_CLEANUPS || this.#retainedBytes + data.byteLength > maxRetainedBytes) {
      const [oldest, entry] = cleanups.entries().next().value as [bigint, CleanupEntry]
      if (entry.walked !== true) {
        this.#metrics.cleanup?.increment({ evicted_unwalked: true })
        this.#log('message %d forgotten before its clean-up walk: more than %d messages or %d bytes within a clean-up delay',
          oldest, MAX_CLEANUPS, maxRetainedBytes)
      }
      this.#forgetCleanup(oldest, entry)
    }
    const entry: CleanupEntry = { data, timer: undefined }
    cleanups.set(nonce, entry)
    this.#retainedBytes += data.byteLength
    const walk = (): void => {
      entry.timer = undefined
      entry.walked = true
      void this.#walk(nonce, entry).catch(err => {
        this.#log.error('clean-up of message %d failed: %s', nonce, toError(err).message)
      })
    }
    entry.timer = this.#clock.setTimeout(walk, this.#cleanupDelayMs())
  }

  /**
   * Asks the nodes to the right, one after another, whether they have the message: a `WANT` is repaired (with a
   * range that doubles along a run of them) and the walk goes on past it; it ends at the first `HAVE`, at a peer
   * that speaks only the reference protocol, after `maxProbes` unanswered queries in a row, or back at this node.
   * The data is then kept `retainMs`, for the queries of nodes a later walk skipped.
   */
  async #walk (nonce: bigint, entry: CleanupEntry): Promise<void> {
    const { maxProbes, retainMs } = this.#cleanup as ResolvedCleanup
    const view = this.#manager.view
    const peerstore = this.#manager.peerstore
    // unanswered queries since the last answer
    let probes = 0
    let answered = false
    // the range the next repair hands on: doubled after each repair in a row (see #repair)
    let range = 1
    for (let k = 1; k < view.length && probes < maxProbes && !answered; k++) {
      if (!this.isStarted()) return
      const address = view.at(k)
      const peer = peerstore.getPeer(address)
      if (peer === undefined || address === this.selfAddress) continue
      if (this.#referenceOnly?.has(address) === true) {
        answered = true // a reference node is never asked: it counts as having the message
        break
      }
      probes++
      const size = Math.min(range, view.length - k)
      const heard: { next?: Address } = {}
      let answer = await this.#ask(peer, nonce, entry.data, size, 1, false, heard)
      // no answer may be a lost query or a lost answer: ask once more, waiting twice as long, before moving on (the
      // next node's "have" would end the walk, and this one would never be asked again)
      if (answer === 'timeout') answer = await this.#ask(peer, nonce, entry.data, size, 2, false, heard)
      if (answer === 'stopped') return
      answered = answer === 'have'
      if (answered && heard.next !== undefined) this.#askSkipped(nonce, entry, address, heard.next)
      if (answer !== 'want') {
        range = 1
        continue
      }
      // a node that wanted it was repaired with the `size` nodes from it on; the next is likely missed too (the rest
      // of a lost range, which may be a third of the network): this walk goes on past them until a node has it,
      // each repair handing on twice the range of the one before, so a run of L missed nodes takes about log₂ L
      // steps, not L (the last range may overshoot the run: a duplicate copy for at most as many nodes as the run
      // had). A repaired head that crashes before forwarding is caught by the walks of the nodes repaired before it,
      // which start after their delay.
      probes = 0
      k += size - 1
      range *= 2
    }
    if (!answered && probes > 0) {
      this.#metrics.cleanup?.increment({ gave_up: true })
      this.#log('clean-up of message %d: none of %d nodes to the right answered, giving up', nonce, probes)
    }
    if (!this.isStarted() || this.#cleanups?.get(nonce) !== entry) return
    entry.timer = this.#clock.setTimeout(() => {
      this.#forgetCleanup(nonce, entry)
    }, retainMs)
  }

  /** Forgets the clean-up of `nonce` (its bytes), if `entry` is still the one kept for it. */
  #forgetCleanup (nonce: bigint, entry: CleanupEntry): void {
    if (this.#cleanups?.get(nonce) !== entry) return
    this.#clearTimer(entry)
    this.#cleanups.delete(nonce)
    this.#retainedBytes -= entry.data.byteLength
  }

  /**
   * One clean-up query to `peer` about `nonce`, and a repair (of `repairRange` nodes from it on) when it answers
   * `WANT`. `failed` when the query could not be sent, `timeout` when no answer came within `patience` answer
   * timeouts. A `HAVE`'s right neighbour, if it named one, is put in `heard`.
   */
  async #ask (peer: Peer, nonce: bigint, data: Uint8Array, repairRange = 1, patience = 1, gap = false, heard?: { next?: Address }): Promise<Answer> {
    const roundTrip = this.#roundTrip as RoundTripEstimator
    const key = `${nonce}/${peer.address}`
    const answers = this.#awaitedAnswers ??= new Map()
    // already asking it (a walk and a gap check meet): that query covers this one
    if (answers.has(key)) return 'have'
    const awaited: AwaitedAnswer = {}
    answers.set(key, awaited)
    let answer: Answer
    // (timed from the written query, as an ACK is: see #sendAwaitingAck; undefined when answered before that)
    let writtenAt: number | undefined
    try {
      try {
        await this.#transport.sendTo(peer, this.#streamProtocol as string, encodeRainTreeControl(RainTreeControl.IGYW, nonce, gap ? GAP_QUERY_LEVEL : 0))
      } catch (err) {
        // not an error: a dead neighbour is what clean-up is for, and a peer that speaks only the reference
        // protocol (not known as such yet) refuses the stream protocol before any byte reaches it
        this.#metrics.cleanup?.increment({ query_failed: true })
        this.#log('clean-up query to %s failed, asking the next node: %s', peer.address, toError(err).message)
        return 'failed'
      }
      this.#metrics.cleanup?.increment({ query_sent: true })
      if (awaited.answer === undefined) writtenAt = this.#clock.now()
      answer = await this.#answerWithin(awaited, patience * roundTrip.timeoutMs())
    } finally {
      answers.delete(key)
    }
    if (heard !== undefined) heard.next = awaited.next
    if ((answer === 'have' || answer === 'want') && writtenAt !== undefined) roundTrip.sample(this.#clock.now() - writtenAt)
    if (answer === 'timeout') this.#metrics.cleanup?.increment({ no_answer: true })
    if (answer === 'want') await this.#repair(peer, nonce, data, repairRange)
    return answer
  }

  /** Resolves with the answer once it came, `timeout` after `timeoutMs` (on the router's clock). */
  async #answerWithin (awaited: AwaitedAnswer, timeoutMs: number): Promise<Answer> {
    if (awaited.answer !== undefined) return awaited.answer
    return await new Promise<Answer>(resolve => {
      const timer = this.#clock.setTimeout(() => { resolve(awaited.answer ?? 'timeout') }, timeoutMs)
      awaited.wake = (answer) => {
        this.#clock.clearTimeout(timer)
        resolve(answer)
      }
    })
  }

  /**
   * Sends the whole message to a node that wants it, marked as a repair, ACKed (resent once without): with a range
   * of `range` nodes from it on (1: just itself), which it propagates as a range of the tree.
   */
  async #repair (peer: Peer, nonce: bigint, data: Uint8Array, range = 1): Promise<void> {
    const level = ceilLog3(range)
    const bytes = encodeRainTreeMessage({ level, data, rangeSize: range, ackRequested: true, repair: true })
    let outcome = await this.#sendAwaitingAck(peer, level, bytes, nonce, 1, {})
    if (outcome === 'timeout') outcome = await this.#resend(peer, level, bytes, nonce, {})
    if (outcome === 'taken') this.#metrics.cleanup?.increment({ repaired: true })
    else this.#log('repair of message %d to %s not taken (%s)', nonce, peer.address, outcome)
  }

  /**
   * After a query or a repair from `from`: when `from` is to the left but not this node's left neighbour, its view
   * may miss the nodes in between (or it found them dead): this node, which has the message, asks them itself (the
   * nearest `maxProbes`, all at once).
   */
  #askGap (nonce: bigint, from: Address, walkQuery: boolean): void {
    const entry = this.#cleanups?.get(nonce)
    if (entry === undefined || !this.isStarted()) return
    const view = this.#manager.view
    const j = view.indexOf(from)
    // `from` is j steps to the right and length − j to the left. A walk's query comes from the left, however far
    // (gap queries are marked and never get here): the nodes in between are the gap. A repair may also come from a
    // gap check on the right: then only a repairer nearer on the left has a gap. (Queries once went by that rule
    // too, which on a small ring skipped real gaps: N = 5, the originator blind to node 2 and node 1 dead.)
    if (j <= 0 || (!walkQuery && view.length - j >= j)) return
    const peerstore = this.#manager.peerstore
    const { maxProbes } = this.#cleanup as ResolvedCleanup
    for (let k = view.length - 1; k > j && view.length - k <= maxProbes; k--) {
      const peer = peerstore.getPeer(view.at(k))
      if (peer === undefined || this.#referenceOnly?.has(peer.address) === true) continue
      void this.#ask(peer, nonce, entry.data, 1, 1, true)
    }
  }

  /**
   * After a `HAVE` from `answerer` naming its right neighbour `next`, the node its own walk asks first: the nodes
   * this node's view holds between the two are missing from the answerer's view, so its walk passes them by, and
   * when its other neighbour's view misses them too no walk would ever ask them. This node asks them itself (the
   * nearest `maxProbes`, all at once, as gap queries: their answers check no gap of their own).
   */
  #askSkipped (nonce: bigint, entry: CleanupEntry, answerer: Address, next: Address): void {
    if (!this.isStarted() || this.#cleanups?.get(nonce) !== entry || entry.skippedTimer !== undefined) return
    const view = this.#manager.view
    const j = view.indexOf(answerer)
    if (j <= 0) return
    const peerstore = this.#manager.peerstore
    const { maxProbes } = this.#cleanup as ResolvedCleanup
    const skipped: Peer[] = []
    for (let k = j + 1; k < view.length && skipped.length < maxProbes; k++) {
      const address = view.at(k)
      if (!strictlyBetween(answerer, address, next)) break
      const peer = peerstore.getPeer(address)
      if (peer !== undefined && this.#referenceOnly?.has(address) !== true) skipped.push(peer)
    }
    if (skipped.length === 0) return
    // Later, not now: the answerer's walk asks `next`, whose gap check asks them too when its view has them (one
    // node missing from one view, the common case), and two askers would send two repairs. That walk starts within
    // a clean-up delay of this answer; two answer timeouts more cover its query and repair, so this query most
    // likely hears "have" (11 + 33 bytes), and only a node both neighbours miss takes its repair from here.
    entry.skippedTimer = this.#clock.setTimeout(() => {
      entry.skippedTimer = undefined
      if (!this.isStarted() || this.#cleanups?.get(nonce) !== entry) return
      for (const peer of skipped) {
        this.#metrics.cleanup?.increment({ skipped_asked: true })
        void this.#ask(peer, nonce, entry.data, 1, 1, true)
      }
    }, this.#cleanupDelayMs() + 2 * (this.#roundTrip as RoundTripEstimator).timeoutMs())
  }

  /**
   * A clean-up query from a peer outside this node's view (dropped: strangers are never answered) names a message
   * that this node, if it lacks it, cannot take from that peer, nor from the querier's neighbour that checks the
   * gap when its own view misses that one too. So it asks its own view neighbours, left and right, with an unasked
   * `WANT`, once per message (the last 256 remembered): they repair it if they have the message.
   */
  #pullAfterStrangerQuery (bytes: Uint8Array): void {
    if (this.#cleanup === undefined || !this.isStarted() || !this.#manager.view.containsSelf) return
    let msg: RainTreeMessage
    try {
      msg = decodeRainTreeMessage(bytes)
    } catch {
      return
    }
    if (msg.control !== RainTreeControl.IGYW || this.#has(msg.nonce)) return
    this.#pulled ??= new NonceDeduper(256)
    if (!this.#pulled.checkAndInsert(msg.nonce)) return
    const view = this.#manager.view
    if (view.length < 2) return
    const frame = encodeRainTreeControl(RainTreeControl.WANT, msg.nonce)
    for (const index of new Set([1, view.length - 1])) {
      const peer = this.#manager.peerstore.getPeer(view.at(index))
      if (peer === undefined || this.#referenceOnly?.has(peer.address) === true) continue
      this.#metrics.cleanup?.increment({ pull_sent: true })
      this.#transport.sendTo(peer, this.#streamProtocol as string, frame).catch(ignore)
    }
  }

  /** An unasked `WANT` from a staked peer (see {@link #pullAfterStrangerQuery}): repaired when this node has the bytes. */
  #repairUnasked (nonce: bigint, from: Address): void {
    const entry = this.#cleanups?.get(nonce)
    const peer = this.#manager.peerstore.getPeer(from)
    if (entry === undefined || peer === undefined || !this.isStarted()) return
    // one unasked repair per peer and message, ever: a hostile staked peer must not turn 11-byte WANTs into a
    // stream of full copies (the last MAX_UNASKED_REPAIRS remembered)
    const key = `${nonce}/${from}`
    const done = this.#unaskedRepairs ??= new Set()
    if (done.has(key) || this.#awaitedAcks?.has(key) === true) return
    done.add(key)
    if (done.size > MAX_UNASKED_REPAIRS) done.delete(done.values().next().value as string)
    void this.#repair(peer, nonce, entry.data)
  }

  async #sendOne (peer: Peer, level: number, bytes: Uint8Array, options: AbortOptions): Promise<void> {
    try {
      this.#learnReferenceOnly(peer.address, await this.#transport.sendTo(peer, this.protocols, bytes, options))
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

  /** The inbound handler of every protocol it speaks: check → propagate → deliver (reference order). Never throws. */
  readonly #onMessage = async (bytes: Uint8Array, from: RemoteSender, protocol: string): Promise<void> => {
    try {
      await this.#handle(bytes, from, protocol)
    } catch (err) {
      // nothing in #handle is expected to throw: a bug here, not the sender's fault; reported rather than lost
      this.#drop('internal', from.address, `handling a RainTree message failed: ${toError(err).message}`, err)
    }
  }

  /** A control frame: only on the stream protocol, from a staked peer (checked by the caller). */
  #onControl (msg: RainTreeMessage, from: RemoteSender, protocol: string): void {
    if (protocol !== this.#streamProtocol) {
      this.#drop('decode', from.address, 'a control frame on the reference protocol')
      return
    }
    switch (msg.control) {
      case RainTreeControl.ACK: {
        this.#metrics.acks?.increment({ received: true })
        const awaited = this.#awaitedAcks?.get(`${msg.nonce}/${from.address}`)
        if (awaited === undefined || awaited.acked) return // late, or never asked for: nothing waits for it
        awaited.acked = true
        awaited.wake?.()
        return
      }
      case RainTreeControl.IGYW:
        this.#answer(msg.nonce, from.address, msg.level !== GAP_QUERY_LEVEL)
        return
      case RainTreeControl.HAVE:
      case RainTreeControl.WANT: {
        const answer = msg.control === RainTreeControl.HAVE ? 'have' : 'want'
        this.#metrics.cleanup?.increment({ [answer]: true })
        const awaited = this.#awaitedAnswers?.get(`${msg.nonce}/${from.address}`)
        if (awaited === undefined && answer === 'want') {
          this.#repairUnasked(msg.nonce, from.address)
          return
        }
        if (awaited === undefined || awaited.answer !== undefined) return // late, or never asked: nothing waits for it
        awaited.answer = answer
        // an address's bytes, else ignored (a malformed one only forgoes the check it serves)
        if (answer === 'have' && msg.next.length === ADDRESS_BYTES) awaited.next = bytesToHex(msg.next)
        awaited.wake?.(answer)
        return
      }
      default:
        this.#drop('decode', from.address, `unknown control frame ${msg.control}`)
    }
  }

  /**
   * Answers a clean-up query (whatever this node's own `cleanup` option): `HAVE` when it has the message, else
   * `WANT` — only from a staked peer, and only when this node is staked and started (a client-only node takes no
   * part). Then it asks the nodes between the querier and itself, if any (see {@link #askGap}).
   */
  #answer (nonce: bigint, to: Address, walkQuery: boolean): void {
    const peer = this.#manager.peerstore.getPeer(to)
    if (peer === undefined) {
      this.#drop('unknownSender', to, `a clean-up query from ${to}, which is not in the staked peerstore`)
      return
    }
    if (!this.isStarted() || !this.#manager.view.containsSelf || this.#streamProtocol === undefined) return
    const has = this.#has(nonce)
    const frame = has
      ? encodeRainTreeControl(RainTreeControl.HAVE, nonce, 0, this.#rightNeighbourBytes())
      : encodeRainTreeControl(RainTreeControl.WANT, nonce)
    this.#transport.sendTo(peer, this.#streamProtocol, frame).catch(ignore)
    // a gap query checks no gap of its own: gap checks never chain
    if (has && walkQuery && this.#cleanup !== undefined) this.#askGap(nonce, to, true)
  }

  /**
   * This node's right neighbour in its view as address bytes, for a `HAVE` (see {@link #askSkipped}): undefined when
   * it has none, or when its address is not an address's hex (then the querier checks nothing).
   */
  #rightNeighbourBytes (): Uint8Array | undefined {
    const view = this.#manager.view
    if (view.length < 2) return undefined
    const bytes = tryHexToBytes(view.at(1))
    return bytes?.length === ADDRESS_BYTES ? bytes : undefined
  }

  #sendAck (nonce: bigint, to: Address): void {
    const peer = this.#manager.peerstore.getPeer(to)
    if (peer === undefined || this.#streamProtocol === undefined) return
    this.#metrics.acks?.increment({ sent: true })
    this.#transport.sendTo(peer, this.#streamProtocol, encodeRainTreeControl(RainTreeControl.ACK, nonce)).catch(ignore)
  }

  async #handle (bytes: Uint8Array, from: RemoteSender, protocol: string): Promise<void> {
    // the sender first: a stranger's bytes are not worth decoding
    const known = this.#manager.peerstore.has(from.address)
    if (!known && !this.#acceptFromUnknown) {
      this.#drop('unknownSender', from.address, `${from.address} is not in the staked peerstore`)
      // (a clean-up query is 11 bytes: cheap to read, and it tells of a message this node may lack)
      if (bytes.length === 11 && protocol === this.#streamProtocol) this.#pullAfterStrangerQuery(bytes)
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
    if (msg.control !== RainTreeControl.NONE) {
      this.#onControl(msg, from, protocol)
      return
    }
    const envelope = checkEnvelope(data)
    if (!envelope.ok) {
      this.#drop(envelope.reason, from.address, envelope.error.message, envelope.error)
      return
    }
    this.#metrics.reads?.increment()
    this.#log.trace('level %d range %d message from %s', level, rangeSize, from.address)
    if (known) this.#learnReferenceOnly(from.address, protocol)
    let propagation: Promise<void> | undefined
    // a complete-mode copy of a message this node already had (a resend whose ACK was late, a range adjusted past
    // a slow node) is ACKed again but neither propagated nor delivered again: complete mode delivers once
    // (only a staked sender's copy is recorded: a stranger's, delivered under `acceptFromUnknownPeers`, must not make
    // the staked copy that follows look like a duplicate; a copy with no range to propagate, a leaf's or a
    // redundancy copy, is not taken for a propagated range: see #copyOf)
    const propagates = known && this.isStarted()
    const copy = rangeSize === 0 || !propagates ? 'first' : this.#copyOf(envelope.nonce, rangeSize, msg.repair)
    const first = copy === 'first'
    // a reference-mode copy is propagated once per level and sender: a replay costs nothing (it is still delivered:
    // the reference delivers every copy, and de-duplication for the application is the p2p module's)
    const replay = propagates && rangeSize === 0 && !this.#referenceCopyOnce(envelope.nonce, level, from.address)
    if (replay) {
      this.#metrics.replays?.increment()
      this.#log.trace('a replayed copy of message %d from %s at level %d: not propagated again', envelope.nonce, from.address, level)
    }
    if (propagates && !replay) {
      // a range whose sender waits for an ACK is ACKed at once, before forwarding (whatever this node's own `ack`
      // option): the sender needs it to know that someone took the range
      if (msg.ackRequested && protocol === this.#streamProtocol) this.#sendAck(envelope.nonce, from.address)
      if (copy !== 'duplicate') {
        const view = this.#manager.view
        this.#plan.length = 0
        const demotes = forEachPropagationTarget(view.length, this.#maxNumLevels, { level, rangeSize }, this.#sink, view.containsSelf)
        this.#metrics.demotes?.increment(demotes)
        propagation = this.#sendPlanned(data, {}, envelope.nonce)
      }
    }
    if (first && propagates && rangeSize > 0) {
      // clean-up: a repaired node asks, at once, the nodes between its repairer and itself (the repairer's view may
      // miss them); its own walk to the right waits the delay like any other (its repairer walks on meanwhile)
      this.#startCleanup(envelope.nonce, data)
      if (msg.repair && protocol === this.#streamProtocol) this.#askGap(envelope.nonce, from.address, false)
    }
    if (!first) {
      // a duplicate; or the range of a message held from a copy that had none: propagated, not delivered again
      // (a duplicate either way: every read is delivered, a duplicate, a replay or dropped)
      this.#metrics.duplicates?.increment()
      this.#log.trace('a copy of message %d from %s: already had it%s', envelope.nonce, from.address,
        propagation === undefined ? '' : ' from a copy with no range; its range propagated')
      await propagation
      return
    }
    this.#metrics.delivered?.increment()
    this.#events?.dispatch('message', {
      data, nonce: envelope.nonce, content: envelope.content, router: this.name, from: from.address
    })
    await propagation
  }
}

/** What a failed ACK send says to the one who sent it: nothing; the sender adjusts, as for a lost ACK. */
function ignore (): void {}

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

/**
 * Whether `x` comes strictly after `from` and before `to` going right round the ring of addresses (the view's sort
 * order); the whole ring but `from` when the two are one.
 */
function strictlyBetween (from: Address, x: Address, to: Address): boolean {
  if (from < to) return from < x && x < to
  return x > from || x < to
}
