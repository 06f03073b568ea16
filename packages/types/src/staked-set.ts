import type { Address } from './identity.js'
import type { Peer } from './peer.js'
import type { ReadonlyPeerstore } from './peerstore.js'

/**
 * Addresses in ascending order, read-only: what a {@link PeersView} rotates. `version` changes whenever the
 * addresses do (never, for an immutable list).
 */
export interface SortedAddresses {
  /** How many addresses there are. */
  readonly length: number
  /** Changes on every mutation; views use it to know when to recompute their rotation offset. */
  readonly version: number
  /**
   * The address at sorted index `index`.
   * @throws {RangeError} unless `index` is in [0, length)
   */
  at: (index: number) => Address
  /** First index whose address is >= `address` (length if none). */
  lowerBound: (address: Address) => number
  /** Sorted index of `address`, or -1 if absent. */
  indexOf: (address: Address) => number
  /** Whether `address` is in the list. */
  has: (address: Address) => boolean
  /** A copy of the sorted addresses. */
  toArray: () => Address[]
}

/**
 * Past this many differences from its base, a derived set is rebuilt flat: a lookup walks the differences, so they
 * must stay few, and rebuilding costs O(N) once per this many changes.
 */
const MAX_DIFFERENCES = 64

/** A frozen sorted array. */
class FlatAddresses implements SortedAddresses {
  readonly version = 0
  constructor (readonly sorted: readonly Address[]) {}

  get length (): number {
    return this.sorted.length
  }

  at (index: number): Address {
    const a = this.sorted[index]
    if (a === undefined) throw new RangeError(`index ${index} out of range [0, ${this.sorted.length})`)
    return a
  }

  lowerBound (address: Address): number {
    const sorted = this.sorted
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((sorted[mid] as Address) < address) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  indexOf (address: Address): number {
    const i = this.lowerBound(address)
    return this.sorted[i] === address ? i : -1
  }

  has (address: Address): boolean {
    return this.indexOf(address) !== -1
  }

  toArray (): Address[] {
    return [...this.sorted]
  }
}

/**
 * A flat base with a few addresses removed and a few added, without copying the base. Differences are kept as
 * events sorted by base position: an added address sits before the base address at its position (it is smaller);
 * a removal drops the base address at its position.
 */
class DerivedAddresses implements SortedAddresses {
  readonly version = 0
  readonly length: number
  readonly #base: FlatAddresses
  /** base indices of the removed addresses, ascending */
  readonly #removedAt: number[]
  /** added addresses (none of them in the base), ascending */
  readonly #added: Address[]
  readonly #eventPos: number[] = []
  /** the added address of each event, or undefined for a removal */
  readonly #eventAdd: Array<Address | undefined> = []

  constructor (base: FlatAddresses, removed: Iterable<Address>, added: Iterable<Address>) {
    this.#base = base
    this.#removedAt = [...removed].map(a => base.indexOf(a)).sort((x, y) => x - y)
    this.#added = [...added].sort()
    this.length = base.length - this.#removedAt.length + this.#added.length
    let r = 0
    for (const address of this.#added) {
      const pos = base.lowerBound(address)
      while (r < this.#removedAt.length && (this.#removedAt[r] as number) < pos) this.#pushEvent(this.#removedAt[r++] as number)
      this.#pushEvent(pos, address)
    }
    while (r < this.#removedAt.length) this.#pushEvent(this.#removedAt[r++] as number)
  }

  #pushEvent (pos: number, added?: Address): void {
    this.#eventPos.push(pos)
    this.#eventAdd.push(added)
  }

  at (index: number): Address {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`index ${index} out of range [0, ${this.length})`)
    }
    const base = this.#base.sorted
    let before = 0 // merged addresses before base index b
    let b = 0
    for (let k = 0; k < this.#eventPos.length; k++) {
      const pos = this.#eventPos[k] as number
      if (index < before + pos - b) return base[b + index - before] as Address
      before += pos - b
      b = pos
      const added = this.#eventAdd[k]
      if (added === undefined) {
        b = pos + 1
      } else {
        if (index === before) return added
        before++
      }
    }
    return base[b + index - before] as Address
  }

