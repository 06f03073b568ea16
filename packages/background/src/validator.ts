import {
  BackgroundMessageSchema, InvalidNonceError, MessageDecodeError, MessageTooLargeError, assertValidNonce, decodeBackgroundMessage,
  decodePocketEnvelope
} from '@pokt-p2p/types'

/** Why a background message was refused. */
export type InvalidReason = 'oversize' | 'decode' | 'empty' | 'envelope' | 'nonce'

/** Every {@link InvalidReason}, in check order (e.g. to initialise per-reason counters). */
export const INVALID_REASONS: readonly InvalidReason[] = ['oversize', 'decode', 'empty', 'envelope', 'nonce']

/** Result of {@link checkBackgroundMessage}: the envelope bytes, or why the message is refused. */
export type BackgroundMessageCheck =
  | {
    /** the message is valid */
    ok: true
    /** the PocketEnvelope bytes it carries */
    data: Uint8Array
  }
  | {
    /** the message is refused */
    ok: false
    /** which check failed */
    reason: InvalidReason
    /** the error describing the problem */
    error: Error
  }

/**
 * The topic validator's rule, as a pure function: `bytes` must be at most `maxBytes`, decode as
 * `BackgroundMessage` with non-empty `data`, and that data must decode as a `PocketEnvelope` whose nonce is in
 * [1, 2^64-2]. The reference checked the first three; the nonce check moves the p2p module's `ErrInvalidNonce` to
 * the first hop so a zero-nonce envelope is never forwarded. On success `data` is the envelope bytes.
 */
export function checkBackgroundMessage (bytes: Uint8Array, maxBytes: number): BackgroundMessageCheck {
  if (bytes.length > maxBytes) {
    return { ok: false, reason: 'oversize', error: new MessageTooLargeError(bytes.length, maxBytes, 'background message') }
  }
  let data: Uint8Array
  try {
    data = decodeBackgroundMessage(bytes).data
  } catch (err) {
    return { ok: false, reason: 'decode', error: err as Error }
  }
  if (data.length === 0) {
    return { ok: false, reason: 'empty', error: new MessageDecodeError(BackgroundMessageSchema.typeName, 'data is empty') }
  }
  let nonce: bigint
  try {
    nonce = decodePocketEnvelope(data).nonce
  } catch (err) {
    return { ok: false, reason: 'envelope', error: err as Error }
  }
  try {
    assertValidNonce(nonce)
  } catch (err) {
    return { ok: false, reason: 'nonce', error: err instanceof InvalidNonceError ? err : new InvalidNonceError(nonce) }
  }
  return { ok: true, data }
}
