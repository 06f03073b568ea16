import { PocketP2PError, TimeoutError, type PocketErrorOptions } from '@pokt-p2p/types'

/**
 * Base of the service-URL conversion errors; `serviceUrl` is the input as given. Catch this to handle every
 * malformed URL at once, or a subclass for one condition.
 */
export class ServiceUrlError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'ServiceUrlError'
  /**
   * @param serviceUrl - the service URL as given
   * @param message - the error message
   * @param options - `cause`: the underlying error
   */
  constructor (readonly serviceUrl: string, message: string, options?: PocketErrorOptions) {
    super(message, options)
  }
}

/** The service URL has a scheme (`tcp://host:port`); service URLs are scheme-less `host:port`. */
export class ServiceUrlSchemeError extends ServiceUrlError {
  /** The class name, as each instance's `name`. */
  static override name = 'ServiceUrlSchemeError'
  /**
   * @param serviceUrl - the service URL as given
   * @param options - `cause`: the underlying error
   */
  constructor (serviceUrl: string, options?: PocketErrorOptions) {
    super(serviceUrl, `usage of scheme is invalid in service URL: ${JSON.stringify(serviceUrl)}`, options)
  }
}

/** The service URL has no port, an empty port, or an unbracketed IPv6 host (whose colons hide the port). */
export class MissingPortError extends ServiceUrlError {
  /** The class name, as each instance's `name`. */
  static override name = 'MissingPortError'
  /**
   * @param serviceUrl - the service URL as given
   * @param reason - which of the cases it is
   * @param options - `cause`: the underlying error
   */
  constructor (serviceUrl: string, readonly reason: string, options?: PocketErrorOptions) {
    super(serviceUrl, `missing port number and delimiter in service URL: ${JSON.stringify(serviceUrl)}: ${reason}`, options)
  }
}

/** The port is not a decimal number in [0, 65535] (e.g. `abc`, `-1`, `+80`, `99999`). */
export class InvalidPortError extends ServiceUrlError {
  /** The class name, as each instance's `name`. */
  static override name = 'InvalidPortError'
  /**
   * @param serviceUrl - the service URL as given
   * @param port - the port part as written
   * @param reason - what is wrong with it
   * @param options - `cause`: the underlying error
   */
  constructor (serviceUrl: string, readonly port: string, reason: string, options?: PocketErrorOptions) {
    super(serviceUrl, `parsing peer service URL: ${JSON.stringify(serviceUrl)}: invalid port ${JSON.stringify(port)}: ${reason}`, options)
  }
}

/** The host part is syntactically invalid (unbalanced brackets, a bracketed non-IP, characters not allowed in a DNS name). */
export class InvalidHostError extends ServiceUrlError {
  /** The class name, as each instance's `name`. */
  static override name = 'InvalidHostError'
  /**
   * @param serviceUrl - the service URL as given
   * @param host - the host part as written
   * @param reason - what is wrong with it
   * @param options - `cause`: the underlying error
   */
  constructor (serviceUrl: string, readonly host: string, reason: string, options?: PocketErrorOptions) {
    super(serviceUrl, `parsing peer service URL: ${JSON.stringify(serviceUrl)}: invalid host ${JSON.stringify(host)}: ${reason}`, options)
  }
}

/** The host name did not resolve to any IP address (the resolver's error, if any, is the `cause`). */
export class UnresolvableHostError extends ServiceUrlError {
  /** The class name, as each instance's `name`. */
  static override name = 'UnresolvableHostError'
  /**
   * @param serviceUrl - the service URL as given
   * @param hostname - the host name that did not resolve
   * @param reason - what the resolver said
   * @param options - `cause`: the resolver's error
   */
  constructor (serviceUrl: string, readonly hostname: string, reason: string, options?: PocketErrorOptions) {
    super(serviceUrl, `resolving peer IP for hostname: ${JSON.stringify(hostname)}: ${reason}`, options)
  }
}

/** A multiaddr cannot be turned into a service URL: fewer than 2 protocols, a first protocol other than ip4/ip6, or no port. */
export class UnsupportedMultiaddrError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'UnsupportedMultiaddrError'
  /**
   * @param multiaddr - the multiaddr, as a string
   * @param reason - why it has no service URL
   * @param options - `cause`: the underlying error
   */
  constructor (readonly multiaddr: string, reason: string, options?: PocketErrorOptions) {
    super(`unsupported multiaddr: ${multiaddr}; ${reason}`, options)
  }
}

/** The remote end of a connection authenticated with a key that is not ed25519, so it has no pocket address. */
export class UnsupportedPeerKeyError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'UnsupportedPeerKeyError'
  /**
   * @param peerId - the remote peer id, as a string
   * @param keyType - the type of its key, e.g. `secp256k1`
   * @param options - `cause`: the underlying error
   */
  constructor (readonly peerId: string, readonly keyType: string, options?: PocketErrorOptions) {
    super(`remote peer ${peerId} authenticated with a ${keyType} key; pocket peers use ed25519 keys`, options)
  }
}

