import {
  addressFromPublicKey, bytesToHex, defaultComponentLogger, DEFAULT_MAX_MESSAGE_BYTES, integerOption, InvalidConfigError,
  MessageTooLargeError, NotStartedError, PeerUnreachableError,
  type AbortOptions, type Address, type ComponentLogger, type InboundMessageHandler, type Logger, type MessageTransport,
  type Metrics, type Peer, type RemoteSender
} from '@pokt-p2p/types'
import {
  DEFAULT_MAX_CONCURRENT_SENDS_PER_PEER, DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS, DEFAULT_READ_TIMEOUT_MS, DEFAULT_SEND_TIMEOUT_MS
} from './constants.js'
import { NoHandlerError, ReadTimeoutError, SendAbortedError, SendTimeoutError } from './errors.js'
import { peerIdOf, remoteSenderOf } from './peer.js'
import { readMessage, toError, writeMessage } from './unicast.js'
import { KeyedSemaphore } from './semaphore.js'
import { serviceUrlToMultiaddr } from './url.js'
import { raceSignal } from 'race-signal'
import type { Connection, Counter, CounterGroup, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'

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
   * Where the transport counts messages, bytes, rejections, handler errors and retries (`pokt_transport_*`).
   * @default none: nothing is counted
   */
  metrics?: Metrics
}

/** Options of {@link Libp2pMessageTransport}. */
export interface Libp2pTransportInit {
  /**
   * Largest message sent or accepted. Inbound streams are reset once they pass it; sends over it fail locally.
   * @default DEFAULT_MAX_MESSAGE_BYTES (4 MiB block + 64 KiB of headers)
   */
  maxMessageBytes?: number
  /**
   * A whole inbound message must arrive within this many ms of the stream opening, else the stream is reset.
   * @default 10_000 (the reference's `readStreamTimeout`)
   */
  readTimeoutMs?: number
  /**
   * Deadline of one send: dial, protocol negotiation, write and close.
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
   * `maxInboundStreams`, or bursts are reset by the receiver.
   * @default 16
   */
  maxConcurrentSendsPerPeer?: number
  /**
   * Called for every rejected inbound message and every handler failure. Receive errors never propagate: they are
   * logged, counted in the metrics and reported here.
   * @default none
   */
  onError?: (error: Error, context: InboundErrorContext) => void
}

/** Why an inbound message was rejected: the `reason` label of `pokt_transport_rejected_total`. */
export type TransportRejectReason = 'tooLarge' | 'timeout' | 'other'

/** The transport's counters, when a `metrics` component was given. */
interface TransportMetrics {
  /** `pokt_transport_messages_total{direction}`: messages fully written (`sent`) or delivered to a handler (`received`) */
  messages: CounterGroup<'sent' | 'received'>
  /** `pokt_transport_bytes_total{direction}`: payload bytes of those messages */
  bytes: CounterGroup<'sent' | 'received'>
  /** `pokt_transport_rejected_total{reason}`: inbound messages rejected (each rejection counts once) */
  rejected: CounterGroup<TransportRejectReason>
  /** `pokt_transport_handler_errors_total`: handlers that threw or rejected (the message had been received) */
  handlerErrors: Counter
  /** `pokt_transport_retries_total`: sends retried on a fresh stream closed before its first byte */
  retries: Counter
}

function registerMetrics (metrics: Metrics): TransportMetrics {
  return {
    messages: metrics.registerCounterGroup('pokt_transport_messages_total', {
      label: 'direction', help: 'Messages fully written (sent) or delivered to a handler (received)'
    }) as CounterGroup<'sent' | 'received'>,
    bytes: metrics.registerCounterGroup('pokt_transport_bytes_total', {
      label: 'direction', help: 'Payload bytes of the messages sent and received'
    }) as CounterGroup<'sent' | 'received'>,
    rejected: metrics.registerCounterGroup('pokt_transport_rejected_total', {
      label: 'reason', help: 'Inbound messages rejected: over the size cap, past the read deadline, or other (reset, no handler, bad key)'
    }) as CounterGroup<TransportRejectReason>,
    handlerErrors: metrics.registerCounter('pokt_transport_handler_errors_total', {
      help: 'Inbound message handlers that threw or rejected'
    }),
    retries: metrics.registerCounter('pokt_transport_retries_total', {
      help: 'Sends retried once on a fresh stream because the first was closed before anything was written'
    })
  }
}

