import { addressFromPublicKey, publicKeyFromHex, type Address } from './identity.js'
import { bytesToHex } from './hex.js'
import { InvalidKeyError } from './errors.js'

/** A network participant as the reference knows it: address, ed25519 public key, and where to reach it. */
export interface Peer {
  /** 40 lowercase hex characters, derived from `publicKey` */
  readonly address: Address
  /** 64 lowercase hex characters */
  readonly publicKey: string
  /** scheme-less `host:port` (e.g. `node1.consensus:42069`, `[::1]:8080`); may be empty for a peer known only by key */
  readonly serviceUrl: string
}

/** Builds a peer from its public key (hex or raw); the address is always derived, never trusted from input. */
export function createPeer (publicKey: string | Uint8Array, serviceUrl = ''): Peer {
  const raw = typeof publicKey === 'string' ? publicKeyFromHex(publicKey) : publicKey
  if (raw.length !== 32) throw new InvalidKeyError(`the public key length is not valid, expected length 32, actual length: ${raw.length}`)
  return { address: addressFromPublicKey(raw), publicKey: bytesToHex(raw), serviceUrl }
}

/** What changed between two peer lists, compared by address only (as the reference's `PeerList.Delta`). */
export interface PeerListDelta {
  /** peers of the new list whose address is not in the old one, in new-list order */
  readonly added: Peer[]
  /** peers of the old list whose address is not in the new one, in old-list order */
  readonly removed: Peer[]
}

/**
 * Peers of `next` whose address is not in `base` are added; peers of `base` whose address is not in `next` are
 * removed. Order follows the input lists, so the result is deterministic (the reference's `removed` was in random
 * map order). A peer whose service URL or key changed under the same address is neither.
 */
export function peerListDelta (base: Iterable<Peer>, next: Iterable<Peer>): PeerListDelta {
  const remaining = new Map<Address, Peer>()
  for (const p of base) remaining.set(p.address, p)
  const added: Peer[] = []
  const seen = new Set<Address>()
  for (const p of next) {
    if (seen.has(p.address)) continue
    seen.add(p.address)
    if (remaining.has(p.address)) remaining.delete(p.address)
    else added.push(p)
  }
  return { added, removed: [...remaining.values()] }
}
