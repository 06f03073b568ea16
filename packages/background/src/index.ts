/**
 * @packageDocumentation
 *
 * The background router of the Pocket P2P layer (reference `p2p/background`), for every participant, staked or
 * not: broadcast over gossipsub on `pokt/background`, direct sends over the transport's unicast on
 * `pokt/background/v1.0.0`, and peer discovery over a private kad-dht. Implements the `Router` contract of
 * `@pokt-p2p/types`.
 *
 * Two factories, js-libp2p style: {@link backgroundServices} gives the gossipsub and kad-dht services the node must
 * carry (pass them to `createNode`), and {@link background} builds the router from the node, a message transport
 * over it, and the initial peers.
 *
 * @example
 * ```ts
 * import { background, backgroundServices } from '@pokt-p2p/background'
 * import { createNode, Libp2pMessageTransport } from '@pokt-p2p/transport'
 * import { createPeer, testIdentity } from '@pokt-p2p/types'
 *
 * const init = { privateAddresses: true, ipColocationWhitelist: ['127.0.0.1'] } // localnet
 * const identity = testIdentity(1)
 * const node = await createNode({ identity, hostname: '127.0.0.1', port: 0, allowLoopback: true, services: backgroundServices(init) })
 * const transport = new Libp2pMessageTransport(node)
 * const router = background(init)({ node, transport, peers: [createPeer(testIdentity(2).publicKey, '127.0.0.1:42069')] })
 *
 * router.events.on('message', m => { console.log(m.from, m.data) })   // PocketEnvelope bytes
 * router.events.on('bootstrap:failed', e => { console.warn(e.failed) })
 * await router.start()                                                  // starts the node, dials, subscribes
 * await router.broadcast(envelopeBytes)
 * await router.stop()                                                   // and the node, since start() started it
 * ```
 */

export {
  background, BackgroundRouter, peerFromLibp2p,
  type BackgroundComponents, type BackgroundEvents, type BackgroundStats, type BootstrapFailure, type DiscoverySource
} from './router.js'
export {
  backgroundServices, backgroundGossipsubOptions, backgroundDHTOptions, contentMessageId, unsubscribeBackoffMs,
  PUBSUB_SERVICE, DHT_SERVICE, GOSSIPSUB_FRAME_OVERHEAD_BYTES,
  type BackgroundServices, type BackgroundServiceFactories
} from './services.js'
export {
  resolveBackgroundInit, backoffDelay, DEFAULT_DHT_PROTOCOL,
  type BackgroundInit, type ResolvedBackgroundInit
} from './options.js'
export { gossipTrafficCounter, type GossipTraffic } from './metrics.js'
export { checkBackgroundMessage, INVALID_REASONS, type InvalidReason, type BackgroundMessageCheck } from './validator.js'
export { BACKGROUND_PROTOCOL_ID, BACKGROUND_TOPIC } from '@pokt-p2p/transport'
