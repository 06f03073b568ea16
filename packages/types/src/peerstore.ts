import { DuplicatePeerError } from './errors.js'
import type { Address } from './identity.js'
import type { Peer } from './peer.js'

/** Read-only view of a peerstore, what routers expose to their users. */
export interface ReadonlyPeerstore {
  getPeer (address: Address): Peer | undefined
  has (address: Address): boolean
  getPeerList (): Peer[]
  readonly size: number
}

/** Peers keyed by pocket address (reference `PeerAddrMap`). */
export class Peerstore implements ReadonlyPeerstore, Iterable<Peer> {
  readonly #peers = new Map<Address, Peer>()

  constructor (peers: Iterable<Peer> = []) {
    for (const p of peers) this.addPeer(p)
  }

  /** @throws {DuplicatePeerError} when a peer with the same address is present */
  addPeer (peer: Peer): void {
    if (this.#peers.has(peer.address)) throw new DuplicatePeerError(peer.address)
    this.#peers.set(peer.address, peer)
  }

  /** Removes the peer; an absent address is a no-op. Returns whether a peer was removed. */
  removePeer (address: Address): boolean {
    return this.#peers.delete(address)
  }

  getPeer (address: Address): Peer | undefined {
    return this.#peers.get(address)
  }

  has (address: Address): boolean {
    return this.#peers.has(address)
  }

  /** Peers in insertion order (a copy). */
  getPeerList (): Peer[] {
    return [...this.#peers.values()]
  }

  get size (): number {
    return this.#peers.size
  }

  [Symbol.iterator] (): Iterator<Peer> {
    return this.#peers.values()
  }
}
