import {
  addressFromPublicKey, bytesToHex, defaultComponentLogger, DEFAULT_MAX_MESSAGE_BYTES, integerOption, InvalidConfigError,
  MessageTooLargeError, NotStartedError, PeerUnreachableError,
  type AbortOptions, type Address, type ComponentLogger, type InboundMessageHandler, type Logger, type MessageTransport,
  type Metrics, type Peer, type RemoteSender
} from '@pokt-p2p/types'
import {
  DEFAULT_FRAMED_PROTOCOLS, DEFAULT_MAX_CONCURRENT_HANDLERS_PER_STREAM, DEFAULT_MAX_CONCURRENT_SENDS,
  DEFAULT_MAX_CONCURRENT_SENDS_PER_PEER, DEFAULT_MAX_INBOUND_BYTES, DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS,
  DEFAULT_PRIORITY_INBOUND_BYTES, DEFAULT_READ_TIMEOUT_MS, DEFAULT_SEND_TIMEOUT_MS, DEFAULT_STREAM_IDLE_TIMEOUT_MS
} from './constants.js'
import { Deadline } from './deadline.js'
import {
  InboundBudgetExceededError, NoHandlerError, ReadTimeoutError, SendAbortedError, SendTimeoutError, StreamNotAdmittedError
} from './errors.js'
import { InboundBudget } from './inbound-budget.js'
import {
  ClosedBeforeWriteError, FramedStream, type FramedStreamHooks, type FramedStreamLimits, type TransportRejectReason
} from './framed-stream.js'
import { addressOfPeerId, peerIdOf, remoteSenderOf } from './peer.js'
import { readMessage, toError, writeMessage } from './unicast.js'
import { KeyedSemaphore } from './semaphore.js'
import { serviceUrlToMultiaddr } from './url.js'
import { raceSignal } from 'race-signal'
import type { Connection, Counter, CounterGroup, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'

export type { TransportRejectReason } from './framed-stream.js'

/** Where a receive error happened; `from` is set once the remote key was authenticated. */
export interface InboundErrorContext {
  /** the protocol the stream was opened on */
  protocol: string
  /** the authenticated sender, when known */
  from?: RemoteSender
}

/** What a {@link Libp2pMessageTransport} is given: the node it sends through, and where it logs and counts. */
export interface MessageTransportComponents {
  /** a libp2p node with an ed25519 key (see `createNode`); started before or after the transport is created */
  node: Libp2p
  /**
   * Where the transport logs (namespace `pokt:transport`): rejected inbound messages and failed sends.
   * @default defaultComponentLogger() (libp2p's `debug` logger: `DEBUG=pokt:*`)
   */
  logger?: ComponentLogger
  /**
   * Where the transport counts messages, bytes, rejections, handler errors, retries and opened streams
   * (`pokt_transport_*`).
   * @default none: nothing is counted
   */
  metrics?: Metrics
}

/** Options of {@link Libp2pMessageTransport}. */
export interface Libp2pTransportInit {
  /**
   * Largest message sent or accepted. A v1 stream is reset once it passes it; on a framed protocol the length
   * prefix is checked before any byte of the body is kept. Sends over it fail locally.
   * @default DEFAULT_MAX_MESSAGE_BYTES (4 MiB block + 64 KiB of headers)
   */
  maxMessageBytes?: number
  /**
   * Read deadline. v1 (one message per stream): the whole message must arrive within this many ms of the stream
   * opening. Framed protocols: each frame must be complete within this many ms of its first byte (idle time
   * between frames does not count). Else the stream is reset.
   * @default 10_000 (the reference's `readStreamTimeout`)
   */
  readTimeoutMs?: number
  /**
   * Deadline of one send: waiting for a send slot, dial, protocol negotiation, write (and, on v1, close).
   * @default 10_000
   */
  sendTimeoutMs?: number
  /**
   * How to find a peer's multiaddrs when no connection to it is open. Memory networks pass
   * `p => [memoryMultiaddr(p.address)]`.
   * @default `[await serviceUrlToMultiaddr(peer.serviceUrl)]` (DNS resolved on each new dial, as the reference)
   */
  resolveAddresses?: (peer: Peer) => Promise<Multiaddr[]> | Multiaddr[]
  /**
   * Inbound streams per connection and protocol open at once; libp2p resets extra ones. Together with
   * `maxMessageBytes` this bounds the memory one connection can pin.
   * @default 32
   */
  maxInboundStreams?: number
  /**
   * Outbound streams per connection and protocol open at once; extra sends fail.
   * @default 64
   */
  maxOutboundStreams?: number
  /**
   * Sends in flight to one peer at once; further sends wait (within `sendTimeoutMs`). Keep it below the peers'
   * `maxInboundStreams`, or bursts of v1 messages are reset by the receiver.
   * @default 16
   */
  maxConcurrentSendsPerPeer?: number
  /**
   * Sends in flight at once over all peers; further sends wait (within `sendTimeoutMs`). Bounds the dials,
   * negotiations and streams one node has under way.
   * @default 256 (see `DEFAULT_MAX_CONCURRENT_SENDS`)
   */
  maxConcurrentSends?: number
  /**
   * The protocols sent and received as length-prefixed frames on one long-lived stream per peer (see the README,
   * "Framed protocols"). Every other protocol is v1: one message per stream, as the Go reference.
   * @default [RAINTREE_STREAM_PROTOCOL_ID, BACKGROUND_STREAM_PROTOCOL_ID] (`pokt/raintree/v2.0.0`,
   * `pokt/background/v2.0.0`): the fast paths of this implementation's routers; their v1 ids stay one message per
   * stream because that is what the Go reference nodes speak
   */
  framedProtocols?: readonly string[]
  /**
   * A framed stream that carried no frame either way for this long is closed gracefully; the next send opens a
   * new one.
   * @default 60_000 (see `DEFAULT_STREAM_IDLE_TIMEOUT_MS`)
   */
  streamIdleTimeoutMs?: number
  /**
   * Handler calls of one framed stream in flight at once. Frames are handed to the handler in arrival order; at
   * the limit the stream stops reading until a handler returns, so a slow handler slows its sender down (1: one
   * frame at a time).
   * @default 16 (see `DEFAULT_MAX_CONCURRENT_HANDLERS_PER_STREAM`)
   */
  maxConcurrentHandlersPerStream?: number
  /**
   * Decides, when a peer opens an inbound stream and before any of its bytes is read, whether this sender may use
   * this protocol; a stream refused is reset (`StreamNotAdmittedError`, reason `notAdmitted`). The p2p module admits
   * RainTree streams from the staked set only, so an outsider cannot make a node buffer a RainTree message at all.
   * It is called once per stream (once per peer on framed protocols), synchronously: keep it a lookup.
   * @default every sender on every protocol
   */
  admitInbound?: (protocol: string, from: RemoteSender) => boolean
  /**
   * Node-wide bytes held by unfinished inbound messages of every peer and protocol (v1 messages being read, framed
   * messages being assembled or waiting for a handler slot). A message whose next bytes would pass it is refused:
   * its stream is reset (`InboundBudgetExceededError`, reason `budget`) and its bytes released. `Infinity`: none.
   * @default 64 MiB (see `DEFAULT_MAX_INBOUND_BYTES`): 15 messages of the largest size at once
   */
  maxInboundBytes?: number
  /**
   * The part of `maxInboundBytes` only senders passing `priorityPeer` may use; the others together hold at most the
   * rest. Applies only when `priorityPeer` is given.
   * @default 48 MiB (see `DEFAULT_PRIORITY_INBOUND_BYTES`): senders without priority share 16 MiB
   */
  priorityInboundBytes?: number
  /**
   * Senders whose messages may use the whole inbound budget (the p2p module passes "is in the staked set"), so
   * outsiders flooding the background protocols cannot starve them.
   * @default none: every sender may use the whole budget
   */
  priorityPeer?: (from: RemoteSender) => boolean
  /**
   * Called for every rejected inbound message and every handler failure. Receive errors never propagate: they are
   * logged, counted in the metrics and reported here.
   * @default none
   */
  onError?: (error: Error, context: InboundErrorContext) => void
}

/** The transport's counters, when a `metrics` component was given. */
interface TransportMetrics {
  /** `pokt_transport_messages_total{direction}`: messages (v1) or frames fully written (`sent`) or delivered to a handler (`received`) */
  messages: CounterGroup<'sent' | 'received'>
  /** `pokt_transport_bytes_total{direction}`: payload bytes of those messages */
  bytes: CounterGroup<'sent' | 'received'>
  /** `pokt_transport_rejected_total{reason}`: inbound messages rejected (each rejection counts once) */
  rejected: CounterGroup<TransportRejectReason>
  /** `pokt_transport_handler_errors_total`: handlers that threw or rejected (the message had been received) */
  handlerErrors: Counter
  /** `pokt_transport_retries_total`: sends retried on a fresh stream closed before their first byte */
  retries: Counter
  /** `pokt_transport_streams_opened_total{protocol}`: streams this node opened (one per v1 message; framed: per peer) */
  streamsOpened: CounterGroup
}

function registerBudgetMetric (metrics: Metrics, budget: InboundBudget): void {
  metrics.registerMetric('pokt_transport_inbound_buffered_bytes', {
    help: 'Bytes held now by unfinished inbound messages (the node-wide inbound budget in use)',
    calculate: () => budget.used
  })
}

function registerMetrics (metrics: Metrics): TransportMetrics {
  return {
    messages: metrics.registerCounterGroup('pokt_transport_messages_total', {
      label: 'direction', help: 'Messages (frames on framed protocols) fully written (sent) or delivered to a handler (received)'
    }) as CounterGroup<'sent' | 'received'>,
    bytes: metrics.registerCounterGroup('pokt_transport_bytes_total', {
      label: 'direction', help: 'Payload bytes of the messages sent and received'
    }) as CounterGroup<'sent' | 'received'>,
    rejected: metrics.registerCounterGroup('pokt_transport_rejected_total', {
      label: 'reason', help: 'Inbound messages rejected: over the size cap, past the read deadline, over the inbound budget, sender not admitted, or other (reset, malformed, no handler, bad key)'
    }) as CounterGroup<TransportRejectReason>,
    handlerErrors: metrics.registerCounter('pokt_transport_handler_errors_total', {
      help: 'Inbound message handlers that threw or rejected'
    }),
    retries: metrics.registerCounter('pokt_transport_retries_total', {
      help: 'Sends retried once on a fresh stream because the first was closed before anything was written'
    }),
    streamsOpened: metrics.registerCounterGroup('pokt_transport_streams_opened_total', {
      label: 'protocol', help: 'Streams this node opened, by negotiated protocol: one per message on v1, one per peer on framed protocols'
    })
  }
}

/**
 * The transport as a libp2p-style service factory: `messageTransport(init)({ node, logger?, metrics? })`.
 *
 * @example
 * ```ts
 * const transport = messageTransport({ sendTimeoutMs: 5_000 })({ node, metrics })
 * transport.handle(RAINTREE_STREAM_PROTOCOL_ID, (bytes, from) => { … })
 * await transport.sendTo(peer, [RAINTREE_STREAM_PROTOCOL_ID, RAINTREE_PROTOCOL_ID], bytes)
 * ```
 * @param init - limits, timeouts, framed protocols, address resolution and the error callback
 */
export function messageTransport (init: Libp2pTransportInit = {}): (components: MessageTransportComponents) => Libp2pMessageTransport {
  return components => new Libp2pMessageTransport(components, init)
}

/** A peer's framed streams of one protocol: the ones this node may write on, and the one it writes on now. */
interface FramedLink {
  streams: FramedStream[]
  /** kept while it stays writable, so one sender's frames follow each other on one stream */
  current: FramedStream | undefined
}

/** Entries of the peer id cache before it is cleared (a bound, not a working-set size: staked sets are smaller). */
const PEER_ID_CACHE_SIZE = 10_000

/**
 * {@link MessageTransport} over a libp2p node. Two wire formats, chosen per protocol:
 *
 * - v1 (every protocol not in `framedProtocols`): one stream per message, framed as the Go reference (write all,
 *   close; read to end), so Go nodes interoperate.
 * - framed (`framedProtocols`, by default RainTree's and the background router's v2): one long-lived stream per
 *   peer and protocol, used in both directions, carrying unsigned-varint length-prefixed frames; reopened when it
 *   breaks, closed when idle.
 *
 * `sendTo` takes protocols in order of preference and negotiates with multistream-select, so a peer that only
 * speaks v1 gets v1. Inbound messages are read under a size cap and a deadline; the sender's pocket address comes
 * from the connection's noise-authenticated key.
 *
 * Handlers may be registered before or after the node starts.
 */
export class Libp2pMessageTransport implements MessageTransport {
  /** The pocket address of the node's key. */
  readonly localAddress: Address

  readonly #node: Libp2p
  readonly #log: Logger
  readonly #metrics: TransportMetrics | undefined
  readonly #handlers = new Map<string, InboundMessageHandler>()
  readonly #maxMessageBytes: number
  readonly #readTimeoutMs: number
  readonly #sendTimeoutMs: number
  readonly #maxInboundStreams: number
  readonly #maxOutboundStreams: number
  readonly #resolveAddresses: (peer: Peer) => Promise<Multiaddr[]> | Multiaddr[]
  readonly #onError: ((error: Error, context: InboundErrorContext) => void) | undefined
  readonly #peerSlots: KeyedSemaphore
  readonly #globalSlots: KeyedSemaphore
  /** one writer at a time per framed link, served in call order */
  readonly #writeTurns = new KeyedSemaphore(1)
  readonly #dials = new Map<Address, Promise<void>>()
  readonly #framedProtocols: ReadonlySet<string>
  readonly #framedLimits: FramedStreamLimits
  readonly #framedHooks: FramedStreamHooks
  /** framed streams by `address \n protocol` */
  readonly #links = new Map<string, FramedLink>()
  /** every framed stream still read from, to close them all */
  readonly #framedStreams = new Set<FramedStream>()
  /** the protocol each peer chose from each list of protocols offered to it, until a connection to it closes */
  readonly #choices = new Map<Address, Map<string, string>>()
  /** one send per peer at a time until it is queued for its stream's write turn: keeps call order = write order */
  readonly #admission = new KeyedSemaphore(1)
  readonly #peerIds = new Map<string, PeerId>()
  readonly #admitInbound: ((protocol: string, from: RemoteSender) => boolean) | undefined
  readonly #priorityPeer: ((from: RemoteSender) => boolean) | undefined
  readonly #budget: InboundBudget
  #closed = false

  /**
   * Built by {@link messageTransport}, or directly.
   * @param components - the node, and optionally a logger and a metrics registry
   * @param init - limits, timeouts, framed protocols, address resolution and the error callback
   * @throws {InvalidConfigError} when an option is not a positive integer or the node's key is not ed25519
   */
  constructor (components: MessageTransportComponents, init: Libp2pTransportInit = {}) {
    const { node } = components
    this.#node = node
    this.#log = (components.logger ?? defaultComponentLogger()).forComponent('pokt:transport')
    this.#metrics = components.metrics === undefined ? undefined : registerMetrics(components.metrics)
    const positive = (field: string, value: number): number => integerOption(field, value, { min: 1 })
    this.#maxMessageBytes = positive('maxMessageBytes', init.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES)
    this.#readTimeoutMs = positive('readTimeoutMs', init.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS)
    this.#sendTimeoutMs = positive('sendTimeoutMs', init.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS)
    this.#maxInboundStreams = positive('maxInboundStreams', init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS)
    this.#maxOutboundStreams = positive('maxOutboundStreams', init.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS)
    this.#resolveAddresses = init.resolveAddresses ?? (async peer => [await serviceUrlToMultiaddr(peer.serviceUrl)])
    this.#onError = init.onError
    this.#admitInbound = init.admitInbound
    this.#priorityPeer = init.priorityPeer
    const maxInbound = init.maxInboundBytes ?? DEFAULT_MAX_INBOUND_BYTES
    if (maxInbound !== Infinity) positive('maxInboundBytes', maxInbound)
    const priorityBytes = init.priorityPeer === undefined ? 0 : integerOption('priorityInboundBytes', init.priorityInboundBytes ?? Math.min(DEFAULT_PRIORITY_INBOUND_BYTES, Math.floor(maxInbound * 3 / 4)), { min: 0 })
    if (priorityBytes > maxInbound) throw new InvalidConfigError('priorityInboundBytes', `must be at most maxInboundBytes (${maxInbound}), got ${priorityBytes}`)
    this.#budget = new InboundBudget(maxInbound, priorityBytes)
    if (components.metrics !== undefined) registerBudgetMetric(components.metrics, this.#budget)
    this.#peerSlots = new KeyedSemaphore(positive('maxConcurrentSendsPerPeer', init.maxConcurrentSendsPerPeer ?? DEFAULT_MAX_CONCURRENT_SENDS_PER_PEER))
    this.#globalSlots = new KeyedSemaphore(positive('maxConcurrentSends', init.maxConcurrentSends ?? DEFAULT_MAX_CONCURRENT_SENDS))
    const framed = init.framedProtocols ?? DEFAULT_FRAMED_PROTOCOLS
    if (!Array.isArray(framed) || framed.some(p => typeof p !== 'string' || p === '')) {
      throw new InvalidConfigError('framedProtocols', 'must be an array of protocol ids')
    }
    this.#framedProtocols = new Set(framed)
    this.#framedLimits = {
      maxMessageBytes: this.#maxMessageBytes,
      readTimeoutMs: this.#readTimeoutMs,
      idleTimeoutMs: positive('streamIdleTimeoutMs', init.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS),
      maxConcurrentHandlers: positive('maxConcurrentHandlersPerStream', init.maxConcurrentHandlersPerStream ?? DEFAULT_MAX_CONCURRENT_HANDLERS_PER_STREAM)
    }
    this.#framedHooks = {
      deliver: (body, fs, done) => this.#deliverFrame(fs, body, done),
      reject: (reason, error, fs) => { this.#reject(reason, error, { protocol: fs.protocol, from: fs.from }) },
      detach: fs => { this.#detach(fs) },
      finished: fs => { this.#framedStreams.delete(fs) }
    }
    const key = node.peerId.publicKey
    if (key?.type !== 'Ed25519') throw new InvalidConfigError('node', 'the libp2p node must have an ed25519 key')
    this.localAddress = addressFromPublicKey(key.raw)
    node.addEventListener('connection:close', this.#onConnectionClose)
  }

  /** The node-wide budget of bytes held by unfinished inbound messages (`used`, `peak`, the limits). */
  get inboundBudget (): InboundBudget {
    return this.#budget
  }

  /** The libp2p node this transport uses. */
  get node (): Libp2p {
    return this.#node
  }

  /**
   * Registers the handler of `protocol`; a second registration replaces the first. On a framed protocol the
   * handler is called once per frame, in the order the frames arrived on each stream.
   */
  handle (protocol: string, handler: InboundMessageHandler): void {
    if (this.#closed) throw new NotStartedError('the libp2p message transport is closed')
    const registered = this.#handlers.has(protocol)
    this.#handlers.set(protocol, handler)
    if (registered) return
    const framed = this.#framedProtocols.has(protocol)
    // The registrar stores the handler synchronously; the promise only updates the node's own peer record.
    this.#node.handle(protocol, (stream, connection) => framed
      ? this.#onFramedStream(protocol, stream, connection)
      : this.#onStream(protocol, stream, connection), {
      force: true,
      maxInboundStreams: this.#maxInboundStreams,
      maxOutboundStreams: this.#maxOutboundStreams
    }).catch(err => {
      this.#log.error('registering the %s handler with libp2p failed: %s', protocol, toError(err).message)
      this.#report(toError(err), { protocol })
    })
  }

  /**
   * Removes the handler of `protocol`. On a framed protocol, the streams peers opened to this node on it are
   * closed (gracefully: this end stops writing), so their next sends renegotiate and find it gone.
   */
  unhandle (protocol: string): void {
    if (!this.#handlers.delete(protocol)) return
    this.#node.unhandle(protocol).catch(err => {
      this.#log.error('unregistering the %s handler from libp2p failed: %s', protocol, toError(err).message)
      this.#report(toError(err), { protocol })
    })
    if (this.#framedProtocols.has(protocol)) {
      for (const fs of this.#framedStreams) {
        if (fs.protocol === protocol && fs.stream.direction === 'inbound') fs.closeWrite()
      }
    }
  }

  /**
   * Sends `bytes` as one message on the first of `protocols` the peer supports, and resolves with that protocol.
   *
   * The protocols are offered in order of preference with multistream-select (one round trip when the peer takes
   * the first); the peer's choice is remembered until a connection to it closes, and an open framed stream to the
   * peer on one of them counts as its choice. On a framed protocol the message is one frame on the peer's
   * long-lived stream (opened on the first send, reused by later ones, also the one the peer opened to this node);
   * concurrent sends to one peer are written in call order, and a send resolves once its frame is written to the
   * stream (after waiting for the stream to drain). On a v1 protocol it is one new stream, written and closed.
   *
   * A connection to the peer is reused when one is open, else the addresses from `resolveAddresses` are dialled
   * (with the peer id appended, so noise verifies the peer's key). A stream found closed before any byte of the
   * message was written is replaced by a fresh one, once.
   *
   * @param peer - the receiver
   * @param protocols - one protocol id, or several in order of preference
   * @param bytes - the message
   * @param options - `signal`: cancels the send
   * @returns the protocol the message went out on
   * @throws {MessageTooLargeError} `bytes` is over `maxMessageBytes` (nothing is sent)
   * @throws {PeerUnreachableError} the dial, negotiation or write failed, including a reset by the receiver and a
   * framed stream that broke while the frame was being written (not retried: part of it may have arrived)
   * @throws {SendTimeoutError} `sendTimeoutMs` passed (a frame cut mid-write resets its stream, so it is not
   * delivered)
   * @throws {SendAbortedError} `options.signal` aborted
   * @throws {NotStartedError} the transport is closed
   * @throws {InvalidConfigError} `protocols` is empty
   */
  async sendTo (peer: Peer, protocols: string | readonly string[], bytes: Uint8Array, options: AbortOptions = {}): Promise<string> {
    try {
      return await this.#sendTo(peer, protocols, bytes, options)
    } catch (err) {
      // one line per failed send, here where every failure passes; a caller's abort is its decision, not a failure
      const log = err instanceof SendAbortedError ? this.#log : this.#log.error
      log('send of %d bytes on %s to %s failed: %s', bytes.byteLength, String(protocols), peer.address, toError(err).message)
      throw err
    }
  }

  async #sendTo (peer: Peer, protocols: string | readonly string[], bytes: Uint8Array, options: AbortOptions): Promise<string> {
    if (this.#closed) throw new NotStartedError('the libp2p message transport is closed')
    const list: readonly string[] = typeof protocols === 'string' ? [protocols] : protocols
    if (list.length === 0) throw new InvalidConfigError('protocols', 'at least one protocol id is required')
    if (bytes.byteLength > this.#maxMessageBytes) throw new MessageTooLargeError(bytes.byteLength, this.#maxMessageBytes)
    if (peer.address === this.localAddress) throw new PeerUnreachableError(peer.address, 'it is this node; libp2p cannot dial itself')

    // the deadline's timer is only set up if the send has to wait (see Deadline)
    const deadline = new Deadline(this.#sendTimeoutMs, options.signal)
    const fail = (stage: string, err: unknown): Error => {
      if (deadline.callerAborted) return new SendAbortedError(peer.address, stage, { cause: deadline.callerReason })
      if (deadline.timedOut) return new SendTimeoutError(peer.address, this.#sendTimeoutMs, stage, { cause: err })
      if (err instanceof PeerUnreachableError) return err
      const e = toError(err)
      return new PeerUnreachableError(peer.address, `${stage} failed: ${e.message}`, { cause: e })
    }
    if (deadline.callerAborted) throw fail('starting', deadline.callerReason)

    const peerId = this.#peerIdOf(peer)

    let releasePeer: () => void
    try {
      releasePeer = this.#peerSlots.tryAcquire(peer.address) ?? await this.#peerSlots.acquire(peer.address, deadline.signal)
    } catch (err) {
      throw fail('waiting for a free send slot to the peer (maxConcurrentSendsPerPeer)', err)
    }
    let releaseGlobal: () => void
    try {
      releaseGlobal = this.#globalSlots.tryAcquire('') ?? await this.#globalSlots.acquire('', deadline.signal)
    } catch (err) {
      releasePeer()
      throw fail('waiting for a free send slot (maxConcurrentSends)', err)
    }
    const release = (): void => {
      releaseGlobal()
      releasePeer()
    }

    let protocol: string
    // Sends that may go out framed pass one at a time per peer until they are queued for their stream (or, on v1,
    // have their protocol): call order is write order, also while a first send negotiates (holding the others).
    let admitted: (() => void) | undefined
    try {
      if (list.length > 1 || this.#framedProtocols.has(list[0]!)) {
        try {
          admitted = this.#admission.tryAcquire(peer.address) ?? await this.#admission.acquire(peer.address, deadline.signal)
        } catch (err) {
          throw fail('waiting for the earlier sends to the peer', err)
        }
      }
      for (let round = 1; ; round++) {
        let negotiated: Stream | undefined
        let remembered = false
        if (list.length === 1) {
          protocol = list[0]!
        } else {
          const known = this.#knownProtocol(peer.address, list)
          remembered = known !== undefined
          if (known !== undefined) {
            protocol = known
          } else {
            const chosen = await this.#negotiate(peer, peerId, list, deadline, fail)
            protocol = chosen.protocol
            negotiated = chosen.stream
          }
        }
        try {
          if (this.#framedProtocols.has(protocol)) {
            // queued for the stream's write turn before the next send is admitted
            const key = linkKey(peer.address, protocol)
            const turn = this.#writeTurns.tryAcquire(key) ?? this.#writeTurns.acquire(key, deadline.signal)
            admitted?.()
            admitted = undefined
            const writing = this.#sendFrame(key, peer, peerId, protocol, bytes, deadline, fail, turn)
            if (writing !== undefined) await writing
            release()
          } else {
            admitted?.()
            admitted = undefined
            const stream = await this.#sendMessage(peer, peerId, protocol, bytes, deadline, fail, negotiated)
            // The receiver still counts the stream against its maxInboundStreams until it has read the message and
            // closed (or, for Go, reset) its end, so the slots are held until then, bounded by the send timeout.
            this.#releaseWhenClosed(stream, release)
          }
          break
        } catch (err) {
          if (!remembered) throw err
          // a remembered choice that fails is negotiated afresh; at once if the peer no longer speaks it
          this.#choices.get(peer.address)?.delete(listKeyOf(list))
          if (round === 1 && !deadline.aborted && causedBy(err, 'UnsupportedProtocolError')) continue
          throw err
        }
      }
    } catch (err) {
      release()
      throw err
    } finally {
      admitted?.()
    }
    this.#metrics?.messages.increment(SENT)
    this.#metrics?.bytes.increment({ sent: bytes.byteLength })
    this.#log.trace('sent %d bytes on %s to %s', bytes.byteLength, protocol, peer.address)
    return protocol
  }

  /** The libp2p peer id of a peer (cached: it is derived from the key on every v1 send otherwise). */
  #peerIdOf (peer: Peer): PeerId {
    let id = this.#peerIds.get(peer.publicKey)
    if (id !== undefined) return id
    try {
      id = peerIdOf(peer)
    } catch (err) {
      throw new PeerUnreachableError(peer.address, `its public key is invalid: ${toError(err).message}`, { cause: err })
    }
    if (this.#peerIds.size >= PEER_ID_CACHE_SIZE) this.#peerIds.clear()
    this.#peerIds.set(peer.publicKey, id)
    return id
  }

  /** The protocol of `list` the peer is known to speak: its remembered choice, or a framed stream open to it. */
  #knownProtocol (address: Address, list: readonly string[]): string | undefined {
    const listKey = listKeyOf(list)
    const remembered = this.#choices.get(address)?.get(listKey)
    if (remembered !== undefined) return remembered
    for (const protocol of list) {
      if (!this.#framedProtocols.has(protocol)) continue
      if (this.#links.get(linkKey(address, protocol))?.streams.some(fs => fs.writable) === true) {
        this.#remember(address, listKey, protocol)
        return protocol
      }
    }
    return undefined
  }

  #remember (address: Address, listKey: string, protocol: string): void {
    let choices = this.#choices.get(address)
    if (choices === undefined) {
      choices = new Map()
      this.#choices.set(address, choices)
    }
    choices.set(listKey, protocol)
  }

  readonly #onConnectionClose = (evt: CustomEvent<Connection>): void => {
    let address: Address
    try {
      address = addressOfPeerId(evt.detail.remotePeer)
    } catch {
      return
    }
    this.#choices.delete(address)
  }

  /**
   * Opens a stream offering every protocol of `list` (one multistream-select exchange) and remembers the peer's
   * choice. The caller holds the peer's admission, so concurrent first sends wait and then find the choice.
   * Returns the v1 stream for the caller's message; a framed stream is adopted.
   */
  async #negotiate (peer: Peer, peerId: PeerId, list: readonly string[], deadline: Deadline,
    fail: (stage: string, err: unknown) => Error): Promise<{ protocol: string, stream?: Stream }> {
    const stream = await this.#openStream(peer, peerId, list, deadline, fail)
    const protocol = stream.protocol
    this.#remember(peer.address, listKeyOf(list), protocol)
    if (!this.#framedProtocols.has(protocol)) return { protocol, stream }
    this.#adopt(stream, remoteSenderOf({ remotePeer: peerId }), true)
    return { protocol }
  }

  /** Opens a stream to the peer on the first of `protocols` it supports, dialling it first if needed. */
  async #openStream (peer: Peer, peerId: PeerId, protocols: readonly string[], deadline: Deadline,
    fail: (stage: string, err: unknown) => Error): Promise<Stream> {
    let stream: Stream
    try {
      const signal = deadline.signal
      signal.throwIfAborted()
      if (!this.#node.getConnections(peerId).some(c => c.status === 'open')) await this.#connect(peer, peerId, signal)
      stream = await this.#node.dialProtocol(peerId, protocols.length === 1 ? protocols[0]! : [...protocols], { signal })
    } catch (err) {
      throw fail(`opening a ${protocols.join(' or ')} stream`, err)
    }
    this.#metrics?.streamsOpened.increment({ [stream.protocol]: true })
    return stream
  }

  /**
   * Writes one frame on the peer's framed stream of `protocol` (link `key`), opening one if none is writable, once
   * `turn` (the link's write turn, taken or queued for in call order) is this send's. A stream found closed before
   * the frame's first byte is replaced once.
   *
   * Returns `undefined` when the frame was written at once on an open stream (the turn is released), else a
   * promise for the rest (waiting for the turn, a stream, a drain or the flush, or the retry).
   */
  #sendFrame (key: string, peer: Peer, peerId: PeerId, protocol: string, bytes: Uint8Array, deadline: Deadline,
    fail: (stage: string, err: unknown) => Error, turn: (() => void) | Promise<() => void>): Promise<void> | undefined {
    const fs = typeof turn === 'function' ? this.#writableStream(key) : undefined
    if (fs === undefined) return this.#sendFrameLater(key, peer, peerId, protocol, bytes, deadline, fail, turn)
    let writing: Promise<void> | undefined
    try {
      writing = fs.write(bytes, deadline)
    } catch (err) {
      writing = Promise.reject(err)
    }
    if (writing === undefined) {
      (turn as () => void)()
      return undefined
    }
    return this.#sendFrameLater(key, peer, peerId, protocol, bytes, deadline, fail, turn, writing)
  }

  /**
   * The rest of {@link Libp2pMessageTransport.#sendFrame} once it has to wait. `first`: the outcome of a first
   * attempt already made on a writable stream.
   */
  async #sendFrameLater (key: string, peer: Peer, peerId: PeerId, protocol: string, bytes: Uint8Array, deadline: Deadline,
    fail: (stage: string, err: unknown) => Error, turn: (() => void) | Promise<() => void>, first?: Promise<void>): Promise<void> {
    let release: () => void
    try {
      release = typeof turn === 'function' ? turn : await turn
    } catch (err) {
      throw fail('waiting for the earlier frames to the peer to be written', err)
    }
    try {
      for (let attempt = 1; ; attempt++) {
        let writing = attempt === 1 ? first : undefined
        if (writing === undefined) {
          let fs = this.#writableStream(key)
          if (fs === undefined) {
            const stream = await this.#openStream(peer, peerId, [protocol], deadline, fail)
            fs = this.#adopt(stream, remoteSenderOf({ remotePeer: peerId }), true)
          }
          try {
            writing = fs.write(bytes, deadline)
          } catch (err) {
            writing = Promise.reject(err)
          }
        }
        try {
          await writing
          return
        } catch (err) {
          if (err instanceof ClosedBeforeWriteError && attempt === 1 && !deadline.aborted) {
            this.#metrics?.retries.increment()
            this.#log('retrying a frame to %s on a fresh stream: %s', peer.address, err.message)
            continue
          }
          throw fail(`writing a ${bytes.byteLength}-byte frame on ${protocol}` +
            (err instanceof ClosedBeforeWriteError ? '' : ' (the stream broke mid-frame; not retried, part of it may have arrived)'), err)
        }
      }
    } finally {
      release()
    }
  }

  /** The stream this node writes its frames to the peer on: the current one while writable, else any writable one. */
  #writableStream (key: string): FramedStream | undefined {
    const link = this.#links.get(key)
    if (link === undefined) return undefined
    if (link.current?.writable === true) return link.current
    link.current = link.streams.find(fs => fs.writable)
    return link.current
  }

  /**
   * Starts reading frames from a framed stream and offers it for this node's sends to the peer. `preferred`: this
   * node just opened it to write, so it becomes the one written on.
   */
  #adopt (stream: Stream, from: RemoteSender, preferred: boolean): FramedStream {
    const fs = new FramedStream(stream, from, this.#framedLimits, this.#framedHooks, this.#budget.hold(this.#isPriority(from)))
    if (!fs.finished) this.#framedStreams.add(fs)
    if (!fs.writable) return fs
    const key = linkKey(from.address, fs.protocol)
    let link = this.#links.get(key)
    if (link === undefined) {
      link = { streams: [], current: undefined }
      this.#links.set(key, link)
    }
    link.streams.push(fs)
    if (preferred || link.current?.writable !== true) link.current = fs
    return fs
  }

  #detach (fs: FramedStream): void {
    const key = linkKey(fs.from.address, fs.protocol)
    const link = this.#links.get(key)
    if (link === undefined) return
    const i = link.streams.indexOf(fs)
    if (i >= 0) link.streams.splice(i, 1)
    if (link.current === fs) link.current = undefined
    if (link.streams.length === 0) this.#links.delete(key)
  }

  /** Sends one v1 message: a new stream (or `first`, already negotiated), written and closed. */
  async #sendMessage (peer: Peer, peerId: PeerId, protocol: string, bytes: Uint8Array, deadline: Deadline,
    fail: (stage: string, err: unknown) => Error, first?: Stream): Promise<Stream> {
    for (let attempt = 1; ; attempt++) {
      const stream = attempt === 1 && first !== undefined ? first : await this.#openStream(peer, peerId, [protocol], deadline, fail)
      try {
        await writeMessage(stream, bytes, deadline.signal)
        return stream
      } catch (err) {
        // A stream closed before its first byte (e.g. libp2p closing one of two connections that crossed while
        // both peers dialled) delivered nothing, so one retry on a fresh stream cannot duplicate the message.
        if (attempt === 1 && !deadline.aborted && isClosedBeforeWrite(err)) {
          this.#metrics?.retries.increment()
          this.#log('retrying a send to %s on a fresh stream: the first was closed before its first byte', peer.address)
          continue
        }
        throw fail(`writing ${bytes.byteLength} bytes (a reset may mean the peer rejected the message, e.g. over its size limit)`, err)
      }
    }
  }

  #releaseWhenClosed (stream: Stream, release: () => void): void {
    if (stream.status !== 'open' && stream.status !== 'closing') {
      release()
      return
    }
    const done = (): void => {
      clearTimeout(timer)
      stream.removeEventListener('close', done)
      release()
    }
    const timer = setTimeout(done, this.#sendTimeoutMs)
    timer.unref?.()
    stream.addEventListener('close', done)
  }

  /**
   * Unregisters every handler and closes every framed stream (gracefully, within `sendTimeoutMs`, else reset);
   * later sends throw. Does not stop the node (its owner does).
   */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#node.removeEventListener('connection:close', this.#onConnectionClose)
    const protocols = [...this.#handlers.keys()]
    this.#handlers.clear()
    const streams = [...this.#framedStreams]
    await Promise.all([
      protocols.length > 0 ? this.#node.unhandle(protocols).catch(() => {}) : undefined,
      ...streams.map(async fs => { await fs.shutdown(this.#sendTimeoutMs) })
    ])
    this.#framedStreams.clear()
    this.#links.clear()
    this.#choices.clear()
    this.#peerIds.clear()
  }

  /**
   * One dial per peer at a time: concurrent first sends share it. Separate concurrent dials can each open a
   * connection, and libp2p then closes the duplicates under the streams already opened on them.
   */
  async #connect (peer: Peer, peerId: PeerId, signal: AbortSignal): Promise<void> {
    let dial = this.#dials.get(peer.address)
    if (dial === undefined) {
      // the shared dial is bounded by the send timeout, not by the first caller's signal
      const own = AbortSignal.timeout(this.#sendTimeoutMs)
      dial = (async () => {
        await this.#node.dial(await this.#dialAddresses(peer, peerId), { signal: own })
      })().finally(() => { this.#dials.delete(peer.address) })
      this.#dials.set(peer.address, dial)
    }
    await raceSignal(dial, signal)
  }

  async #dialAddresses (peer: Peer, peerId: PeerId): Promise<Multiaddr[]> {
    const addrs = await this.#resolveAddresses(peer)
    if (addrs.length === 0) throw new PeerUnreachableError(peer.address, 'no addresses known')
    const suffix = `/p2p/${peerId.toString()}`
    return addrs.map(a => a.getComponents().some(c => c.name === 'p2p') ? a : a.encapsulate(suffix))
  }

  /** A peer opened a framed stream: read its frames, and write this node's frames to that peer on it too. */
  #onFramedStream (protocol: string, stream: Stream, connection: Connection): void {
    const from = this.#senderOf(protocol, stream, connection)
    if (from === undefined || !this.#admitted(protocol, stream, from)) return
    if (this.#closed) {
      stream.abort(new Error('the message transport is closed'))
      return
    }
    this.#adopt(stream, from, false)
  }

  /** The authenticated sender of an inbound stream; undefined (the stream aborted, the rejection reported) if none. */
  #senderOf (protocol: string, stream: Stream, connection: Connection): RemoteSender | undefined {
    try {
      return remoteSenderOf(connection)
    } catch (err) {
      stream.abort(toError(err))
      this.#reject('other', toError(err), { protocol }, connection.remotePeer.toString())
      return undefined
    }
  }

  async #onStream (protocol: string, stream: Stream, connection: Connection): Promise<void> {
    const from = this.#senderOf(protocol, stream, connection)
    if (from === undefined || !this.#admitted(protocol, stream, from)) return

    let bytes: Uint8Array
    try {
      bytes = await readMessage(stream, {
        maxBytes: this.#maxMessageBytes, timeoutMs: this.#readTimeoutMs, hold: this.#budget.hold(this.#isPriority(from))
      })
    } catch (err) {
      const reason = err instanceof MessageTooLargeError
        ? 'tooLarge'
        : err instanceof ReadTimeoutError ? 'timeout' : err instanceof InboundBudgetExceededError ? 'budget' : 'other'
      this.#reject(reason, toError(err), { protocol, from })
      return
    }
    // Close our (unused) writable end so the stream is released at both ends; the sender does not wait for it.
    stream.close().catch(err => { stream.abort(toError(err)) })
    await this.#deliver(protocol, bytes, from)
  }

  /**
   * Whether `admitInbound` lets `from` use `protocol`; if not, the stream is reset before any byte is read and the
   * refusal reported. A predicate that throws refuses.
   */
  #admitted (protocol: string, stream: Stream, from: RemoteSender): boolean {
    if (this.#admitInbound === undefined) return true
    let admitted: boolean
    try {
      admitted = this.#admitInbound(protocol, from)
    } catch {
      admitted = false
    }
    if (admitted) return true
    const err = new StreamNotAdmittedError(protocol, from.address)
    stream.abort(err)
    this.#reject('notAdmitted', err, { protocol, from })
    return false
  }

  #isPriority (from: RemoteSender): boolean {
    try {
      return this.#priorityPeer?.(from) === true
    } catch {
      return false
    }
  }

  /**
   * Hands one inbound message to its protocol's handler. Returns the handler's promise (its rejection contained)
   * when it returned one.
   */
  #deliver (protocol: string, bytes: Uint8Array, from: RemoteSender): Promise<void> | undefined {
    const pending = this.#callHandler(protocol, bytes, from)
    return pending?.then(undefined, err => { this.#handlerFailed(protocol, from, err) })
  }

  /**
   * {@link Libp2pMessageTransport.#deliver} for a framed stream: `done` is called once the handler's promise settles
   * (its rejection reported first), with one promise reaction per frame. Returns whether it will be (the handler
   * returned a promise, which holds one of the stream's handler slots until then).
   */
  #deliverFrame (fs: FramedStream, bytes: Uint8Array, done: () => void): boolean {
    const pending = this.#callHandler(fs.protocol, bytes, fs.from)
    if (pending === undefined) return false
    pending.then(done, err => {
      this.#handlerFailed(fs.protocol, fs.from, err)
      done()
    })
    return true
  }

  /** Counts and calls the handler; its promise when it returned one (a thenable is adopted), else undefined. */
  #callHandler (protocol: string, bytes: Uint8Array, from: RemoteSender): Promise<void> | undefined {
    const handler = this.#handlers.get(protocol)
    if (handler === undefined) {
      this.#reject('other', new NoHandlerError(protocol), { protocol, from })
      return undefined
    }
    this.#metrics?.messages.increment(RECEIVED)
    this.#metrics?.bytes.increment({ received: bytes.byteLength })
    this.#log.trace('received %d bytes on %s from %s', bytes.byteLength, protocol, from.address)
    let result: void | Promise<void>
    try {
      result = handler(bytes, from, protocol)
    } catch (err) {
      this.#handlerFailed(protocol, from, err)
      return undefined
    }
    if (result === undefined || typeof (result as { then?: unknown }).then !== 'function') return undefined
    // a native promise is taken as it is
    return Promise.resolve(result)
  }

  #handlerFailed (protocol: string, from: RemoteSender, err: unknown): void {
    this.#metrics?.handlerErrors.increment()
    this.#log.error('the %s handler failed on a message from %s: %s', protocol, from.address, toError(err).message)
    this.#report(toError(err), { protocol, from })
  }

  /** An inbound message not delivered: counted once, logged once (naming the sender when known, not as an error), reported. */
  #reject (reason: TransportRejectReason, error: Error, context: InboundErrorContext, remotePeer?: string): void {
    this.#metrics?.rejected.increment({ [reason]: true })
    const sender = context.from?.address ?? (remotePeer === undefined ? 'an unknown sender' : `peer ${remotePeer}`)
    // not an error of this node: a hostile or broken peer could otherwise fill the error log at will
    this.#log('rejected a %s message from %s (%s): %s', context.protocol, sender, reason, error.message)
    this.#report(error, context)
  }

  #report (error: Error, context: InboundErrorContext): void {
    try {
      this.#onError?.(error, context)
    } catch {
      // a faulty error callback must not break the receive path
    }
  }
}

