import { StreamState, YamuxStream } from '@libp2p/yamux/stream'
import type { ConnectionEncrypter, MessageStream, SecuredConnection, StreamMuxer, StreamMuxerFactory } from '@libp2p/interface'

/**
 * Two per-message CPU costs of the pinned `@libp2p/noise` (17.0.3) and `@libp2p/yamux` (8.0.3), removed connection by
 * connection (nothing global is patched). Both matter when messages are small and many, as RainTree's are: a
 * profile of 100 nodes in one process broadcasting 1 KiB put 11 % of the CPU in the first, and 13 % in sending the
 * second's extra frames alone (reading them at the other end comes on top). Each change is applied only when the
 * internals it relies on look as expected; a release that changes them gets the libraries' own behaviour back
 * (slower), and the tests that check each change is applied (`test/stack-tuning.test.ts`) fail.
 *
 * Neither changes what goes on the wire in a way a peer could tell from a conforming implementation:
 *
 * - noise: its length decoder signals "fewer than 2 bytes buffered" by throwing a new `RangeError`, which its
 *   caller catches. That happens at the end of every chunk read from the connection, and costs 12 µs a chunk on
 *   the machine measured (the error's stack, and the message V8 makes for an exception thrown under a native
 *   callback; a `RangeError` made once still costs 5.5 µs). Here the decoder answers 0 instead: a frame of 0 bytes
 *   needs its 2-byte prefix, which is not there, so the caller waits for more bytes as it does on the error.
 * - yamux: a stream sends a window update after every data frame it receives, so every message costs a second
 *   frame back (encrypted, written, read, decrypted). Here a framed stream between messages, as go-yamux, rust-yamux
 *   and HTTP/2 implementations do, sends its update once at least half of its receive window is used; the frames
 *   that open a stream (SYN, ACK) still go out at once. The sender always keeps at least half a window of credit
 *   while the receiver reads. Every stream also grants credit only for bytes a reader took (see
 *   {@link lazyWindowUpdates}), which bounds what a stream without a reader yet buffers: yamux 8 let that grow until
 *   the stream was aborted.
 */

/** What the length decoder of noise's encrypted stream looks like (internal to `@libp2p/noise`). */
interface LengthDecoderHolder {
  decoder?: {
    lengthDecoder?: ((data: { byteLength: number }) => number) & { bytes?: number }
    encodingLength?: (length: number) => number
  }
}

/**
 * Replaces the length decoder of one noise-encrypted connection by one that signals "need more bytes" without
 * throwing. Returns whether it was applied.
 *
 * `LengthPrefixedDecoder.decode` (`@libp2p/utils`) reads the length, then yields a frame once
 * `encodingLength(length) + length` bytes are buffered, else stops until the next chunk. With fewer than 2 bytes
 * buffered the length read here is 0, whose frame needs 2 bytes: it stops, as it does on the `RangeError`.
 */
export function cheapNoiseReads (connection: MessageStream): boolean {
  const decoder = (connection as unknown as LengthDecoderHolder).decoder
  const decode = decoder?.lengthDecoder
  // `uint16BEDecode` of @libp2p/noise (a 2-byte big-endian length, `bytes` set to 2), every prefix 2 bytes long
  if (decoder === undefined || typeof decode !== 'function' || decode.bytes !== 2 || decoder.encodingLength?.(0) !== 2) return false
  const fast = (data: { byteLength: number }): number => data.byteLength < 2 ? 0 : decode(data)
  fast.bytes = 2
  decoder.lengthDecoder = fast
  return true
}

/**
 * A connection encrypter factory (`noise({ … })`) whose secured connections read with {@link cheapNoiseReads}.
 *
 * @param factory - the libp2p component factory, e.g. `noise({ crypto: noiseCrypto })`
 */
export function tunedNoise<C, E extends ConnectionEncrypter<X>, X = unknown> (factory: (components: C) => E): (components: C) => E {
  return components => {
    const encrypter = factory(components)
    const secureInbound = encrypter.secureInbound.bind(encrypter)
    const secureOutbound = encrypter.secureOutbound.bind(encrypter)
    const tune = (secured: SecuredConnection<X>): SecuredConnection<X> => {
      cheapNoiseReads(secured.connection)
      return secured
    }
    encrypter.secureInbound = async (connection, options) => tune(await secureInbound(connection, options))
    encrypter.secureOutbound = async (connection, options) => tune(await secureOutbound(connection, options))
    return encrypter
  }
}

/** The parts of a yamux stream the window rule uses (private or protected in the typings, plain at run time). */
interface ReceiveWindow {
  /** credit this end may grant in all */
  recvWindow: number
  /** credit the sender has left, as this end counts it (less every data frame received, topped up by an update) */
  recvWindowCapacity: number
  /** hands what was received to the stream's readers (`AbstractMessageStream`) */
  dispatchReadBuffer: () => void
}

