/**
 * @packageDocumentation
 *
 * The libp2p layer of the Pocket P2P packages:
 *
 * - {@link createNode}: a libp2p 3 node (TCP or in-process memory transport, noise, yamux, identify, ping) whose
 *   key is the pocket identity's ed25519 key, with the spec's connection limits.
 * - {@link serviceUrlToMultiaddr} / {@link multiaddrToServiceUrl}: the reference's `host:port` ⇄ multiaddr rules,
 *   with one error class per malformed input.
 * - {@link peerIdOf} / {@link remoteSenderOf}: pocket peer ⇄ libp2p identity; a remote's pocket address always
 *   comes from the noise-authenticated connection key.
 * - {@link Libp2pMessageTransport}: the `MessageTransport` routers use (send one message to a peer on a protocol,
 *   be called with whole inbound messages), framed as the Go reference (one message per stream), with size and
 *   time limits enforced while reading. `InProcessNetwork` (re-exported from `@pokt-p2p/types`) implements the
 *   same interface without sockets.
 *
 * On Node 20 this module installs a `Promise.withResolvers` polyfill first (also `@pokt-p2p/transport/polyfill`).
 *
 * @example
 * ```ts
 * import { createNode, Libp2pMessageTransport, multiaddrToServiceUrl, RAINTREE_PROTOCOL_ID } from '@pokt-p2p/transport'
 * import { createPeer, testIdentity } from '@pokt-p2p/types'
 *
 * const [a, b] = [1, 2].map(testIdentity)
 * const nodeA = await createNode({ identity: a, hostname: '127.0.0.1', port: 0 })
 * const nodeB = await createNode({ identity: b, hostname: '127.0.0.1', port: 0 })
 * await nodeA.start(); await nodeB.start()
 *
 * const ta = new Libp2pMessageTransport(nodeA)
 * const tb = new Libp2pMessageTransport(nodeB)
 * tb.handle(RAINTREE_PROTOCOL_ID, (bytes, from) => {
 *   console.log(`${bytes.length} bytes from ${from.address}`) // from.address === a.address
 * })
 * const peerB = createPeer(b.publicKey, multiaddrToServiceUrl(nodeB.getMultiaddrs()[0])) // '127.0.0.1:<port>'
 * await ta.sendTo(peerB, RAINTREE_PROTOCOL_ID, new Uint8Array([1, 2, 3]))
 * ```
 */
import './polyfill.js'

export * from './constants.js'
/** The libp2p node type `createNode` returns, so dependants need not import libp2p themselves. */
export type { Libp2p } from 'libp2p'
export type { Multiaddr } from '@multiformats/multiaddr'
export * from './errors.js'
export { createNode, LOOPBACK_ALLOW_LIST, type NodeInit } from './node.js'
export {
  serviceUrlToMultiaddr, multiaddrToServiceUrl, systemResolver, type HostResolver, type ServiceUrlOptions
} from './url.js'
export {
  peerIdOf, remoteSenderOf, peerFromConnection, addressOfPeerId, privateKeyOf, memoryMultiaddr, multiaddrsOf
} from './peer.js'
export { readMessage, writeMessage, type ReadMessageOptions } from './unicast.js'
export {
  Libp2pMessageTransport, localSenderOf,
  type Libp2pTransportInit, type TransportStats, type InboundErrorContext
} from './message-transport.js'
export {
  InProcessNetwork, InProcessTransport, DEFAULT_MAX_MESSAGE_BYTES,
  type MessageTransport, type RemoteSender, type InboundMessageHandler
} from '@pokt-p2p/types'
