import type { Address, Peer } from '@pokt-p2p/types'
import { hash32 } from './random.js'

const ADDRESS_SALT = 0x0add_e55
const KEY_SALT = 0x09b1_c0de
const PHANTOM_SALT = 0x0bad_9ee7

/**
 * A peer of a simulated network: one field (the address); its public key is computed when asked for (routers never
 * ask: they do not verify keys), and its service URL is empty. A million of them cost a million small objects and
 * a million address strings.
 */
export class SyntheticPeer implements Peer {
  /**
   * @param address - the address
   * @param node - the node's index, or −1 for a phantom (a hint: a network checks it)
   * @param salt - hash salt of the public key
   * @param a - first hash input of the public key
   * @param b - second hash input of the public key
   */
  constructor (readonly address: Address, readonly node: number, readonly salt: number, readonly a: number, readonly b: number) {}

  /** 64 hex characters of hash (not an ed25519 key: the address is not derived from it). */
  get publicKey (): string {
    const bytes = Buffer.allocUnsafe(32)
    for (let k = 0; k < 8; k++) bytes.writeUInt32BE(hash32(this.salt + k, this.a, this.b), 4 * k)
    return bytes.toString('hex')
  }

  /** Empty: a simulated node is reached through its transport, not a URL. */
  get serviceUrl (): string {
    return ''
  }
}

/**
 * The synthetic peer of node `index`: its address is 20 bytes whose first 4 are `index` big-endian (so that address
 * order is index order) and whose other 16 are a hash of the index with the top bit clear (so that a phantom,
 * whose top bit there is set, sorts between two real nodes); its public key is 32 bytes of hash, made when read.
 * The address is not derived from the key: routers never check that, and deriving a million ed25519 keys would
 * take minutes. The service URL is empty.
 */
export function syntheticPeer (index: number): Peer {
  const bytes = Buffer.allocUnsafe(20)
  bytes.writeUInt32BE(index >>> 0, 0)
  for (let k = 0; k < 4; k++) bytes.writeUInt32BE(hash32(ADDRESS_SALT, index, k), 4 + 4 * k)
  bytes[4] = bytes[4]! & 0x7f
  return new SyntheticPeer(bytes.toString('hex'), index, KEY_SALT, index, 0)
}

/** The synthetic peers of nodes 0 … n − 1, in address order (see {@link syntheticPeer}). */
export function syntheticPeers (n: number): Peer[] {
  const peers: Peer[] = []
  for (let i = 0; i < n; i++) peers.push(syntheticPeer(i))
  return peers
}

/**
 * A peer that is not in the network, held in the view of node `holder`: its address sorts right after node
 * `after`'s (and before node `after + 1`'s). Distinct per (holder, after).
 */
export function phantomPeer (after: number, holder: number): Peer {
  const bytes = Buffer.allocUnsafe(20)
  bytes.writeUInt32BE(after >>> 0, 0)
  for (let k = 0; k < 4; k++) bytes.writeUInt32BE(hash32(PHANTOM_SALT ^ k, after, holder), 4 + 4 * k)
  bytes[4] = bytes[4]! | 0x80
  return new SyntheticPeer(bytes.toString('hex'), -1, PHANTOM_SALT + KEY_SALT, after, holder)
}
