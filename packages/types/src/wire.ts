import { create, fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf'
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt'
import { MessageDecodeError } from './errors.js'
import { assertValidNonce } from './identity.js'
import { BackgroundMessageSchema, type BackgroundMessage } from './gen/pokt/background_pb.js'
import { PocketEnvelopeSchema, type PocketEnvelope } from './gen/pokt/pocket_envelope_pb.js'
import { RainTreeMessageSchema, RainTreeMessage_Control as RainTreeControl, type RainTreeMessage } from './gen/pokt/raintree_pb.js'

/** Decodes `bytes` as `schema`, turning any protobuf failure into a {@link MessageDecodeError}. */
export function decodeMessage<Desc extends DescMessage> (schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes)
  } catch (err) {
    throw new MessageDecodeError(schema.typeName, err instanceof Error ? err.message : String(err), { cause: err })
  }
}

/**
 * Encodes a `RainTreeMessage`.
 * @param init - `level`: the RainTree level the receiver continues at; `data`: the PocketEnvelope bytes;
 *   `rangeSize`: the view size the sender targeted (field 3, absent in the reference's messages); `ackRequested`:
 *   the sender waits for an ACK (field 6, the fast path only); `repair`: a clean-up repair, not a hop of the tree
 *   (field 7, the fast path only)
 */
export function encodeRainTreeMessage (init: {
  level: number, data: Uint8Array, rangeSize?: number, ackRequested?: boolean, repair?: boolean
}): Uint8Array {
  // Written by hand: every RainTree hop encodes one, and protobuf-es's generic writer cost ~9 µs per 1 KiB message
  // (most of a simulated hop). The bytes are exactly `toBinary(RainTreeMessageSchema, …)`'s (a test compares them):
  // fields in number order, proto3 defaults (0, empty) omitted.
  const { level, data } = init
  const rangeSize = init.rangeSize ?? 0
  assertUint32('level', level)
  assertUint32('rangeSize', rangeSize)
  const size = (level === 0 ? 0 : 1 + varintSize(level)) +
    (data.length === 0 ? 0 : 1 + varintSize(data.length) + data.length) +
    (rangeSize === 0 ? 0 : 1 + varintSize(rangeSize)) +
    (init.ackRequested === true ? 2 : 0) +
    (init.repair === true ? 2 : 0)
  const out = new Uint8Array(size)
  let at = 0
  if (level !== 0) {
    out[at++] = 0x08 // field 1, varint
    at = writeVarint(out, at, level)
  }
  if (data.length !== 0) {
    out[at++] = 0x12 // field 2, length-delimited
    at = writeVarint(out, at, data.length)
    out.set(data, at)
    at += data.length
  }
  if (rangeSize !== 0) {
    out[at++] = 0x18 // field 3, varint
    at = writeVarint(out, at, rangeSize)
  }
  if (init.ackRequested === true) {
    out[at++] = 0x30 // field 6, varint
    out[at++] = 1
  }
  if (init.repair === true) {
    out[at++] = 0x38 // field 7, varint
    out[at] = 1
  }
  return out
}

/**
 * The `level` of a clean-up query that checks a gap for its sender (a node asking the nodes to its left that a
 * querier skipped), where every other control frame has none: its receiver answers it and checks no gap of its own,
 * so a gap check never sets off another one. Walk queries come from the left; these from the right, which on a small
 * ring the distances alone cannot tell.
 */
export const GAP_QUERY_LEVEL = 1

/**
 * Encodes a RainTree control frame (the fast path only): `control` about the message whose envelope nonce is `nonce`.
 * 11 bytes; exactly `toBinary(RainTreeMessageSchema, { control, nonce })`. With `level` (a gap query's
 * {@link GAP_QUERY_LEVEL}) 13 bytes, the level after the nonce, so the frame still starts with its control. With
 * `next` (a `HAVE`'s right neighbour, an address's 20 bytes) 22 bytes more, last.
 */
