import { DuplicatePeerError } from './errors.js'
import type { Address } from './identity.js'
import type { Peer } from './peer.js'

/** Read-only view of a peerstore, what routers expose to their users. */
export interface ReadonlyPeerstore {
  /** The peer at `address`, or undefined. */
  getPeer (address: Address): Peer | undefined
  /** Whether a peer has that address. */
  has (address: Address): boolean
  /** Every peer, in insertion order (a copy). */
  getPeerList (): Peer[]
  /** How many peers there are. */
  readonly size: number
}

/** Peers keyed by pocket address (reference `PeerAddrMap`). */
export class Peerstore implements ReadonlyPeerstore, Iterable<Peer> {
  readonly #peers = new Map<Address, Peer>()

  /**
   * @param peers - the initial peers
   * @throws {DuplicatePeerError} when two of them share an address
   */
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

  /** The peer at `address`, or undefined. */
  getPeer (address: Address): Peer | undefined {
    return this.#peers.get(address)
  }

  /** Whether a peer has that address. */
  has (address: Address): boolean {
    return this.#peers.has(address)
  }

  /** Peers in insertion order (a copy). */
  getPeerList (): Peer[] {
    return [...this.#peers.values()]
  }

  /** How many peers there are. */
  get size (): number {
    return this.#peers.size
  }

  /** The peers in insertion order. */
  [Symbol.iterator] (): Iterator<Peer> {
    return this.#peers.values()
  }
}