/** An inbound message did not arrive completely within the read timeout; the stream was reset. */
export class ReadTimeoutError extends TimeoutError {
  /** The class name, as each instance's `name`. */
  static override name = 'ReadTimeoutError'
  /**
   * @param timeoutMs - the read timeout that passed
   * @param bytesRead - bytes of the message received by then
   * @param options - `cause`: the underlying error
   */
  constructor (readonly timeoutMs: number, readonly bytesRead: number, options?: PocketErrorOptions) {
    super(`inbound message not complete after ${timeoutMs} ms (${bytesRead} bytes read); stream reset`, options)
  }
}

/** The remote reset or the connection closed an inbound stream before the message was complete. */
export class StreamAbortedError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'StreamAbortedError'
  /**
   * @param bytesRead - bytes of the message received before the stream ended
   * @param reason - how it ended
   * @param options - `cause`: the stream's error
   */
  constructor (readonly bytesRead: number, reason: string, options?: PocketErrorOptions) {
    super(`inbound stream ended abnormally after ${bytesRead} bytes: ${reason}`, options)
  }
}

/** An inbound stream arrived for a protocol that has no handler any more (it was unhandled meanwhile). */
export class NoHandlerError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'NoHandlerError'
  /** @param protocol - the protocol id of the stream */
  constructor (readonly protocol: string) {
    super(`no handler registered for protocol ${protocol}`)
  }
}

/** A send did not finish (dial, negotiation, write, close) within the transport's `sendTimeoutMs`. */
export class SendTimeoutError extends TimeoutError {
  /** The class name, as each instance's `name`. */
  static override name = 'SendTimeoutError'
  /**
   * @param address - the pocket address of the peer
   * @param timeoutMs - the send timeout that passed
   * @param stage - what the send was doing, e.g. `dialling`
   * @param options - `cause`: the underlying error
   */
  constructor (readonly address: string, readonly timeoutMs: number, stage: string, options?: PocketErrorOptions) {
    super(`sending to peer ${address} timed out after ${timeoutMs} ms while ${stage}`, options)
  }
}

/** A send was cut short by the caller's `AbortSignal`; the signal's reason is the `cause`. */
export class SendAbortedError extends TimeoutError {
  /** The class name, as each instance's `name`. */
  static override name = 'SendAbortedError'
  /**
   * @param address - the pocket address of the peer
   * @param stage - what the send was doing when aborted
   * @param options - `cause`: the signal's reason
   */
  constructor (readonly address: string, stage: string, options?: PocketErrorOptions) {
    super(`sending to peer ${address} aborted by the caller while ${stage}`, options)
  }
}

/**
 * A framed stream carried bytes that are not a frame: the length prefix is not a minimal unsigned varint. The
 * stream was reset (its later frames cannot be found either).
 */
export class MalformedFrameError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'MalformedFrameError'
  /**
   * @param reason - what is wrong with the bytes
   * @param options - `cause`: the underlying error
   */
  constructor (reason: string, options?: PocketErrorOptions) {
    super(`malformed frame on a framed stream: ${reason}; stream reset`, options)
  }
}

/**
 * An inbound message was refused because the bytes it would add pass the node-wide inbound budget (the memory held
 * by unfinished inbound messages of every peer, `maxInboundBytes`), or the share of it open to peers without
 * priority. The stream was reset and the bytes it held released.
 */
export class InboundBudgetExceededError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'InboundBudgetExceededError'
  /**
   * @param requested - bytes the message needed on top of what it held
   * @param used - bytes held by all unfinished inbound messages at that moment
   * @param limit - the budget that applied (the whole budget, or the share open to this sender)
   * @param options - `cause`: the underlying error
   */
  constructor (readonly requested: number, readonly used: number, readonly limit: number, options?: PocketErrorOptions) {
    super(`inbound budget exceeded: ${requested} more bytes with ${used} of ${limit} already held by unfinished inbound messages; stream reset`, options)
  }
}

/**
 * An inbound stream was refused when it opened, before any of its bytes were read: the transport's `admitInbound`
 * predicate said no for this sender on this protocol (e.g. a RainTree stream from a peer not in the staked set).
 */
export class StreamNotAdmittedError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'StreamNotAdmittedError'
  /**
   * @param protocol - the protocol of the stream
   * @param sender - the pocket address of the (authenticated) sender
   */
  constructor (readonly protocol: string, readonly sender: string) {
    super(`inbound ${protocol} stream from ${sender} not admitted (the admission predicate refused the sender); stream reset before reading`)
  }
}

/**
 * An inbound connection from a host without reserved capacity did not finish its handshake (noise and the muxer)
 * within `pendingInboundTimeoutMs`; it was closed to free its pending slot.
 */
export class PendingInboundTimeoutError extends TimeoutError {
  /** The class name, as each instance's `name`. */
  static override name = 'PendingInboundTimeoutError'
  /**
   * @param host - the remote IP address
   * @param timeoutMs - the timeout that passed
   */
  constructor (readonly host: string, readonly timeoutMs: number) {
    super(`inbound connection from ${host} did not finish its handshake within ${timeoutMs} ms; closed`)
  }
}
