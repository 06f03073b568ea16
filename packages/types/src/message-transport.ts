import type { Address } from './identity.js'
import type { Peer } from './peer.js'
import type { AbortOptions } from './router.js'

/** The authenticated sender of a message (derived from the connection's key, never from message content). */
export interface RemoteSender {
  /** The sender's pocket address, derived from its public key. */
  readonly address: Address
  /** 64 lowercase hex characters */
  readonly publicKey: string
}

/**
 * Called with each whole inbound message on a protocol, its authenticated sender and the protocol it came on (one
 * handler can serve several). A returned promise is awaited for back-pressure and its rejection is contained (it
 * never reaches the transport's other handlers).
 */
export type InboundMessageHandler = (bytes: Uint8Array, from: RemoteSender, protocol: string) => void | Promise<void>

/**
 * What a router needs from the network: send one message to a peer on a protocol, and be called with whole
 * inbound messages. Routers never touch libp2p streams; the libp2p implementation lives in `@pokt-p2p/transport`,
 * and `InProcessNetwork` of `@pokt-p2p/testing` implements it in memory.
 */
export interface MessageTransport {
  /** The pocket address of this node: the sender that receivers of its messages see. */
  readonly localAddress: Address
  /** Registers the handler of `protocol`; a second registration replaces the first. */
  handle (protocol: string, handler: InboundMessageHandler): void
  /** Removes the handler of `protocol`; inbound messages on it are refused from then on. No-op when there is none. */
  unhandle (protocol: string): void
  /**
   * Delivers `bytes` to `peer` as one message, on the first of `protocols` (in order of preference) that the peer
   * supports: a router offers its own newer protocol first and the reference's after it, and learns from the
   * result which one the peer speaks.
   * @returns the protocol the message went out on
   * @throws {PeerUnreachableError} when the peer cannot be reached, or supports none of `protocols`
   */
  sendTo (peer: Peer, protocols: string | readonly string[], bytes: Uint8Array, options?: AbortOptions): Promise<string>
}

/** Default inbound message cap: the spec's 4 MiB block plus room for headers. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024 + 64 * 1024
