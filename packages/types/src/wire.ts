import { create, fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf'
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt'
import { MessageDecodeError } from './errors.js'
import { assertValidNonce } from './identity.js'
import { BackgroundMessageSchema, type BackgroundMessage } from './gen/pokt/background_pb.js'
import { PocketEnvelopeSchema, type PocketEnvelope } from './gen/pokt/pocket_envelope_pb.js'
import { RainTreeMessageSchema, type RainTreeMessage } from './gen/pokt/raintree_pb.js'

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
 *   `rangeSize`: the view size the sender targeted (field 3, absent in the reference's messages)
 */
export function encodeRainTreeMessage (init: { level: number, data: Uint8Array, rangeSize?: number }): Uint8Array {
  return toBinary(RainTreeMessageSchema, create(RainTreeMessageSchema, init))
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
