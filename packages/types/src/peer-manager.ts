import type { Address } from './identity.js'
import type { Peer } from './peer.js'
import type { ReadonlyPeerstore } from './peerstore.js'
import { StakedSet } from './staked-set.js'
import { PeersView } from './view.js'

/** A change to apply to a {@link PeerManager}: add a peer, or remove one by address. */
export type PeerManagerEvent =
  | {
    /** add `peer` (no-op when its address is present) */
    readonly type: 'add'
    /** the peer to add */
    readonly peer: Peer
  }
  | {
    /** remove the peer at `address` (no-op when absent) */
    readonly type: 'remove'
    /** the pocket address of the peer to remove */
    readonly address: Address
  }

/**
 * Keeps a node's staked set and its self-rotated sorted view in step (reference `SortedPeerManager`). Events are
 * applied synchronously. Adding a present address and removing an absent one are no-ops, so the view never holds
 * duplicates and never loses a neighbour (reference bug #554).
 *
 * Given a {@link StakedSet}, the manager shares it (nothing is copied, however many managers share one set); a
 * change makes a new set that shares the old one's storage and records the difference.
 */
export class PeerManager {
  #set: StakedSet
  #view: PeersView

  /**
   * @param selfAddress - this node's pocket address: the view is rotated so that it comes first
   * @param peers - the initial peers (a repeated address keeps the first), or a staked set to share
   */
  constructor (readonly selfAddress: Address, peers: Iterable<Peer> | StakedSet = []) {
    this.#set = peers instanceof StakedSet ? peers : StakedSet.from(peers)
    this.#view = new PeersView(this.#set.addresses, selfAddress)
  }

  /** The peers, by address (the current staked set). */
  get peerstore (): ReadonlyPeerstore {
    return this.#set
  }

  /** The current staked set; a change replaces it (sets are immutable). */
  get stakedSet (): StakedSet {
    return this.#set
  }

  /** The sorted view of the peers' addresses, rotated to start at `selfAddress`; a change replaces it. */
  get view (): PeersView {
    return this.#view
  }

  /** The peer at view index `index` (0 = self when self is staked). */
  peerAt (index: number): Peer {
    return this.#set.getPeer(this.#view.at(index)) as Peer
  }

  /** Returns true if the staked set changed. */
  handleEvent (event: PeerManagerEvent): boolean {
    const next = event.type === 'add' ? this.#set.with([event.peer]) : this.#set.without([event.address])
    if (next === this.#set) return false
    this.#set = next
    this.#view = new PeersView(next.addresses, this.selfAddress)
    return true
  }

  /** Adds `peer` unless its address is present; returns true if the staked set changed. */
  addPeer (peer: Peer): boolean {
    return this.handleEvent({ type: 'add', peer })
  }

  /** Removes the peer at `address` if present; returns true if the staked set changed. */
  removePeer (address: Address): boolean {
    return this.handleEvent({ type: 'remove', address })
  }
}
