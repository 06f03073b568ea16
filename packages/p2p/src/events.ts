import type { Address, Any, DropReason, Peer, Router } from '@pokt-p2p/types'

/** A message delivered to the application: the envelope's content, nonce stripped, exactly once per message (nonce and content). */
export interface P2PMessage {
  /** the envelope's content: an `Any` whose type URL says what it is */
  content: Any
  /**
   * the envelope's nonce (the reference strips it; kept here so that an application or a test bed can tie a
   * delivery to its copies and to the broadcast)
   */
  nonce: bigint
  /** router that delivered the first copy (`self` for an own broadcast with `deliverOwnBroadcasts`) */
  router: string
  /** authenticated sender of the last hop, when the router knows it */
  from?: Address
}

/** Which of the module's two routers: the staked-actor one (RainTree) or the one for every participant. */
export type RouterRole = 'staked' | 'unstaked'

/** Events of a `P2PModule`, by type: the `detail` each carries. */
export interface P2PEvents extends Record<string, unknown> {
  /** a message for the application, once per message (nonce and content) */
  message: P2PMessage
  /** a copy of an already delivered message arrived (reference: redundancy telemetry) */
  duplicate: {
    /** the envelope's nonce */
    nonce: bigint
    /** the copy's content (the same as the delivered message's: de-duplication is on nonce and content) */
    content: Any
    /** the router the copy came from */
    router: string
    /** sender of the copy's last hop, when the router knows it (this node, for the echo of its own broadcast) */
    from?: Address
  }
  /** a router dropped an inbound message (its `drop` event, seen from the module) */
  invalid: {
    /** the router that dropped it */
    router: string
    /** why it was dropped (e.g. `MessageDecodeError`, `InvalidNonceError`) */
    error: Error
    /** why, in the routers' shared vocabulary */
    reason: DropReason
  }
  /** `P2P_Bootstrapping` was handled (reference: `P2P_IsBootstrapped` to the state machine) */
  bootstrapped: {
    /** size of the staked peerstore afterwards */
    stakedPeers: number
    /** where the peers came from: `peerstore` when the router already had some, else the bootstrap RPC URL */
    source: string
  }
  /** a new height changed the staked set */
  'peers:updated': {
    /** the new height */
    height: bigint
    /** peers staked at it that were not before */
    added: Peer[]
    /** peers no longer staked at it */
    removed: Peer[]
  }
  /**
   * a router was created and is about to start: listen to its own events here to see them from the beginning
   * (e.g. the background router's bootstrap events, which fire before `start()` resolves)
   */
  'router:created': {
    /** which of the module's routers it is */
    role: RouterRole
    /** the router */
    router: Router
  }
  /**
   * a router's `start()` finished. `start()` of the module waits for the staked router's, but for the background
   * router's only until it receives (`bootstrap:started`): its bootstrap dials, with retries, continue afterwards and
   * this event follows once they settled (the router's own `bootstrap:succeeded` / `bootstrap:failed` say how). Until
   * then an unstaked node cannot broadcast or send (`NoRouterError`), and a staked one's broadcasts go through
   * RainTree only (each reports the background router's refusal as `broadcast:failed`).
   */
  'router:started': {
    /** which of the module's routers it is */
    role: RouterRole
    /** the router */
    router: Router
  }
  /**
   * a router's `start()` failed after the module's `start()` had returned (the background router, bootstrapping in
   * the background); the module keeps running with the other router. Also logged as an error.
   */
  'router:failed': {
    /** which of the module's routers it is */
    role: RouterRole
    /** why its start failed */
    error: Error
  }
  /** one router's broadcast failed while another's succeeded (when all fail, `broadcast()` throws instead) */
  'broadcast:failed': {
    /** the router whose broadcast failed */
    router: string
    /** its error */
    error: Error
  }
}
