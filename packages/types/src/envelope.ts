import { create } from '@bufbuild/protobuf'
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt'
import { InvalidNonceError, MessageDecodeError, PocketP2PError } from './errors.js'
import { MAX_NONCE } from './identity.js'
import { decodePocketEnvelope } from './wire.js'
import { PocketEnvelopeSchema } from './gen/pokt/pocket_envelope_pb.js'

/**
 * Every reason a router drops an inbound message, shared by all routers so that logs, events and metrics speak one
 * vocabulary. Order: the order in which the checks run.
 */
export const DROP_REASONS = ['tooLarge', 'decode', 'empty', 'envelope', 'nonce', 'unknownSender', 'internal'] as const

/**
 * Why a router dropped an inbound message:
 * - `tooLarge`: over the size cap (where the transport did not already enforce it);
 * - `decode`: the router's own wire message (`RainTreeMessage`, `BackgroundMessage`) does not decode;
 * - `empty`: it carries no envelope bytes;
 * - `envelope`: the envelope bytes are not a `PocketEnvelope`;
 * - `nonce`: the envelope's nonce is 0 or above 2^64-2;
 * - `unknownSender`: the authenticated sender is not allowed to send on this router (RainTree: not staked);
 * - `internal`: a bug on this node while handling it (never the sender's fault; reported so it is not lost).
 */
export type DropReason = typeof DROP_REASONS[number]

/** An inbound message was dropped; `reason` says why. */
export class MessageDroppedError extends PocketP2PError {
  static override name = 'MessageDroppedError'
  /**
   * @param reason - why it was dropped
   * @param message - what was wrong with it
   * @param options - `cause`: the underlying error
   */
  constructor (readonly reason: DropReason, message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** A valid envelope, as {@link checkEnvelope} found it. */
export interface EnvelopeAccepted {
  /** the envelope is valid */
  ok: true
  /** its nonce, in [1, 2^64-2] */
  nonce: bigint
  /** its content (an empty `Any` when the envelope has none) */
  content: Any
}

/** A refused message: why, in the vocabulary every router shares, and what was wrong. */
export interface MessageRefused {
  /** the message is refused */
  ok: false
  /** why (from {@link checkEnvelope}: `empty`, `envelope` or `nonce`) */
  reason: DropReason
  /** what was wrong: e.g. a `MessageDecodeError` (`empty`, `envelope`) or an `InvalidNonceError` (`nonce`) */
  error: Error
}

/** Result of {@link checkEnvelope}: the envelope's nonce and content, or why it is refused. */
export type EnvelopeCheck = EnvelopeAccepted | MessageRefused

/**
 * The one check every router applies to the envelope bytes it carries, decoding them exactly once: they must be a
 * non-empty `PocketEnvelope` whose nonce is in [1, 2^64-2]. Routers put the result on their `message` event, so
 * nothing downstream decodes the envelope again. Pure: no I/O, never throws.
 */
export function checkEnvelope (bytes: Uint8Array): EnvelopeCheck {
  if (bytes.length === 0) {
    return refuse('empty', new MessageDecodeError(PocketEnvelopeSchema.typeName, 'the message carries no envelope'))
  }
  let nonce: bigint
  let content: Any | undefined
  try {
    ({ nonce, content } = decodePocketEnvelope(bytes))
  } catch (err) {
    return refuse('envelope', err as Error)
  }
  if (nonce < 1n || nonce > MAX_NONCE) return refuse('nonce', new InvalidNonceError(nonce))
  return { ok: true, nonce, content: content ?? create(AnySchema) }
}

function refuse (reason: DropReason, error: Error): EnvelopeCheck {
  return { ok: false, reason, error }
}
