import { PocketP2PError, TimeoutError, type PocketErrorOptions } from '@pokt-p2p/types'

/**
 * Base of the service-URL conversion errors; `serviceUrl` is the input as given. Catch this to handle every
 * malformed URL at once, or a subclass for one condition.
 */
export class ServiceUrlError extends PocketP2PError {
  static override name = 'ServiceUrlError'
  constructor (readonly serviceUrl: string, message: string, options?: PocketErrorOptions) {
    super(message, options)
  }
}

/** The service URL has a scheme (`tcp://host:port`); service URLs are scheme-less `host:port`. */
export class ServiceUrlSchemeError extends ServiceUrlError {
  static override name = 'ServiceUrlSchemeError'
  constructor (serviceUrl: string, options?: PocketErrorOptions) {
    super(serviceUrl, `usage of scheme is invalid in service URL: ${JSON.stringify(serviceUrl)}`, options)
  }
}

/** The service URL has no port, an empty port, or an unbracketed IPv6 host (whose colons hide the port). */
export class MissingPortError extends ServiceUrlError {
  static override name = 'MissingPortError'
  constructor (serviceUrl: string, readonly reason: string, options?: PocketErrorOptions) {
    super(serviceUrl, `missing port number and delimiter in service URL: ${JSON.stringify(serviceUrl)}: ${reason}`, options)
  }
}

/** The port is not a decimal number in [0, 65535] (e.g. `abc`, `-1`, `+80`, `99999`). */
export class InvalidPortError extends ServiceUrlError {
  static override name = 'InvalidPortError'
  constructor (serviceUrl: string, readonly port: string, reason: string, options?: PocketErrorOptions) {
    super(serviceUrl, `parsing peer service URL: ${JSON.stringify(serviceUrl)}: invalid port ${JSON.stringify(port)}: ${reason}`, options)
  }
}

/** The host part is syntactically invalid (unbalanced brackets, a bracketed non-IP, characters not allowed in a DNS name). */
export class InvalidHostError extends ServiceUrlError {
  static override name = 'InvalidHostError'
  constructor (serviceUrl: string, readonly host: string, reason: string, options?: PocketErrorOptions) {
    super(serviceUrl, `parsing peer service URL: ${JSON.stringify(serviceUrl)}: invalid host ${JSON.stringify(host)}: ${reason}`, options)
  }
}

/** The host name did not resolve to any IP address (the resolver's error, if any, is the `cause`). */
export class UnresolvableHostError extends ServiceUrlError {
  static override name = 'UnresolvableHostError'
  constructor (serviceUrl: string, readonly hostname: string, reason: string, options?: PocketErrorOptions) {
    super(serviceUrl, `resolving peer IP for hostname: ${JSON.stringify(hostname)}: ${reason}`, options)
  }
}

/** A multiaddr cannot be turned into a service URL: fewer than 2 protocols, a first protocol other than ip4/ip6, or no port. */
export class UnsupportedMultiaddrError extends PocketP2PError {
  static override name = 'UnsupportedMultiaddrError'
  constructor (readonly multiaddr: string, reason: string, options?: PocketErrorOptions) {
    super(`unsupported multiaddr: ${multiaddr}; ${reason}`, options)
  }
}

/** The remote end of a connection authenticated with a key that is not ed25519, so it has no pocket address. */
export class UnsupportedPeerKeyError extends PocketP2PError {
  static override name = 'UnsupportedPeerKeyError'
  constructor (readonly peerId: string, readonly keyType: string, options?: PocketErrorOptions) {
    super(`remote peer ${peerId} authenticated with a ${keyType} key; pocket peers use ed25519 keys`, options)
  }
}

/** An inbound message did not arrive completely within the read timeout; the stream was reset. */
export class ReadTimeoutError extends TimeoutError {
  static override name = 'ReadTimeoutError'
  constructor (readonly timeoutMs: number, readonly bytesRead: number, options?: PocketErrorOptions) {
    super(`inbound message not complete after ${timeoutMs} ms (${bytesRead} bytes read); stream reset`, options)
  }
}

/** The remote reset or the connection closed an inbound stream before the message was complete. */
export class StreamAbortedError extends PocketP2PError {
  static override name = 'StreamAbortedError'
  constructor (readonly bytesRead: number, reason: string, options?: PocketErrorOptions) {
    super(`inbound stream ended abnormally after ${bytesRead} bytes: ${reason}`, options)
  }
}

/** An inbound stream arrived for a protocol that has no handler any more (it was unhandled meanwhile). */
export class NoHandlerError extends PocketP2PError {
  static override name = 'NoHandlerError'
  constructor (readonly protocol: string) {
    super(`no handler registered for protocol ${protocol}`)
  }
}

/** A send did not finish (dial, negotiation, write, close) within the transport's `sendTimeoutMs`. */
export class SendTimeoutError extends TimeoutError {
  static override name = 'SendTimeoutError'
  constructor (readonly address: string, readonly timeoutMs: number, stage: string, options?: PocketErrorOptions) {
    super(`sending to peer ${address} timed out after ${timeoutMs} ms while ${stage}`, options)
  }
}

/** A send was cut short by the caller's `AbortSignal`; the signal's reason is the `cause`. */
export class SendAbortedError extends TimeoutError {
  static override name = 'SendAbortedError'
  constructor (readonly address: string, stage: string, options?: PocketErrorOptions) {
    super(`sending to peer ${address} aborted by the caller while ${stage}`, options)
  }
}
