import type { Address } from './identity.js'
import type { SortedAddresses } from './staked-set.js'

/**
 * Addresses kept in ascending order (lowercase hex of equal length, so string order is byte order).
 * One list can back any number of {@link PeersView}s: a simulator holding a million nodes keeps one list, and each
 * node's view is a rotation of it rather than a copy.
 */
export class SortedAddressList implements SortedAddresses {
  #addrs: Address[]
  #version = 0

  /** Duplicates in `addresses` are dropped. */
  constructor (addresses: Iterable<Address> = []) {
    const sorted = [...new Set(addresses)].sort()
    this.#addrs = sorted
  }

  /** How many addresses there are. */
  get length (): number {
    return this.#addrs.length
  }

  /** Increments on every mutation; views use it to know when to recompute their rotation offset. */
  get version (): number {
    return this.#version
  }

  /**
   * The address at sorted index `index`.
   * @throws {RangeError} unless `index` is in [0, length)
   */
  at (index: number): Address {
    const a = this.#addrs[index]
    if (a === undefined) throw new RangeError(`index ${index} out of range [0, ${this.#addrs.length})`)
    return a
  }

  /** First index whose address is >= `address` (length if none). */
  lowerBound (address: Address): number {
    let lo = 0
    let hi = this.#addrs.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.#addrs[mid] as Address) < address) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Sorted index of `address`, or -1 if absent (binary search). */
  indexOf (address: Address): number {
    const i = this.lowerBound(address)
    return this.#addrs[i] === address ? i : -1
  }

  /** Whether `address` is in the list. */
  has (address: Address): boolean {
    return this.indexOf(address) !== -1
  }

  /** Inserts in order; returns false (and changes nothing) if the address is already present. */
  add (address: Address): boolean {
    const i = this.lowerBound(address)
    if (this.#addrs[i] === address) return false
    this.#addrs.splice(i, 0, address)
    this.#version++
    return true
  }

  /** Removes exactly `address`; returns false (and changes nothing) if it is absent. */
  remove (address: Address): boolean {
    const i = this.indexOf(address)
    if (i === -1) return false
    this.#addrs.splice(i, 1)
    this.#version++
    return true
  }

  /** A copy of the sorted addresses. */
  toArray (): Address[] {
    return [...this.#addrs]
  }
}

/**
 * A node's view of a sorted address list (a mutable {@link SortedAddressList} or a `StakedSet`'s immutable
 * addresses): rotated so that the node itself is at index 0 and indices wrap
 * (reference §4.4: self `D` over `ABCDEF` reads `DEFABC`). When self is not in the list, index 0 is the first
 * address greater than self, wrapping — the reference's rule, used by client-only nodes.
 *
 * `at(i)` is O(1); the rotation offset is recomputed with one binary search after the list changes.
 */
export class PeersView {
  readonly #list: SortedAddresses
  #offset = 0
  #seenVersion = -1

  /**
   * @param list - the shared sorted list this view rotates (not copied: later changes to it show through)
   * @param selfAddress - the node's own address: index 0 when it is in the list
   */
  constructor (list: SortedAddresses, readonly selfAddress: Address) {
    this.#list = list
  }

  /** The underlying sorted list. */
  get list (): SortedAddresses {
    return this.#list
  }

  /** How many addresses the view has (the list's length). */
  get length (): number {
    return this.#list.length
  }

  /** Whether self is in the underlying list (only then is index 0 really self). */
  get containsSelf (): boolean {
    return this.#list.has(this.selfAddress)
  }

  #rotation (): number {
    if (this.#seenVersion !== this.#list.version) {
      const n = this.#list.length
      const i = this.#list.lowerBound(this.selfAddress)
      this.#offset = n === 0 ? 0 : i % n
      this.#seenVersion = this.#list.version
    }
    return this.#offset
  }

  /** The address at view index `index` (0 = self); `index` must be in [0, length). */
  at (index: number): Address {
    const n = this.#list.length
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw new RangeError(`view index ${index} out of range [0, ${n})`)
    }
    const j = this.#rotation() + index
    return this.#list.at(j >= n ? j - n : j)
  }

  /** View index of `address`, or -1 if absent. */
  indexOf (address: Address): number {
    const j = this.#list.indexOf(address)
    if (j === -1) return -1
    const n = this.#list.length
    const i = j - this.#rotation()
    return i < 0 ? i + n : i
  }

  /** The rotated addresses (a copy: O(N), for tests and reports). */
  toArray (): Address[] {
    const out: Address[] = []
    for (let i = 0; i < this.length; i++) out.push(this.at(i))
    return out
  }
}