  lowerBound (address: Address): number {
    const b = this.#base.lowerBound(address)
    let i = b
    for (const r of this.#removedAt) if (r < b) i--
    for (const a of this.#added) if (a < address) i++
    return i
  }

  indexOf (address: Address): number {
    return this.has(address) ? this.lowerBound(address) : -1
  }

  has (address: Address): boolean {
    const b = this.#base.indexOf(address)
    return b === -1 ? this.#added.includes(address) : !this.#removedAt.includes(b)
  }

  toArray (): Address[] {
    const out: Address[] = []
    for (let i = 0; i < this.length; i++) out.push(this.at(i))
    return out
  }
}

/**
 * An immutable staked set: the peers sorted by address, and a peer table. One set can back any number of routers
 * (a simulator's million nodes share one list and one table instead of a copy each, which would be O(N²) in all).
 * {@link StakedSet.with} and {@link StakedSet.without} return a new set that shares this one's storage and records
 * only the differences, so a node whose view misses a few peers costs a few entries, not a copy; past 64
 * differences the new set is rebuilt flat.
 */
export class StakedSet implements ReadonlyPeerstore, Iterable<Peer> {
  /** The sorted addresses, read-only. */
  readonly addresses: SortedAddresses
  readonly #base: FlatAddresses
  readonly #basePeers: ReadonlyMap<Address, Peer>
  readonly #removed: ReadonlySet<Address>
  readonly #added: ReadonlyMap<Address, Peer>

  private constructor (
    base: FlatAddresses, basePeers: ReadonlyMap<Address, Peer>, removed: ReadonlySet<Address>, added: ReadonlyMap<Address, Peer>
  ) {
    this.#base = base
    this.#basePeers = basePeers
    this.#removed = removed
    this.#added = added
    this.addresses = removed.size === 0 && added.size === 0 ? base : new DerivedAddresses(base, removed, added.keys())
  }

  /**
   * A set of `peers`, sorted by address. A repeated address keeps the first peer with it.
   * @param peers - the staked peers, in any order
   */
  static from (peers: Iterable<Peer>): StakedSet {
    const table = new Map<Address, Peer>()
    for (const peer of peers) if (!table.has(peer.address)) table.set(peer.address, peer)
    return new StakedSet(new FlatAddresses(Object.freeze([...table.keys()].sort())), table, new Set(), new Map())
  }

  /** How many peers there are. */
  get size (): number {
    return this.addresses.length
  }

  /** The peer at `address`, or undefined. */
  getPeer (address: Address): Peer | undefined {
    if (this.#removed.has(address)) return undefined
    return this.#basePeers.get(address) ?? this.#added.get(address)
  }

  /** Whether a peer has that address. */
  has (address: Address): boolean {
    return this.getPeer(address) !== undefined
  }

  /** Every peer, sorted by address (a copy: O(N)). */
  getPeerList (): Peer[] {
    return [...this]
  }

  /** The peers, sorted by address. */
  * [Symbol.iterator] (): Iterator<Peer> {
    const { length } = this.addresses
    for (let i = 0; i < length; i++) yield this.getPeer(this.addresses.at(i)) as Peer
  }

  /**
   * This set plus `peers` (an address already present keeps its peer; one that comes back after a removal comes back
   * with the data it has now); `this` when nothing changes.
   */
  with (peers: Iterable<Peer>): StakedSet {
    const list = [...peers]
    const removed = new Set(this.#removed)
    const added = new Map(this.#added)
    let changed = false
    for (const peer of list) {
      const before = this.#basePeers.get(peer.address)
      if (before !== undefined) {
        if (!removed.has(peer.address)) continue
        // back in with other data (a validator re-staked under a new service URL): the base's entry must not come
        // back, so the set is rebuilt flat with the new peer (rare: O(N))
        if (!samePeer(before, peer)) return StakedSet.from([...this, ...list])
        // back in as it was: the base's peer, as if never removed
        removed.delete(peer.address)
        changed = true
      } else if (!added.has(peer.address)) {
        added.set(peer.address, peer)
        changed = true
      }
    }
    return changed ? this.#derive(removed, added) : this
  }

  /** This set without `addresses` (an absent one is ignored); `this` when nothing changes. */
  without (addresses: Iterable<Address>): StakedSet {
    const removed = new Set(this.#removed)
    const added = new Map(this.#added)
    let changed = false
    for (const address of addresses) {
      if (added.delete(address)) changed = true
      else if (this.#basePeers.has(address) && !removed.has(address)) {
        removed.add(address)
        changed = true
      }
    }
    return changed ? this.#derive(removed, added) : this
  }

  #derive (removed: Set<Address>, added: Map<Address, Peer>): StakedSet {
    if (removed.size + added.size <= MAX_DIFFERENCES) return new StakedSet(this.#base, this.#basePeers, removed, added)
    const peers: Peer[] = []
    for (const [address, peer] of this.#basePeers) if (!removed.has(address)) peers.push(peer)
    return StakedSet.from([...peers, ...added.values()])
  }
}

/** Whether two peers carry the same data (the set may hand back either). */
function samePeer (a: Peer, b: Peer): boolean {
  return a === b || (a.address === b.address && a.publicKey === b.publicKey && a.serviceUrl === b.serviceUrl)
}