/** Streams whose reader asked for half-window updates, and when (see {@link updateLazily}). */
const lazyWhile = new WeakMap<object, () => boolean>()

/**
 * Asks a stream tuned by {@link lazyWindowUpdates} to send its window updates once half its receive window is used
 * (go-yamux's rule) rather than after every data frame, while `when()` holds: for a reader of many small messages,
 * between messages. While it does not (the reader waits for the rest of a large message), each data frame gets its
 * update at once, as yamux does: held back, the update for the first bytes of a message larger than the window
 * costs one round trip (a 4 MiB frame over a 25 ms link took 160 ms instead of 133).
 *
 * Does nothing to another kind of stream (memory-only tests, a release whose internals changed).
 */
export function updateLazily (stream: object, when: () => boolean): void {
  lazyWhile.set(stream, when)
}

/**
 * Makes one yamux stream grant credit only for bytes a reader took, and, when its reader asks for it
 * ({@link updateLazily}), once half of its receive window is used rather than after every data frame.
 *
 * The first closes a gap of yamux 8, which grants credit for bytes as they arrive, read or not. Between protocol
 * negotiation and the protocol handler (libp2p first updates its peer store) an inbound stream has no reader, and a
 * sender that writes at once could fill its read buffer past `maxReadBufferLength`: the stream was then aborted and
 * the frames in it lost (a burst of 1 KiB and 3 MiB frames both ways on a new memory connection lost 438 of 600
 * frames in one direction, every sender's send having resolved). Here bytes not handed to a reader hold back the
 * update, which goes out once a reader takes them, so what a stream buffers unread stays within its receive window.
 * A paused stream (its reader's back-pressure) already sent no updates.
 *
 * yamux still grows the window (it doubles `recvWindow`, up to `maxStreamWindowSize`, at an update sent within 4
 * round trips of the previous one), at the updates that do go out. (Setting the half-window rule aside while the
 * window could grow, tried, kept every message of a localnet's first broadcasts updating: its streams' round trip
 * had been measured while 100 nodes started, in hundreds of ms.)
 *
 * Returns whether it was applied.
 */
export function lazyWindowUpdates (stream: unknown): boolean {
  if (!(stream instanceof YamuxStream)) return false
  const window = stream as unknown as ReceiveWindow
  const eager = stream.sendWindowUpdate
  const dispatch = window.dispatchReadBuffer
  if (typeof window.recvWindow !== 'number' || typeof window.recvWindowCapacity !== 'number' ||
    typeof eager !== 'function' || typeof dispatch !== 'function') return false
  /** an update was held back for bytes no reader took yet */
  let withheld = false
  stream.sendWindowUpdate = function (this: YamuxStream): void {
    // SYN and ACK (states Init, SYNReceived) go out at once; a paused stream is left to yamux (it sends nothing)
    if (this.state === StreamState.Established) {
      if (this.readBufferLength > 0) {
        withheld = true
        return
      }
      if (window.recvWindow - window.recvWindowCapacity < window.recvWindow / 2 && lazyWhile.get(this)?.() === true) return
    }
    withheld = false
    eager.call(this)
  }
  window.dispatchReadBuffer = function (this: YamuxStream): void {
    dispatch.call(this)
    if (!withheld || this.readBufferLength > 0) return
    // Called where yamux does not expect a frame to be sent (a reader attaching, `resume()`, a timer): a failure
    // (the connection closed meanwhile) ends this stream, as yamux ends its connection when a frame it sends fails.
    try {
      this.sendWindowUpdate()
    } catch (err) {
      withheld = false
      this.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
  return true
}

/** What `YamuxMuxer` makes its streams with (internal to `@libp2p/yamux`). */
interface StreamMaker {
  _newStream?: (...args: unknown[]) => unknown
}

/**
 * A stream muxer factory (`yamux({ … })`) whose streams, inbound and outbound, send {@link lazyWindowUpdates}.
 *
 * @param factory - the libp2p component factory, e.g. `yamux({ maxEarlyStreams: 32 })`
 */
export function tunedYamux<C, F extends StreamMuxerFactory> (factory: (components: C) => F): (components: C) => F {
  return components => {
    const muxerFactory = factory(components)
    const createStreamMuxer = muxerFactory.createStreamMuxer.bind(muxerFactory)
    muxerFactory.createStreamMuxer = (maConn: MessageStream): StreamMuxer => {
      const muxer = createStreamMuxer(maConn)
      const maker = muxer as unknown as StreamMaker
      const newStream = maker._newStream
      if (typeof newStream === 'function') {
        maker._newStream = function (this: unknown, ...args: unknown[]): unknown {
          const stream = newStream.apply(this, args)
          lazyWindowUpdates(stream)
          return stream
        }
      }
      return muxer
    }
    return muxerFactory
  }
}
