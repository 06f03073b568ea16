import { multiaddrToServiceUrl, serviceUrlToMultiaddr } from '@pokt-p2p/transport'
import { addressFromPublicKey, createPeer, type Address, type Peer } from '@pokt-p2p/types'
import type { PeerId, PeerInfo } from '@libp2p/interface'

/** A libp2p multiaddr (the type of `PeerInfo.multiaddrs`' items, so this package need not import multiaddr). */
export type Multiaddr = PeerInfo['multiaddrs'][number]

/**
 * How a peer entered the background peerstore: a DHT-named peer dialled and identified (`dht`), another connection
 * this node dialled and identified (`connection`), a valid unicast message (`unicast`) or a valid gossip message it
 * forwarded (`gossip`).
 */
export type DiscoverySource = 'dht' | 'connection' | 'unicast' | 'gossip'

function isTcp (ma: Multiaddr): boolean {
  return ma.getComponents().some(c => c.name === 'tcp')
}

/**
 * The pocket peer of a libp2p peer: address and key from the ed25519 key its id embeds (the only thing trusted),
 * service URL from the first TCP multiaddr that converts (empty when none does). `undefined` for non-ed25519 ids.
 */
export function peerFromLibp2p (peerId: PeerId, multiaddrs: Iterable<Multiaddr> = []): Peer | undefined {
  const key = peerId.publicKey
  if (key?.type !== 'Ed25519') return undefined
  let serviceUrl = ''
  for (const ma of multiaddrs) {
    if (!isTcp(ma)) continue
    try {
      serviceUrl = multiaddrToServiceUrl(ma)
      break
    } catch {
      // not ip4/ip6: try the next address
    }
  }
  return createPeer(key.raw, serviceUrl)
}

/** The pocket address of a libp2p peer id, or `undefined` when it does not embed an ed25519 key. */
export function pocketAddressOf (peerId: PeerId): Address | undefined {
  const key = peerId.publicKey
  return key?.type === 'Ed25519' ? addressFromPublicKey(key.raw) : undefined
}

/** Where a peer listens by default: the multiaddr of its service URL (none when it has none). */
export async function serviceUrlAddresses (peer: Peer): Promise<Multiaddr[]> {
  return peer.serviceUrl === '' ? [] : [await serviceUrlToMultiaddr(peer.serviceUrl)]
}
