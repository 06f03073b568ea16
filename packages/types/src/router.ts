import type { TypedEventTarget } from './events.js'
import type { Address } from './identity.js'
import type { Peer } from './peer.js'
import type { ReadonlyPeerstore } from './peerstore.js'

/** Options every cancellable operation takes. */
export interface AbortOptions {
  /** Aborting it cuts the operation short; it then rejects (with the signal's reason or a timeout error). */
  signal?: AbortSignal
}

/** Components with a lifecycle. `start` and `stop` are idempotent. */
export interface Startable {
  /** Starts the component; resolves once it is running. A second call is a no-op. */
  start (): Promise<void>
  /** Stops the component and releases what it holds; resolves once it has stopped. A second call is a no-op. */
  stop (): Promise<void>
  /** Whether the component is started (true from the end of `start` to the beginning of `stop`). */
  isStarted (): boolean
}

/** A message a router received from the network and hands to its owner. */
export interface RouterMessage {
  /** the router payload: PocketEnvelope bytes */
  readonly data: Uint8Array
  /** name of the router that received it (e.g. `raintree`, `background`) */
  readonly router: string
  /** the authenticated sender of this hop, when the router knows it */
  readonly from?: Address
}

/** Events every {@link Router} emits, by type: the `detail` each carries. */
export interface RouterEvents extends Record<string, unknown> {
  /** a payload to hand to the application (de-duplication is the owner's job) */
  message: RouterMessage
}

/**
 * The contract of every router — RainTree among staked actors, the background router for everyone, and routers
 * users write themselves (reference `Router`). Payloads are PocketEnvelope bytes.
 */
export interface Router extends Startable {
  /** short name, used in events and metrics */
  readonly name: string
  /** `message` events carry what this router received */
  readonly events: TypedEventTarget<RouterEvents>
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
