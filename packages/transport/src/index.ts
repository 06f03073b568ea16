/**
 * @packageDocumentation
 *
 * The libp2p layer of the Pocket P2P packages:
 *
 * - {@link createNode}: a libp2p 3 node (TCP or in-process memory transport, noise, yamux, identify, ping) whose
 *   key is the pocket identity's ed25519 key, with the spec's connection limits.
 * - {@link emulatedMemory}: an in-process transport whose connections behave like links (pipelined latency, per-node
 *   uplink and downlink bandwidth, back-pressure); `createNode({ transport: 'memory', link })` uses it.
 * - {@link serviceUrlToMultiaddr} / {@link multiaddrToServiceUrl}: the reference's `host:port` ⇄ multiaddr rules,
 *   with one error class per malformed input.
 * - {@link peerIdOf} / {@link remoteSenderOf}: pocket peer ⇄ libp2p identity; a remote's pocket address always
 *   comes from the noise-authenticated connection key.
 * - {@link messageTransport}: the `MessageTransport` routers use (send one message to a peer on the first of
 *   some protocols it supports, be called with whole inbound messages). v1 protocols are framed as the Go reference
 *   (one message per stream); framed protocols (`pokt/raintree/v2.0.0`, `pokt/background/v2.0.0` by default) carry
 *   unsigned-varint length-prefixed frames on one long-lived stream per peer and protocol, used both ways, reopened
 *   when it breaks and closed when idle. Size and time limits are enforced while reading, in both formats. A
 *   libp2p-style service: `messageTransport(init)({ node, logger?, metrics? })` logs rejected messages and failed
 *   sends (`pokt:transport`) and counts `pokt_transport_*` metrics. `InProcessNetwork` (`@pokt-p2p/testing`)
 *   implements the same interface without sockets.
 * - {@link encodeFrame} / {@link FrameDecoder}: the framed protocols' wire format, for raw streams.
 *
 * On Node 20 this module installs a `Promise.withResolvers` polyfill first (also `@pokt-p2p/transport/polyfill`).
 *
 * The example (`examples/send-and-receive.ts`): two nodes on loopback TCP, A sends three bytes to B.
 *
 * @example
 * ```ts
 * import { createNode, messageTransport, multiaddrToServiceUrl, RAINTREE_PROTOCOL_ID } from '@pokt-p2p/transport'
 * import { createPeer, MemoryMetrics, testIdentity } from '@pokt-p2p/types'
 *
 * const a = testIdentity(1)
 * const b = testIdentity(2)
 * const nodeA = await createNode({ identity: a, hostname: '127.0.0.1', port: 0 })
 * const nodeB = await createNode({ identity: b, hostname: '127.0.0.1', port: 0 })
 * await nodeA.start()
 * await nodeB.start()
 *
 * // a service factory, as libp2p's: options first, then what it is built on (plus an optional logger and metrics)
 * const ta = messageTransport()({ node: nodeA })
 * const metricsB = new MemoryMetrics() // or the node's own registry, e.g. @libp2p/prometheus-metrics
 * const tb = messageTransport({
 *   onError: (err, { protocol }) => { console.warn(protocol, err.message) } // every rejected inbound message
 * })({ node: nodeB, metrics: metricsB })
 * const received = new Promise<void>(resolve => {
 *   tb.handle(RAINTREE_PROTOCOL_ID, (bytes, from) => {
 *     // from.address === a.address: taken from the authenticated connection key, not from the message
 *     console.log(`received [${bytes.join(', ')}] from ${from.address}`)
 *     resolve()
 *   })
 * })
 *
 * const peerB = createPeer(b.publicKey, multiaddrToServiceUrl(nodeB.getMultiaddrs()[0]!)) // '127.0.0.1:<port>'
 * await ta.sendTo(peerB, RAINTREE_PROTOCOL_ID, new Uint8Array([1, 2, 3]), { signal: AbortSignal.timeout(5_000) })
 * await received // sendTo resolves once the bytes are written; wait until B has read them before closing
 * console.log(`B received ${metricsB.value('pokt_transport_bytes_total', 'received')} bytes in ${metricsB.value('pokt_transport_messages_total', 'received')} message`)
 *
 * await ta.close()
 * await tb.close()
 * await nodeA.stop()
 * await nodeB.stop()
 * ```
 */
import './polyfill.js'

export * from './constants.js'
/** The libp2p node type `createNode` returns, so dependants need not import libp2p themselves. */
export type { Libp2p } from 'libp2p'
export type { Multiaddr } from '@multiformats/multiaddr'
export * from './errors.js'
export { createNode, inboundGateOf, LOOPBACK_ALLOW_LIST, type NodeInit } from './node.js'
export { InboundGate, type GateRefusal, type HostClass, type InboundGateInit } from './inbound-gate.js'
export { BudgetHold, InboundBudget } from './inbound-budget.js'
export { ServiceUrlHosts, type ServiceUrlHostsInit } from './service-url-hosts.js'
export { noiseCrypto } from './noise-crypto.js'
export {
  emulatedMemory, linkOptions, type EmulatedMemoryInit, type EmulatedMemoryComponents, type LinkOptions, type ValidLinkOptions
} from './emulated-memory.js'
export {
  serviceUrlToMultiaddr, serviceUrlHosts, multiaddrToServiceUrl, systemResolver, type HostResolver, type ServiceUrlOptions
} from './url.js'
export {
  peerIdOf, remoteSenderOf, peerFromConnection, addressOfPeerId, privateKeyOf, memoryMultiaddr, multiaddrsOf
} from './peer.js'
export { readMessage, writeMessage, type ReadMessageOptions } from './unicast.js'
export { encodeFrame, encodeFrameHeader, FrameDecoder } from './framing.js'
export {
  messageTransport, Libp2pMessageTransport, localSenderOf,
  type Libp2pTransportInit, type MessageTransportComponents, type TransportRejectReason, type InboundErrorContext
} from './message-transport.js'
export {
  DEFAULT_MAX_MESSAGE_BYTES, type MessageTransport, type RemoteSender, type InboundMessageHandler
} from '@pokt-p2p/types'
