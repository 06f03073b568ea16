import { DhtReplyMalformedError, DhtReplyTooLargeError, DhtReplyTooManyPeersError } from '../errors.js'
import type { KadDHTComponents } from '@libp2p/kad-dht'
import type { Stream } from '@libp2p/interface'

/** libp2p's connection manager, as kad-dht sees it. */
type ConnectionManager = KadDHTComponents['connectionManager']

/** The limits put on every kad-dht reply the node reads (`BackgroundInit.dhtMaxReplyBytes` / `dhtMaxReplyPeers`). */
export interface DhtReplyLimits {
  /** bytes one outbound DHT stream may receive; `Infinity` disables the check */
  maxBytes: number
  /** closer plus provider peers one reply may name; `Infinity` disables the check */
  maxPeers: number
}

/** Why a reply was refused, handed to the `onRefused` callback of {@link limitDhtReplies}. */
export type DhtReplyRefusal = DhtReplyTooLargeError | DhtReplyTooManyPeersError | DhtReplyMalformedError

/** The outcome of {@link scanDhtReply}: the first message is not all there yet, or it is and names `peers` peers. */
export type DhtReplyScan = {
  /** not yet: the reply is still arriving */
  complete: false
} | {
  /** the whole reply is here */
  complete: true
  /** peers it names (closer and provider peers) */
  peers: number
  /** its bytes, length prefix included */
  length: number
}

/** kad-dht `Message` fields that each name one peer: `closerPeers` (8) and `providerPeers` (9). */
const PEER_FIELDS = new Set([8, 9])

/** A varint at `at`: its value and the offset after it, or `undefined` when `bytes` ends inside it. */
function varint (bytes: Uint8Array, at: number): [number, number] | undefined {
  let value = 0
  let scale = 1
  for (let i = at; i < bytes.length; i++) {
    if (i - at >= 10) throw new DhtReplyMalformedError('varint longer than 10 bytes')
    const b = bytes[i] as number
    value += (b & 0x7f) * scale // arithmetic, not shifts: lengths beyond 2^31 stay positive (and are refused)
    scale *= 128
    if ((b & 0x80) === 0) return [value, i + 1]
  }
  return undefined
}

/**
 * Counts the peers named by the first length-prefixed kad-dht `Message` in `bytes`, without decoding it: a walk over
 * its protobuf fields that counts fields 8 and 9 and skips every other one. Cheap (no allocation per peer), so a
 * reply can be judged before kad-dht decodes it and hands each peer to its routing table.
 *
 * @returns `{ complete: false }` while the message is not all in `bytes`
 * @throws {DhtReplyMalformedError} a field that overruns the message, an unknown wire type, a varint over 10 bytes
 */
export function scanDhtReply (bytes: Uint8Array): DhtReplyScan {
  const prefix = varint(bytes, 0)
  if (prefix === undefined) return { complete: false }
  const [length, start] = prefix
  const end = start + length
  if (bytes.length < end) return { complete: false }
  let peers = 0
  let at = start
  while (at < end) {
    const tag = varint(bytes, at)
    if (tag === undefined) throw new DhtReplyMalformedError('truncated field tag')
    at = tag[1]
    const field = Math.floor(tag[0] / 8)
    const wireType = tag[0] % 8
    switch (wireType) {
      case 0: { // varint
        const v = varint(bytes, at)
        if (v === undefined) throw new DhtReplyMalformedError('truncated varint')
        at = v[1]
        break
      }
      case 1: at += 8; break // fixed64
      case 5: at += 4; break // fixed32
      case 2: { // length-delimited
        const len = varint(bytes, at)
        if (len === undefined) throw new DhtReplyMalformedError('truncated length')
        at = len[1] + len[0]
        if (PEER_FIELDS.has(field)) peers++
        break
      }
      default: throw new DhtReplyMalformedError(`wire type ${wireType}`)
    }
    if (at > end) throw new DhtReplyMalformedError('a field overruns the message')
  }
  return { complete: true, peers, length: end }
}

/** The bytes of a stream `message` event (a `Uint8Array` or a `Uint8ArrayList`). */
function bytesOf (data: Uint8Array | { subarray: () => Uint8Array }): Uint8Array {
  return data instanceof Uint8Array ? data : data.subarray()
}

/**
 * Puts `limits` on what `stream` receives: it counts the bytes and, until the first message is complete, the peers
 * that message names. Past either limit the chunk is withheld from every later listener (kad-dht's reader is added
 * after this one), the stream is aborted with the reason, so kad-dht's read fails with it, and `onRefused` is
 * told. The bytes seen are held only until the first message is complete, at most `maxBytes` of them.
 */
export function limitDhtReply (stream: Stream, limits: DhtReplyLimits, onRefused: (err: DhtReplyRefusal) => void): void {
  if (limits.maxBytes === Infinity && limits.maxPeers === Infinity) return
  let received = 0
  let head: Uint8Array | undefined = new Uint8Array(0) // the first message's bytes so far; undefined once judged
  let refused = false
  const onMessage = (evt: Event & { data: Uint8Array | { subarray: () => Uint8Array } }): void => {
    if (refused) {
      evt.stopImmediatePropagation()
      return
    }
    const chunk = bytesOf(evt.data)
    received += chunk.byteLength
    let error: DhtReplyRefusal | undefined
    if (received > limits.maxBytes) {
      error = new DhtReplyTooLargeError(received, limits.maxBytes)
    } else if (head !== undefined && limits.maxPeers !== Infinity) {
      const joined = new Uint8Array(head.length + chunk.length)
      joined.set(head)
      joined.set(chunk, head.length)
      try {
        const scan = scanDhtReply(joined)
        head = scan.complete ? undefined : joined
        if (scan.complete && scan.peers > limits.maxPeers) error = new DhtReplyTooManyPeersError(scan.peers, limits.maxPeers)
      } catch (err) {
        error = err as DhtReplyMalformedError
      }
    }
    if (error === undefined) return
    refused = true
    head = undefined
    evt.stopImmediatePropagation()
    onRefused(error)
    // after this dispatch has finished, as @libp2p/utils' own readers do on overflow
    queueMicrotask(() => { stream.abort(error) })
  }
  stream.addEventListener('message', onMessage as unknown as EventListener)
}

/**
 * A view of `connectionManager` whose `openStream` puts `limitDhtReply`'s limits on every stream it opens for
 * `protocol` (kad-dht's outbound requests; each reads one reply). Everything else is the connection manager's own,
 * called on it.
 */
export function limitDhtReplies (
  connectionManager: ConnectionManager, protocol: string, limits: DhtReplyLimits, onRefused: (err: DhtReplyRefusal) => void
): ConnectionManager {
  const openStream: ConnectionManager['openStream'] = async (peer, protocols, options) => {
    const stream = await connectionManager.openStream(peer, protocols, options)
    if (stream.protocol === protocol) limitDhtReply(stream, limits, onRefused)
    return stream
  }
  return new Proxy(connectionManager, {
    get (target, key) {
      if (key === 'openStream') return openStream
      const value: unknown = Reflect.get(target, key, target)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}