export function encodeRainTreeControl (control: RainTreeControl, nonce: bigint, level = 0, next?: Uint8Array): Uint8Array {
  assertUint32('control', control)
  assertUint32('level', level)
  if (control === RainTreeControl.NONE) throw new RangeError('a control frame needs a control other than NONE')
  if (nonce < 0n || nonce > 0xffff_ffff_ffff_ffffn) throw new RangeError(`RainTreeMessage.nonce must be a uint64, got ${nonce}`)
  // (a control frame stays small: its receivers bound nothing else about it)
  if (next !== undefined && next.length > 64) throw new RangeError(`RainTreeMessage.next must be at most 64 bytes, got ${next.length}`)
  const nextSize = next === undefined || next.length === 0 ? 0 : 2 + next.length
  const out = new Uint8Array(1 + varintSize(control) + (nonce === 0n ? 0 : 9) + (level === 0 ? 0 : 1 + varintSize(level)) + nextSize)
  out[0] = 0x20 // field 4, varint
  let at = writeVarint(out, 1, control)
  if (nonce !== 0n) {
    out[at++] = 0x29 // field 5, fixed64
    new DataView(out.buffer, out.byteOffset + at, 8).setBigUint64(0, nonce, true)
    at += 8
  }
  if (level !== 0) {
    out[at++] = 0x08 // field 1, varint
    at = writeVarint(out, at, level)
  }
  if (nextSize !== 0) {
    out[at++] = 0x42 // field 8, length-delimited
    out[at++] = (next as Uint8Array).length
    out.set(next as Uint8Array, at)
  }
  return out
}

/** The kinds {@link rainTreeFrameKind} tells apart: data, each control frame RainTree sends, and any other control. */
export type RainTreeFrameKind = 'data' | 'ack' | 'igyw' | 'have' | 'want' | 'control'

/**
 * What a RainTree message is, from its first bytes: a control frame (`encodeRainTreeControl` writes field 4 first,
 * and data messages never carry it) of which kind — `ack`, the clean-up layer's `igyw` query and its `have` and
 * `want` answers, `control` for any other — or data (repairs included). For counting (e.g. a simulator's classes),
 * not for validation.
 */
export function rainTreeFrameKind (bytes: Uint8Array): RainTreeFrameKind {
  if (bytes[0] !== 0x20) return 'data'
  switch (bytes[1]) {
    case RainTreeControl.ACK: return 'ack'
    case RainTreeControl.IGYW: return 'igyw'
    case RainTreeControl.HAVE: return 'have'
    case RainTreeControl.WANT: return 'want'
    default: return 'control'
  }
}

function assertUint32 (field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`RainTreeMessage.${field} must be a uint32, got ${value}`)
  }
}

function varintSize (value: number): number {
  let size = 1
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) size++
  return size
}

function writeVarint (out: Uint8Array, at: number, value: number): number {
  let v = value
  while (v >= 0x80) {
    out[at++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  out[at++] = v
  return at
}

/**
 * Decodes a `RainTreeMessage`.
 * @throws {MessageDecodeError} when `bytes` is not one
 */
export function decodeRainTreeMessage (bytes: Uint8Array): RainTreeMessage {
  return decodeMessage(RainTreeMessageSchema, bytes)
}

/** Encodes a `BackgroundMessage` carrying `data` (PocketEnvelope bytes). */
export function encodeBackgroundMessage (data: Uint8Array): Uint8Array {
  return toBinary(BackgroundMessageSchema, create(BackgroundMessageSchema, { data }))
}

/**
 * Decodes a `BackgroundMessage`.
 * @throws {MessageDecodeError} when `bytes` is not one
 */
export function decodeBackgroundMessage (bytes: Uint8Array): BackgroundMessage {
  return decodeMessage(BackgroundMessageSchema, bytes)
}

/** An `Any` with the given type URL (`type.googleapis.com/<full.name>` for real messages) and payload. */
export function createAny (typeUrl: string, value: Uint8Array = new Uint8Array()): Any {
  return create(AnySchema, { typeUrl, value })
}

/** Encodes `PocketEnvelope{content, nonce}`; the nonce must be in [1, 2^64-2]. */
export function encodePocketEnvelope (content: Any | undefined, nonce: bigint): Uint8Array {
  assertValidNonce(nonce)
  return toBinary(PocketEnvelopeSchema, create(PocketEnvelopeSchema, { content, nonce }))
}

/** Decodes a `PocketEnvelope` (structure only; the nonce is checked by whoever de-duplicates). */
export function decodePocketEnvelope (bytes: Uint8Array): PocketEnvelope {
  return decodeMessage(PocketEnvelopeSchema, bytes)
}

/**
 * The message name of an `Any`: the part of its type URL after the last `/`, as Go's `Any.MessageName()`.
 */
export function anyMessageName (any: Any): string {
  const i = any.typeUrl.lastIndexOf('/')
  return i === -1 ? any.typeUrl : any.typeUrl.slice(i + 1)
}
