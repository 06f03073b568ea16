import type { DiscoverySource } from './peers/peer-info.js'
import type { Address, BootstrapFailure, Peer, RouterDropEvent, RouterEvents } from '@pokt-p2p/types'

/** The events of the background router's connections (its `peers/` side): bootstrap progress and discoveries. */
export interface ConnectorEvents {
  /** bootstrap began; `peers` are the addresses it dials (every initial peer except self, or `bootstrapPeerLimit` of them) */
  'bootstrap:started': {
    /** the pocket addresses to dial */
    peers: Address[]
  }
  /**
   * at least one bootstrap peer is connected (or there was none to dial: the first node of a network). Peers that
   * failed are listed too.
   */
  'bootstrap:succeeded': {
    /** the peers connected */
    connected: Address[]
    /** the peers that could not be connected (`target`: the pocket address), and why */
    failed: BootstrapFailure[]
    /** how long bootstrap took, in ms */
    durationMs: number
  }
  /** no bootstrap peer could be connected after all retries; the reason per peer */
  'bootstrap:failed': {
    /** every peer dialled (`target`: the pocket address), and why it could not be connected */
    failed: BootstrapFailure[]
    /** how long bootstrap took, in ms */
    durationMs: number
  }
  /** a peer entered the background peerstore through the DHT, an inbound/outbound connection or a unicast message */
  'peer:discovered': {
    /** the new peer */
    peer: Peer
    /** how it was found */
    source: DiscoverySource
  }
}

/** `detail` of the background router's `drop` event: the shared one, plus how the message arrived. */
export interface BackgroundDropEvent extends RouterDropEvent {
  /** how it arrived: refused by the topic validator at the first hop (`gossip`), or on arrival (`unicast`) */
  readonly via: 'gossip' | 'unicast'
}

/** `detail` of the `gossip:peers` event: the node's view of the `pokt/background` topic. */
export interface GossipPeers {
  /** peers gossipsub knows to be subscribed to the topic (what `BackgroundRouter.topicPeerCount()` returns) */
  topicPeers: number
  /** peers in this node's mesh for the topic (what `BackgroundRouter.meshPeerCount()` returns) */
  meshPeers: number
}

/**
 * Events of the background router: the router events (`message`, `drop` with `via`, `send:failed`, which it never
 * emits since gossipsub makes its forwards), the connector's bootstrap and discovery events, and `gossip:peers`.
 */
export interface BackgroundEvents extends RouterEvents, ConnectorEvents {
  /** an inbound message was refused (gossip: by the topic validator at the first hop; unicast: on arrival) */
  drop: BackgroundDropEvent
  /**
   * the topic's subscribers or this node's mesh changed (on gossipsub's `subscription-change`, `gossipsub:graft`,
   * `gossipsub:prune`, and checked each heartbeat for disconnections, which gossipsub does not announce); only
   * emitted when a count changed
   */
  'gossip:peers': GossipPeers
}
