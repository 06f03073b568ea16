import { background, backgroundServices } from '@pokt-p2p/background'
import { createNode, messageTransport, multiaddrToServiceUrl } from '@pokt-p2p/transport'
import { createAny, createPeer, encodePocketEnvelope, generateNonce, MemoryMetrics, testIdentity } from '@pokt-p2p/types'

// localnet / tests: a loopback DHT, no IP-colocation penalty, a fast gossipsub heartbeat
const init = { privateAddresses: true, ipColocationWhitelist: ['127.0.0.1'], heartbeatIntervalMs: 200 }

// three participants on loopback TCP; the node is started first, so its port is known
const participants = await Promise.all([1, 2, 3].map(async seed => {
  const identity = testIdentity(seed)
  const metrics = new MemoryMetrics() // one per node here; a real node serves @libp2p/prometheus-metrics instead
  const node = await createNode({
    identity, hostname: '127.0.0.1', port: 0, allowLoopback: true,
    services: backgroundServices(init, { metrics }) // adds `pubsub` (gossipsub, counting into metrics) and `dht`
  })
  await node.start()
  const peer = createPeer(identity.publicKey, multiaddrToServiceUrl(node.getMultiaddrs()[0]!))
  return { seed, node, metrics, transport: messageTransport()({ node }), peer }
}))
const initialPeers = participants.map(p => p.peer) // the staked set plus configured bootstrap peers

const routers = participants.map(({ seed, node, transport, metrics }) => {
  const router = background(init)({ node, transport, metrics, peers: initialPeers })
  // data: the PocketEnvelope bytes; nonce, content: that envelope, decoded once by the router; from: the sender of
  // this hop. Own broadcasts come back too (emitSelf)
  router.events.on('message', ({ content, from }) => {
    console.log(`participant ${seed} got "${new TextDecoder().decode(content.value)}" from ${from}`)
  })
  router.events.on('bootstrap:failed', ({ failed }) => { console.warn(failed) }) // [{ target, attempts, error }]
  router.events.on('drop', ({ reason, via, from }) => { console.warn(`dropped a ${via} message from ${from}: ${reason}`) })
  // also: 'bootstrap:started' / 'bootstrap:succeeded', 'peer:discovered' ({ peer, source: 'dht' | 'connection' |
  // 'unicast' | 'gossip' }) and 'gossip:peers' ({ topicPeers, meshPeers }, on every change)
  return router
})
await Promise.all(routers.map(async router => { await router.start() }))  // subscribes and dials every initial peer
// until each knows the others' subscriptions: an event, no polling
await Promise.all(routers.map(async router => {
  if (router.topicPeerCount() < 2) await router.events.once('gossip:peers', { filter: p => p.topicPeers >= 2 })
}))

const envelope = (text: string): Uint8Array =>
  encodePocketEnvelope(createAny('type.googleapis.com/example.Hello', new TextEncoder().encode(text)), generateNonce())
const deadline = { signal: AbortSignal.timeout(10_000) }
const arrivals = routers.slice(1).map(async r => await r.events.once('message', deadline))
await routers[0]!.broadcast(envelope('to everyone'))   // validated locally first: throws on an invalid or oversize one
await Promise.all(arrivals)
const arrival = routers[2]!.events.once('message', deadline)
await routers[0]!.send(envelope('to 3 only'), initialPeers[2]!.address)
await arrival

// the router's own figures and gossipsub's, side by side in the node's metrics
const { metrics } = participants[0]!
console.log(`metrics of participant 1: ${metrics.value('pokt_background_messages_total', 'published')} published, ` +
  `${metrics.value('pokt_background_messages_total', 'sent')} sent, ` +
  `${metrics.value('gossipsub_rpc_sent_message_total')} gossip copies sent`)

for (const router of routers) await router.stop()   // stops the node too if start() started it; here it did not
for (const { transport, node } of participants) {
  await transport.close()
  await node.stop()
}
