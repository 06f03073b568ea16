import type { Any } from '@bufbuild/protobuf/wkt'
import type { AbortOptions, Startable as Libp2pStartable } from '@libp2p/interface'
import type { DropReason } from './envelope.js'
import type { TypedEvents } from './events.js'
import type { Address } from './identity.js'
import type { Peer } from './peer.js'
import type { ReadonlyPeerstore } from './peerstore.js'

export type { AbortOptions } from '@libp2p/interface'

/**
 * libp2p's `Startable` (so `start(...components)` of `@libp2p/interface` drives it) plus `isStarted()`. Every
 * Pocket P2P service implements it with a {@link Lifecycle}: `start` and `stop` are idempotent and safe to call
 * concurrently.
 */
export interface Startable extends Libp2pStartable {
  /** Starts the component; resolves once it is running. A second call is a no-op. */
  start (): Promise<void>
  /** Stops the component and releases what it holds; resolves once it has stopped. A second call is a no-op. */
  stop (): Promise<void>
  /** Whether the component is started (true from the end of `start` to the beginning of `stop`). */
  isStarted (): boolean
}

/**
 * A message a router received from the network and hands to its owner, checked once with {@link checkEnvelope}:
 * nothing downstream decodes the envelope again.
 */
export interface RouterMessage {
  /** the router payload: PocketEnvelope bytes (to forward or store as received) */
  readonly data: Uint8Array
  /** the envelope's nonce, in [1, 2^64-2] (what the owner de-duplicates on) */
  readonly nonce: bigint
  /** the envelope's content */
  readonly content: Any
  /** name of the router that received it (e.g. `raintree`, `background`) */
  readonly router: string
  /** the authenticated sender of this hop, when the router knows it */
  readonly from?: Address
}

/** `detail` of a router's `drop` event: an inbound message it refused. */
export interface RouterDropEvent {
  /** why, in the vocabulary every router shares */
  readonly reason: DropReason
  /** the authenticated sender of the message, when known */
  readonly from?: Address
  /** what was wrong (the decoder's or the check's error) */
  readonly error: Error
}

/** `detail` of a router's `send:failed` event: a message to one peer that could not be delivered. */
export interface RouterSendFailedEvent {
  /** the peer it was for */
  readonly to: Address
  /** the transport's error */
  readonly error: Error
}

/** Events every {@link Router} emits, by type: the `detail` each carries. */
export interface RouterEvents extends Record<string, unknown> {
  /** a payload to hand to the application (de-duplication is the owner's job) */
  message: RouterMessage
  /** an inbound message was refused, and why */
  drop: RouterDropEvent
  /** a send that the router made on its own (a broadcast or a forward) failed; a failed `send()` throws instead */
  'send:failed': RouterSendFailedEvent
}

/**
 * The contract of every router — RainTree among staked actors, the background router for everyone, and routers
 * users write themselves (reference `Router`). Payloads are PocketEnvelope bytes.
 */
export interface Router extends Startable {
  /** short name, used in events, logs and metrics */
  readonly name: string
  /** `message`, `drop` and `send:failed` events, and any the router adds */
  readonly events: TypedEvents<RouterEvents>
  /** Sends `data` towards every peer this router serves. */
  broadcast (data: Uint8Array, options?: AbortOptions): Promise<void>
  /**
   * Sends `data` to one peer. Sending to self is a no-op.
   * @throws {UnknownPeerError} when `address` is not in this router's peerstore
   */
  send (data: Uint8Array, address: Address, options?: AbortOptions): Promise<void>
  /** Adds a peer; adding a known address is a no-op. */
  addPeer (peer: Peer): Promise<void>
  /** Removes a peer; removing an unknown address is a no-op. */
  removePeer (address: Address): Promise<void>
  /** The peers this router currently serves. */
  getPeerstore (): ReadonlyPeerstore
}