/** The `pokt_transport_messages_total` labels of one message. */
const SENT = Object.freeze({ sent: true as const })
const RECEIVED = Object.freeze({ received: true as const })

/** The key of each list of protocols offered (lists are usually a router's constant: one join, not one per send). */
const listKeys = new WeakMap<readonly string[], string>()

/** The list whose key was asked for last, and its key: a router sends with the same list again and again. */
let lastList: readonly string[] | undefined
let lastListKey = ''

/** The key of a list of protocols, for the choices remembered per peer. */
function listKeyOf (list: readonly string[]): string {
  if (list === lastList) return lastListKey
  let key = listKeys.get(list)
  if (key === undefined) {
    key = list.join('\n')
    // only a frozen list is kept: an array changed between sends must get the key of what it holds then
    if (!Object.isFrozen(list)) return key
    listKeys.set(list, key)
  }
  lastList = list
  lastListKey = key
  return key
}

/** The key of a peer's framed streams of one protocol (or of a negotiation over a list of protocols). */
function linkKey (address: Address, protocol: string): string {
  return `${address}\n${protocol}`
}

/** The pocket view of this node, for peers' records: `RemoteSender` of its own key. */
export function localSenderOf (node: Libp2p): RemoteSender {
  const key = node.peerId.publicKey
  if (key?.type !== 'Ed25519') throw new InvalidConfigError('node', 'the libp2p node must have an ed25519 key')
  return { address: addressFromPublicKey(key.raw), publicKey: bytesToHex(key.raw) }
}

/** Whether `err` or one of its causes is named `name`. */
function causedBy (err: unknown, name: string): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e.name === name) return true
  }
  return false
}

/** The stream refused the first write: it was already closed, so nothing reached the peer. */
function isClosedBeforeWrite (err: unknown): boolean {
  return err instanceof Error && err.name === 'StreamStateError' && err.message.startsWith('Cannot write to a stream that is')
}