/**
 * The transport as a libp2p-style service factory: `messageTransport(init)({ node, logger?, metrics? })`.
 *
 * @example
 * ```ts
 * const transport = messageTransport({ sendTimeoutMs: 5_000 })({ node, metrics })
 * transport.handle(RAINTREE_PROTOCOL_ID, (bytes, from) => { … })
 * ```
 * @param init - limits, timeouts, address resolution and the error callback
 */
export function messageTransport (init: Libp2pTransportInit = {}): (components: MessageTransportComponents) => Libp2pMessageTransport {
  return components => new Libp2pMessageTransport(components, init)
}

/**
 * {@link MessageTransport} over a libp2p node: one stream per message, framed as the Go reference (write all, close;
 * read to end), so Go nodes interoperate. Inbound messages are read under a size cap and a deadline; the sender's
 * pocket address comes from the connection's noise-authenticated key.
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
  readonly #sendSlots: KeyedSemaphore
  readonly #dials = new Map<Address, Promise<void>>()
  #closed = false

  /**
   * Built by {@link messageTransport}, or directly.
   * @param components - the node, and optionally a logger and a metrics registry
   * @param init - limits, timeouts, address resolution and the error callback
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
    this.#sendSlots = new KeyedSemaphore(positive('maxConcurrentSendsPerPeer', init.maxConcurrentSendsPerPeer ?? DEFAULT_MAX_CONCURRENT_SENDS_PER_PEER))
    const key = node.peerId.publicKey
    if (key?.type !== 'Ed25519') throw new InvalidConfigError('node', 'the libp2p node must have an ed25519 key')
    this.localAddress = addressFromPublicKey(key.raw)
  }

  /** The libp2p node this transport uses. */
  get node (): Libp2p {
    return this.#node
  }

  handle (protocol: string, handler: InboundMessageHandler): void {
    if (this.#closed) throw new NotStartedError('the libp2p message transport is closed')
    const registered = this.#handlers.has(protocol)
    this.#handlers.set(protocol, handler)
    if (registered) return
    // The registrar stores the handler synchronously; the promise only updates the node's own peer record.
    this.#node.handle(protocol, (stream, connection) => this.#onStream(protocol, stream, connection), {
      force: true,
      maxInboundStreams: this.#maxInboundStreams,
      maxOutboundStreams: this.#maxOutboundStreams
    }).catch(err => {
      this.#log.error('registering the %s handler with libp2p failed: %s', protocol, toError(err).message)
      this.#report(toError(err), { protocol })
    })
  }

  unhandle (protocol: string): void {
    if (!this.#handlers.delete(protocol)) return
    this.#node.unhandle(protocol).catch(err => {
      this.#log.error('unregistering the %s handler from libp2p failed: %s', protocol, toError(err).message)
      this.#report(toError(err), { protocol })
    })
  }

  /**
   * Sends `bytes` as one message on a new stream. Reuses an open connection to the peer, else dials the addresses
   * from `resolveAddresses` (with the peer id appended, so noise verifies the peer's key).
   *
   * @throws {MessageTooLargeError} `bytes` is over `maxMessageBytes` (nothing is sent)
   * @throws {PeerUnreachableError} the dial, negotiation or write failed, including a reset by the receiver
   * @throws {SendTimeoutError} `sendTimeoutMs` passed
   * @throws {SendAbortedError} `options.signal` aborted
   * @throws {NotStartedError} the transport is closed
   */
  async sendTo (peer: Peer, protocol: string, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    try {
      await this.#sendTo(peer, protocol, bytes, options)
    } catch (err) {
      // one line per failed send, here where every failure passes; a caller's abort is its decision, not a failure
      const log = err instanceof SendAbortedError ? this.#log : this.#log.error
      log('send of %d bytes on %s to %s failed: %s', bytes.byteLength, protocol, peer.address, toError(err).message)
      throw err
    }
  }

  async #sendTo (peer: Peer, protocol: string, bytes: Uint8Array, options: AbortOptions): Promise<void> {
    if (this.#closed) throw new NotStartedError('the libp2p message transport is closed')
    if (bytes.byteLength > this.#maxMessageBytes) throw new MessageTooLargeError(bytes.byteLength, this.#maxMessageBytes)
    if (peer.address === this.localAddress) throw new PeerUnreachableError(peer.address, 'it is this node; libp2p cannot dial itself')

    const timeout = AbortSignal.timeout(this.#sendTimeoutMs)
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
    const fail = (stage: string, err: unknown): Error => {
      if (options.signal?.aborted === true) return new SendAbortedError(peer.address, stage, { cause: options.signal.reason })
      if (timeout.aborted) return new SendTimeoutError(peer.address, this.#sendTimeoutMs, stage, { cause: err })
      if (err instanceof PeerUnreachableError) return err
      const e = toError(err)
      return new PeerUnreachableError(peer.address, `${stage} failed: ${e.message}`, { cause: e })
    }

    let peerId: PeerId
    try {
      peerId = peerIdOf(peer)
    } catch (err) {
      throw new PeerUnreachableError(peer.address, `its public key is invalid: ${toError(err).message}`, { cause: err })
    }

    let release: () => void
    try {
      release = await this.#sendSlots.acquire(peer.address, signal)
    } catch (err) {
      throw fail('waiting for a free send slot', err)
    }
    let stream: Stream
    try {
      stream = await this.#send(peer, peerId, protocol, bytes, signal, fail)
    } catch (err) {
      release()
      throw err
    }
    // The receiver still counts the stream against its maxInboundStreams until it has read the message and closed
    // (or, for Go, reset) its end, so the slot is held until then, bounded by the send timeout.
    this.#releaseWhenClosed(stream, release)
    this.#metrics?.messages.increment({ sent: true })
    this.#metrics?.bytes.increment({ sent: bytes.byteLength })
    this.#log.trace('sent %d bytes on %s to %s', bytes.byteLength, protocol, peer.address)
  }

  async #send (peer: Peer, peerId: PeerId, protocol: string, bytes: Uint8Array, signal: AbortSignal,
    fail: (stage: string, err: unknown) => Error): Promise<Stream> {
    for (let attempt = 1; ; attempt++) {
      let stream: Stream
      try {
        signal.throwIfAborted()
        if (!this.#node.getConnections(peerId).some(c => c.status === 'open')) await this.#connect(peer, peerId, signal)
        stream = await this.#node.dialProtocol(peerId, protocol, { signal })
      } catch (err) {
        throw fail(`opening a ${protocol} stream`, err)
      }

      try {
        await writeMessage(stream, bytes, signal)
        return stream
      } catch (err) {
        // A stream closed before its first byte (e.g. libp2p closing one of two connections that crossed while
        // both peers dialled) delivered nothing, so one retry on a fresh stream cannot duplicate the message.
        if (attempt === 1 && !signal.aborted && isClosedBeforeWrite(err)) {
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

  /** Unregisters every handler; later sends throw. Does not stop the node (its owner does). */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const protocols = [...this.#handlers.keys()]
    this.#handlers.clear()
    if (protocols.length > 0) await this.#node.unhandle(protocols).catch(() => {})
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

  async #onStream (protocol: string, stream: Stream, connection: Connection): Promise<void> {
    let from: RemoteSender
    try {
      from = remoteSenderOf(connection)
    } catch (err) {
      stream.abort(toError(err))
      this.#reject('other', toError(err), { protocol }, connection.remotePeer.toString())
      return
    }

    let bytes: Uint8Array
    try {
      bytes = await readMessage(stream, { maxBytes: this.#maxMessageBytes, timeoutMs: this.#readTimeoutMs })
    } catch (err) {
      const reason = err instanceof MessageTooLargeError ? 'tooLarge' : err instanceof ReadTimeoutError ? 'timeout' : 'other'
      this.#reject(reason, toError(err), { protocol, from })
      return
    }
    // Close our (unused) writable end so the stream is released at both ends; the sender does not wait for it.
    stream.close().catch(err => { stream.abort(toError(err)) })

    const handler = this.#handlers.get(protocol)
    if (handler === undefined) {
      this.#reject('other', new NoHandlerError(protocol), { protocol, from })
      return
    }
    this.#metrics?.messages.increment({ received: true })
    this.#metrics?.bytes.increment({ received: bytes.byteLength })
    this.#log.trace('received %d bytes on %s from %s', bytes.byteLength, protocol, from.address)
    try {
      await handler(bytes, from)
    } catch (err) {
      this.#metrics?.handlerErrors.increment()
      this.#log.error('the %s handler failed on a message from %s: %s', protocol, from.address, toError(err).message)
      this.#report(toError(err), { protocol, from })
    }
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

/** The pocket view of this node, for peers' records: `RemoteSender` of its own key. */
export function localSenderOf (node: Libp2p): RemoteSender {
  const key = node.peerId.publicKey
  if (key?.type !== 'Ed25519') throw new InvalidConfigError('node', 'the libp2p node must have an ed25519 key')
  return { address: addressFromPublicKey(key.raw), publicKey: bytesToHex(key.raw) }
}

/** The stream refused the first write: it was already closed, so nothing reached the peer. */
function isClosedBeforeWrite (err: unknown): boolean {
  return err instanceof Error && err.name === 'StreamStateError' && err.message.startsWith('Cannot write to a stream that is')
}
