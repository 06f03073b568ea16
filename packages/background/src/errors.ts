import { PocketP2PError, type PocketErrorOptions } from '@pokt-p2p/types'

/**
 * A kad-dht reply was longer than `dhtMaxReplyBytes`: the stream was aborted before the reply was decoded, so none
 * of the peers it named reached kad-dht's routing table, libp2p's peer store or the background peerstore.
 */
export class DhtReplyTooLargeError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'DhtReplyTooLargeError'
  /**
   * @param bytes - bytes received on the stream when it was refused
   * @param maxBytes - the limit (`dhtMaxReplyBytes`)
   * @param options - `cause`: the underlying error
   */
  constructor (readonly bytes: number, readonly maxBytes: number, options?: PocketErrorOptions) {
    super(`kad-dht reply refused: ${bytes} bytes received, more than dhtMaxReplyBytes (${maxBytes})`, options)
  }
}

/**
 * A kad-dht reply named more peers (closer plus provider peers) than `dhtMaxReplyPeers`. Honest nodes answer with at
 * most K = 20; the whole reply is refused, so none of its peers is used.
 */
export class DhtReplyTooManyPeersError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'DhtReplyTooManyPeersError'
  /**
   * @param peers - peers the reply named
   * @param maxPeers - the limit (`dhtMaxReplyPeers`)
   * @param options - `cause`: the underlying error
   */
  constructor (readonly peers: number, readonly maxPeers: number, options?: PocketErrorOptions) {
    super(`kad-dht reply refused: it names ${peers} peers, more than dhtMaxReplyPeers (${maxPeers})`, options)
  }
}

/** A kad-dht reply was not a well-formed length-prefixed protobuf message. */
export class DhtReplyMalformedError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'DhtReplyMalformedError'
  /**
   * @param reason - what was wrong
   * @param options - `cause`: the underlying error
   */
  constructor (readonly reason: string, options?: PocketErrorOptions) {
    super(`kad-dht reply refused: malformed (${reason})`, options)
  }
}
