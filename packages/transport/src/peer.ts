import { privateKeyFromRaw, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import {
  addressFromPublicKey, bytesToHex, createPeer, InvalidKeyError, publicKeyFromHex,
  type Address, type Identity, type Peer, type RemoteSender
} from '@pokt-p2p/types'
import { UnsupportedPeerKeyError } from './errors.js'
import { multiaddrToServiceUrl, serviceUrlToMultiaddr, type ServiceUrlOptions } from './url.js'
import type { Connection, PeerId, PrivateKey } from '@libp2p/interface'

/**
 * The libp2p private key of a pocket identity. The 64-byte Go layout (seed ‖ public key) is what libp2p's raw
 * ed25519 format is; a 32-byte input would silently become a secp256k1 key, hence the length check.
 */
export function privateKeyOf (identity: Identity): PrivateKey {
  if (identity.privateKey.length !== 64) {
    throw new InvalidKeyError(`the private key length is not valid, expected length 64, actual length ${identity.privateKey.length}`)
  }
  const key = privateKeyFromRaw(identity.privateKey)
  if (key.type !== 'Ed25519' || bytesToHex(key.publicKey.raw) !== identity.publicKeyHex) {
    throw new InvalidKeyError('the private key is not an ed25519 key matching the identity\'s public key')
  }
  return key
}

/** The libp2p peer id (`12D3KooW…`) of a pocket peer, from its ed25519 public key. */
export function peerIdOf (peer: Pick<Peer, 'publicKey'>): PeerId {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKeyFromHex(peer.publicKey)))
}

/** The raw 32-byte ed25519 public key a peer id embeds, or an error naming what it is instead. */
function ed25519KeyOf (peerId: PeerId): Uint8Array {
  const key = peerId.publicKey
  if (key?.type !== 'Ed25519') throw new UnsupportedPeerKeyError(peerId.toString(), key?.type ?? 'unknown')
  return key.raw
}

/**
 * The pocket identity of a connection's remote end. The key is the one the noise handshake authenticated, so the
 * address cannot be forged by message content (unlike a sender field inside a message).
 *
 * @throws {UnsupportedPeerKeyError} the remote key is not ed25519
 */
export function remoteSenderOf (connection: Pick<Connection, 'remotePeer'>): RemoteSender {
  const raw = ed25519KeyOf(connection.remotePeer)
  return { address: addressFromPublicKey(raw), publicKey: bytesToHex(raw) }
}

/**
 * A pocket peer from a connection (the reference's `PeerFromLibp2pStream`): address and key from the authenticated
 * key, service URL from the remote multiaddr. The remote address of an inbound TCP connection is usually an
 * ephemeral source port, so that URL is informational; it is empty when the address is not ip4/ip6 (memory).
 */
export function peerFromConnection (connection: Pick<Connection, 'remotePeer' | 'remoteAddr'>): Peer {
  const raw = ed25519KeyOf(connection.remotePeer)
  let serviceUrl = ''
  try {
    serviceUrl = multiaddrToServiceUrl(connection.remoteAddr)
  } catch {
    // memory or relayed addresses have no host:port form
  }
  return createPeer(raw, serviceUrl)
}

/** The pocket address of a libp2p peer id with an ed25519 key. */
export function addressOfPeerId (peerId: PeerId): Address {
  return addressFromPublicKey(ed25519KeyOf(peerId))
}

/** Listen and dial address of a memory-transport node: `/memory/<pocket address>`. */
export function memoryMultiaddr (address: Address): Multiaddr {
  return multiaddr(`/memory/${address}`)
}

/** The multiaddrs of a peer from its service URL (DNS resolved now), as the reference's `Libp2pAddrInfoFromPeer`. */
export async function multiaddrsOf (peer: Peer, options?: ServiceUrlOptions): Promise<Multiaddr[]> {
  return [await serviceUrlToMultiaddr(peer.serviceUrl, options)]
}
