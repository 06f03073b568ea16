import {
  addressFromPublicKey, bytesToHex, DEFAULT_MAX_MESSAGE_BYTES, InvalidConfigError, MessageTooLargeError,
  NotStartedError, PeerUnreachableError,
  type AbortOptions, type Address, type InboundMessageHandler, type MessageTransport, type Peer, type RemoteSender
} from '@pokt-p2p/types'
import {
  DEFAULT_MAX_CONCURRENT_SENDS_PER_PEER, DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS, DEFAULT_READ_TIMEOUT_MS, DEFAULT_SEND_TIMEOUT_MS
} from './constants.js'
import { NoHandlerError, ReadTimeoutError, SendAbortedError, SendTimeoutError } from './errors.js'
import { peerIdOf, remoteSenderOf } from './peer.js'
import { readMessage, toError, writeMessage } from './unicast.js'
import { KeyedSemaphore } from './semaphore.js'
import { serviceUrlToMultiaddr } from './url.js'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'

/** Where a receive error happened; `from` is set once the remote key was authenticated. */
export interface InboundErrorContext {
  /** the protocol the stream was opened on */
  protocol: string
  /** the authenticated sender, when known */
  from?: RemoteSender
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
   * counted in `stats` and reported here.
   */
  onError?: (error: Error, context: InboundErrorContext) => void
}

/** Counters the owner can read (e.g. for metrics). Every rejected inbound message increments one `rejected*`. */
export interface TransportStats {
  /** inbound messages delivered to a handler */
  received: number
  /** messages fully written */
  sent: number
  /** payload bytes of the messages delivered to a handler */
  bytesReceived: number
  /** payload bytes of the messages fully written */
  bytesSent: number
  /** inbound messages reset for exceeding `maxMessageBytes` */
  rejectedOversize: number
  /** inbound messages reset for exceeding `readTimeoutMs` */
  rejectedTimeout: number
  /** inbound streams dropped for any other reason: non-ed25519 key, remote reset, no handler */
  rejectedOther: number
  /** handlers that threw or rejected (the message had been received; not a rejection) */
  handlerErrors: number
  /** sends retried once on a fresh stream because the first was closed before anything was written */
  retries: number
}

function positive (field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidConfigError(field, `must be a positive integer, got ${value}`)
  return value
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
  /** Live counters (the same object is updated in place). */
  readonly stats: TransportStats = {
    received: 0, sent: 0, bytesReceived: 0, bytesSent: 0, rejectedOversize: 0, rejectedTimeout: 0, rejectedOther: 0, handlerErrors: 0, retries: 0
  }

  readonly #node: Libp2p
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
   * @param node - a libp2p node with an ed25519 key (see `createNode`); started before or after
   * @param init - limits, timeouts, address resolution and the error callback
   * @throws {InvalidConfigError} when an option is not a positive integer or the node's key is not ed25519
   */
  constructor (node: Libp2p, init: Libp2pTransportInit = {}) {
    this.#node = node
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
    }).catch(err => { this.#report(toError(err), { protocol }) })
  }

  unhandle (protocol: string): void {
    if (!this.#handlers.delete(protocol)) return
    this.#node.unhandle(protocol).catch(err => { this.#report(toError(err), { protocol }) })
  }

  /**
   * Sends `bytes` as one message on a new stream. Reuses an open connection to the peer, else dials the addresses
   * from `resolveAddresses` (with the peer id appended, so noise verifies the peer's key).
   *
   * @throws {MessageTooLargeError} `bytes` is over `maxMessageBytes` (nothing is sent)
   * @throws {PeerUnreachableError} the dial, negotiation or write failed, including a reset by the receiver
   * @throws {SendTimeoutError} `sendTimeoutMs` passed
   * @throws {SendAbortedError} `options.signal` aborted
   */
  async sendTo (peer: Peer, protocol: string, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
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
    this.stats.sent++
    this.stats.bytesSent += bytes.byteLength
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
          this.stats.retries++
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
    await raceAbort(dial, signal)
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
      this.stats.rejectedOther++
      stream.abort(toError(err))
      this.#report(toError(err), { protocol })
      return
    }

    let bytes: Uint8Array
    try {
      bytes = await readMessage(stream, { maxBytes: this.#maxMessageBytes, timeoutMs: this.#readTimeoutMs })
    } catch (err) {
      if (err instanceof MessageTooLargeError) this.stats.rejectedOversize++
      else if (err instanceof ReadTimeoutError) this.stats.rejectedTimeout++
      else this.stats.rejectedOther++
      this.#report(toError(err), { protocol, from })
      return
    }
    // Close our (unused) writable end so the stream is released at both ends; the sender does not wait for it.
    stream.close().catch(err => { stream.abort(toError(err)) })

    const handler = this.#handlers.get(protocol)
    if (handler === undefined) {
      this.stats.rejectedOther++
      this.#report(new NoHandlerError(protocol), { protocol, from })
      return
    }
    this.stats.received++
    this.stats.bytesReceived += bytes.byteLength
    try {
      await handler(bytes, from)
    } catch (err) {
      this.stats.handlerErrors++
      this.#report(toError(err), { protocol, from })
    }
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

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
async function raceAbort<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        onAbort = () => { reject(signal.reason) }
        signal.addEventListener('abort', onAbort, { once: true })
      })
    ])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}

/** The stream refused the first write: it was already closed, so nothing reached the peer. */
function isClosedBeforeWrite (err: unknown): boolean {
  return err instanceof Error && err.name === 'StreamStateError' && err.message.startsWith('Cannot write to a stream that is')
}
