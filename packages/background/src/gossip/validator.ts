import {
  MessageDecodeError, MessageTooLargeError, checkEnvelope, decodeBackgroundMessage,
  type EnvelopeAccepted, type MessageRefused
} from '@pokt-p2p/types'

/**
 * Result of {@link checkBackgroundMessage}: the envelope, decoded once, with the bytes the router hands on as
 * `data`; or why the message is refused (`tooLarge`, `decode`, `internal`, or `checkEnvelope`'s reasons).
 */
export type BackgroundMessageCheck = (EnvelopeAccepted & {
  /** the PocketEnvelope bytes it carries (what the router hands on as `data`) */
  data: Uint8Array
}) | MessageRefused

/**
 * The background router's check of one inbound message, as a pure function that never throws: `bytes` must be at
 * most `maxBytes` long (`tooLarge`), decode as a `BackgroundMessage` (`decode`), and carry an envelope that passes
 * `checkEnvelope` of `@pokt-p2p/types` (`empty`, `envelope`, `nonce`). It decodes each layer exactly once; the
 * result carries the envelope's nonce and content, so nothing downstream decodes again.
 *
 * The reference checked the size, the decoding and non-empty data; the nonce check moves the p2p module's
 * `ErrInvalidNonce` to the first hop, so a zero-nonce envelope is never forwarded.
 *
 * @param bytes - a `BackgroundMessage` as received
 * @param maxBytes - the size cap; omit it where the transport already enforced one (unicast)
 */
export function checkBackgroundMessage (bytes: Uint8Array, maxBytes = Infinity): BackgroundMessageCheck {
  if (bytes.length > maxBytes) {
    return { ok: false, reason: 'tooLarge', error: new MessageTooLargeError(bytes.length, maxBytes, 'background message') }
  }
  let data: Uint8Array
  try {
    data = decodeBackgroundMessage(bytes).data
  } catch (err) {
    // the decoder reports malformed bytes as MessageDecodeError; anything else is a bug here, not the sender's fault
    return err instanceof MessageDecodeError
      ? { ok: false, reason: 'decode', error: err }
      : { ok: false, reason: 'internal', error: err instanceof Error ? err : new Error(String(err)) }
  }
  const envelope = checkEnvelope(data)
  if (!envelope.ok) return envelope
  return { ok: true, data, nonce: envelope.nonce, content: envelope.content }
}
