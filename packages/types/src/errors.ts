/**
 * One error class per condition. Each sets a static and instance `name` so callers can test
 * `err.name === UnknownPeerError.name` across package copies, and chains the underlying `cause`.
 */

/** Options of every error constructor: the standard `cause`. */
export interface PocketErrorOptions {
  /** The underlying error (or abort reason) that led to this one; becomes the error's `cause`. */
  cause?: unknown
}

/** Base class of every error this project throws. */
export class PocketP2PError extends Error {
  /** The class name, also set as each instance's `name`: compare `err.name` with it to test across package copies. */
  static override name = 'PocketP2PError'
  /**
   * @param message - the error message
   * @param options - `cause`: the underlying error
   */
  constructor (message: string, options?: PocketErrorOptions) {
    super(message, options)
    this.name = (new.target as { name: string }).name
  }
}

/** A send named an address that is not in the router's peerstore (reference: `ErrUnknownPeer`). */
export class UnknownPeerError extends PocketP2PError {
  static override name = 'UnknownPeerError'
  /**
   * @param address - the pocket address that is not in the peerstore
   * @param options - `cause`: the underlying error
   */
  constructor (readonly address: string, options?: PocketErrorOptions) {
    super(`unknown peer: with pokt address ${address}`, options)
  }
}

/** A pocket envelope carried nonce 0, or a nonce outside [1, 2^64-2] (reference: `ErrInvalidNonce`). */
export class InvalidNonceError extends PocketP2PError {
  static override name = 'InvalidNonceError'
  /**
   * @param nonce - the nonce as received
   * @param options - `cause`: the underlying error
   */
  constructor (readonly nonce: bigint, options?: PocketErrorOptions) {
    super(`invalid nonce: ${nonce.toString()}`, options)
  }
}

/** A nonce was pushed twice into a {@link NonceDeduper} (reference: "item N already exists"). */
export class DuplicateNonceError extends PocketP2PError {
  static override name = 'DuplicateNonceError'
  /** @param nonce - the nonce that was already there */
  constructor (readonly nonce: bigint) {
    super(`nonce ${nonce.toString()} already exists`)
  }
}

/** A peer with the same address is already in the peerstore (reference: "peer exists, remove first"). */
export class DuplicatePeerError extends PocketP2PError {
  static override name = 'DuplicatePeerError'
  /** @param address - the pocket address already in the peerstore */
  constructor (readonly address: string) {
    super(`peer exists, remove first; addr: ${address}`)
  }
}

/** A private or public key could not be decoded (bad hex, wrong length). */
export class InvalidKeyError extends PocketP2PError {
  static override name = 'InvalidKeyError'
}

/** A pocket address is not 20 bytes of hex. */
export class InvalidAddressError extends PocketP2PError {
  static override name = 'InvalidAddressError'
}

/** Bytes from the network (or a caller) did not decode as the expected protobuf message. */
export class MessageDecodeError extends PocketP2PError {
  static override name = 'MessageDecodeError'
  /**
   * @param messageType - the protobuf message that was expected, e.g. `RainTreeMessage`
   * @param reason - why decoding failed
   * @param options - `cause`: the decoder's error
   */
  constructor (readonly messageType: string, reason: string, options?: PocketErrorOptions) {
    super(`cannot decode ${messageType}: ${reason}`, options)
  }
}

/** A message was larger than the configured limit. */
export class MessageTooLargeError extends PocketP2PError {
  static override name = 'MessageTooLargeError'
  /**
   * @param size - bytes seen when the limit was exceeded (a lower bound of the full size when reading stopped early)
   * @param limit - the configured limit in bytes
   * @param what - what was too large, for the message (default `message`)
   */
  constructor (readonly size: number, readonly limit: number, what = 'message') {
    super(`${what} of at least ${size} bytes exceeds the limit of ${limit} bytes`)
  }
}

/** An operation was attempted on a component that is not started. */
export class NotStartedError extends PocketP2PError {
  static override name = 'NotStartedError'
}

/** A configuration value (option, CLI flag, config file field) is invalid; `field` names it. */
export class InvalidConfigError extends PocketP2PError {
  static override name = 'InvalidConfigError'
  /**
   * @param field - the option, flag or config field that is invalid
   * @param reason - what is wrong with its value
   * @param options - `cause`: the underlying error
   */
  constructor (readonly field: string, reason: string, options?: PocketErrorOptions) {
    super(`invalid ${field}: ${reason}`, options)
  }
}

/** Thrown by operations cut short by an `AbortSignal` or their own timeout. */
export class TimeoutError extends PocketP2PError {
  static override name = 'TimeoutError'
}

/** A message could not be delivered to a peer (no route, dial failure, stream reset). */
export class PeerUnreachableError extends PocketP2PError {
  static override name = 'PeerUnreachableError'
  /**
   * @param address - the pocket address of the peer
   * @param reason - why the message could not be delivered
   * @param options - `cause`: the underlying error (dial, stream or timeout)
   */
  constructor (readonly address: string, reason: string, options?: PocketErrorOptions) {
    super(`cannot reach peer ${address}: ${reason}`, options)
  }
}
