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
 * over it, and the initial peers: `background(init)(components)`. Inside, the router (`gossip/`: the `Router` API,
 * the topic validator, inbound gossip and unicast) composes a connector (`peers/`: bootstrap, dials, DHT lookups,
 * connection maintenance, discovery), as lodestar splits its network code.
 *
 * It logs under `pokt:background` (`DEBUG=pokt:*`) and counts into an injected libp2p `Metrics`:
 * `pokt_background_*`, and gossipsub's own `gossipsub_*` through {@link gossipsubMetricsRegister}.
 *
 * @example
 * ```ts
 * import { background, backgroundServices } from '@pokt-p2p/background'
 * import { createNode, messageTransport, multiaddrToServiceUrl } from '@pokt-p2p/transport'
 * import { createAny, createPeer, encodePocketEnvelope, generateNonce, MemoryMetrics, testIdentity } from '@pokt-p2p/types'
 *
 * // localnet / tests: a loopback DHT, no IP-colocation penalty, a fast gossipsub heartbeat
 * const init = { privateAddresses: true, ipColocationWhitelist: ['127.0.0.1'], heartbeatIntervalMs: 200 }
 *
 * // three participants on loopback TCP; the node is started first, so its port is known
 * const participants = await Promise.all([1, 2, 3].map(async seed => {
 *   const identity = testIdentity(seed)
 *   const metrics = new MemoryMetrics() // one per node here; a real node serves @libp2p/prometheus-metrics instead
 *   const node = await createNode({
 *     identity, hostname: '127.0.0.1', port: 0, allowLoopback: true,
 *     services: backgroundServices(init, { metrics }) // adds `pubsub` (gossipsub, counting into metrics) and `dht`
 *   })
 *   await node.start()
 *   const peer = createPeer(identity.publicKey, multiaddrToServiceUrl(node.getMultiaddrs()[0]!))
 *   return { seed, node, metrics, transport: messageTransport()({ node }), peer }
 * }))
 * const initialPeers = participants.map(p => p.peer) // the staked set plus configured bootstrap peers
 *
 * const routers = participants.map(({ seed, node, transport, metrics }) => {
 *   const router = background(init)({ node, transport, metrics, peers: initialPeers })
 *   // data: the PocketEnvelope bytes; nonce, content: that envelope, decoded once by the router; from: the sender of
 *   // this hop. Own broadcasts come back too (emitSelf)
 *   router.events.on('message', ({ content, from }) => {
 *     console.log(`participant ${seed} got "${new TextDecoder().decode(content.value)}" from ${from}`)
 *   })
 *   router.events.on('bootstrap:failed', ({ failed }) => { console.warn(failed) }) // [{ target, attempts, error }]
 *   router.events.on('drop', ({ reason, via, from }) => { console.warn(`dropped a ${via} message from ${from}: ${reason}`) })
 *   // also: 'bootstrap:started' / 'bootstrap:succeeded', 'peer:discovered' ({ peer, source: 'dht' | 'connection' |
 *   // 'unicast' | 'gossip' }) and 'gossip:peers' ({ topicPeers, meshPeers }, on every change)
 *   return router
 * })
 * await Promise.all(routers.map(async router => { await router.start() }))  // subscribes and dials every initial peer
 * // until each knows the others' subscriptions: an event, no polling
 * await Promise.all(routers.map(async router => {
 *   if (router.topicPeerCount() < 2) await router.events.once('gossip:peers', { filter: p => p.topicPeers >= 2 })
 * }))
 *
 * const envelope = (text: string): Uint8Array =>
 *   encodePocketEnvelope(createAny('type.googleapis.com/example.Hello', new TextEncoder().encode(text)), generateNonce())
 * const deadline = { signal: AbortSignal.timeout(10_000) }
 * const arrivals = routers.slice(1).map(async r => await r.events.once('message', deadline))
 * await routers[0]!.broadcast(envelope('to everyone'))   // validated locally first: throws on an invalid or oversize one
 * await Promise.all(arrivals)
 * const arrival = routers[2]!.events.once('message', deadline)
 * await routers[0]!.send(envelope('to 3 only'), initialPeers[2]!.address)
 * await arrival
 *
 * // the router's own figures and gossipsub's, side by side in the node's metrics
 * const { metrics } = participants[0]!
 * console.log(`metrics of participant 1: ${metrics.value('pokt_background_messages_total', 'published')} published, ` +
 *   `${metrics.value('pokt_background_messages_total', 'sent')} sent, ` +
 *   `${metrics.value('gossipsub_rpc_sent_message_total')} gossip copies sent`)
 *
 * for (const router of routers) await router.stop()   // stops the node too if start() started it; here it did not
 * for (const { transport, node } of participants) {
 *   await transport.close()
 *   await node.stop()
 * }
 * ```
 */

export { background, BackgroundRouter, type BackgroundComponents } from './gossip/router.js'
export type { BackgroundEvents, BackgroundDropEvent, ConnectorEvents, GossipPeers } from './events.js'
export { checkBackgroundMessage, type BackgroundMessageCheck } from './gossip/validator.js'
export { peerFromLibp2p, type DiscoverySource, type Multiaddr } from './peers/peer-info.js'
export {
  backgroundServices, backgroundGossipsubOptions, backgroundGossipsubMetricsOptions, backgroundDHTOptions,
  contentMessageId, setAppSpecificScore, BACKGROUND_TOPIC_SCORE_PARAMS, unsubscribeBackoffMs, PUBSUB_SERVICE, DHT_SERVICE, GOSSIPSUB_FRAME_OVERHEAD_BYTES, GOSSIPSUB_MAX_RPC_BYTES, GOSSIPSUB_MAX_MESSAGE_BYTES,
  type BackgroundServices, type BackgroundServiceFactories, type BackgroundServicesComponents
} from './services.js'
export { resolveBackgroundInit, DEFAULT_DHT_PROTOCOL, type BackgroundInit, type ResolvedBackgroundInit } from './options.js'
export { gossipsubMetricsRegister } from './gossipsub-metrics.js'
export type { MessageOutcome } from './metrics.js'
export { BACKGROUND_PROTOCOL_ID, BACKGROUND_TOPIC } from '@pokt-p2p/transport'
export { DhtReplyMalformedError, DhtReplyTooLargeError, DhtReplyTooManyPeersError } from './errors.js'
export { limitDhtReplies, scanDhtReply, type DhtReplyLimits, type DhtReplyRefusal, type DhtReplyScan } from './peers/dht-limits.js'
export { TokenBuckets, DecayingPenalties } from './gossip/rate-limit.js'
