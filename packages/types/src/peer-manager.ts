import type { Address } from './identity.js'
import type { Peer } from './peer.js'
import { Peerstore, type ReadonlyPeerstore } from './peerstore.js'
import { PeersView, SortedAddressList } from './view.js'

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
 * Keeps a peerstore and the self-rotated sorted view in step (reference `SortedPeerManager`). Events are applied
 * synchronously. Adding a present address and removing an absent one are no-ops, so the view never holds
 * duplicates and never loses a neighbour (reference bug #554).
 */
export class PeerManager {
  readonly #peerstore: Peerstore
  readonly #list: SortedAddressList
  readonly #view: PeersView

  /**
   * @param selfAddress - this node's pocket address: the view is rotated so that it comes first
   * @param peers - the initial peers; a repeated address keeps the first
   */
  constructor (readonly selfAddress: Address, peers: Iterable<Peer> = []) {
    this.#peerstore = new Peerstore()
    for (const p of peers) if (!this.#peerstore.has(p.address)) this.#peerstore.addPeer(p)
    this.#list = new SortedAddressList(this.#peerstore.getPeerList().map(p => p.address))
    this.#view = new PeersView(this.#list, selfAddress)
  }

  /** The peers, by address. */
  get peerstore (): ReadonlyPeerstore {
    return this.#peerstore
  }

  /** The sorted view of the peers' addresses, rotated to start at `selfAddress`. */
  get view (): PeersView {
    return this.#view
  }

  /** The peer at view index `index` (0 = self when self is staked). */
  peerAt (index: number): Peer {
    const address = this.#view.at(index)
    return this.#peerstore.getPeer(address) as Peer
  }

  /** Returns true if the peerstore changed. */
  handleEvent (event: PeerManagerEvent): boolean {
    if (event.type === 'add') {
      if (this.#peerstore.has(event.peer.address)) return false
      this.#peerstore.addPeer(event.peer)
      this.#list.add(event.peer.address)
      return true
    }
    if (!this.#peerstore.removePeer(event.address)) return false
    this.#list.remove(event.address)
    return true
  }

  /** Adds `peer` unless its address is present; returns true if the peerstore changed. */
  addPeer (peer: Peer): boolean {
    return this.handleEvent({ type: 'add', peer })
  }

  /** Removes the peer at `address` if present; returns true if the peerstore changed. */
  removePeer (address: Address): boolean {
    return this.handleEvent({ type: 'remove', address })
  }
}
