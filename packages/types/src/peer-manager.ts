import type { Address } from './identity.js'
import type { Peer } from './peer.js'
import { Peerstore, type ReadonlyPeerstore } from './peerstore.js'
import { PeersView, SortedAddressList } from './view.js'

export type PeerManagerEvent =
  | { readonly type: 'add', readonly peer: Peer }
  | { readonly type: 'remove', readonly address: Address }

/**
 * Keeps a peerstore and the self-rotated sorted view in step (reference `SortedPeerManager`). Events are applied
 * synchronously. Adding a present address and removing an absent one are no-ops, so the view never holds
 * duplicates and never loses a neighbour (reference bug #554).
 */
export class PeerManager {
  readonly #peerstore: Peerstore
  readonly #list: SortedAddressList
  readonly #view: PeersView

  constructor (readonly selfAddress: Address, peers: Iterable<Peer> = []) {
    this.#peerstore = new Peerstore()
    for (const p of peers) if (!this.#peerstore.has(p.address)) this.#peerstore.addPeer(p)
    this.#list = new SortedAddressList(this.#peerstore.getPeerList().map(p => p.address))
    this.#view = new PeersView(this.#list, selfAddress)
  }

  get peerstore (): ReadonlyPeerstore {
    return this.#peerstore
  }

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

  addPeer (peer: Peer): boolean {
    return this.handleEvent({ type: 'add', peer })
  }

  removePeer (address: Address): boolean {
    return this.handleEvent({ type: 'remove', address })
  }
}
