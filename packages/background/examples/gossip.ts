import { setTimeout as sleep } from 'node:timers/promises'
import { background, backgroundServices } from '@pokt-p2p/background'
import { createNode, Libp2pMessageTransport, multiaddrToServiceUrl } from '@pokt-p2p/transport'
import {
  createAny, createPeer, decodePocketEnvelope, encodePocketEnvelope, generateNonce, testIdentity
} from '@pokt-p2p/types'

// localnet / tests: a loopback DHT, no IP-colocation penalty, a fast gossipsub heartbeat
const init = { privateAddresses: true, ipColocationWhitelist: ['127.0.0.1'], heartbeatIntervalMs: 200 }

// three participants on loopback TCP; the node is started first, so its port is known
const participants = await Promise.all([1, 2, 3].map(async seed => {
  const identity = testIdentity(seed)
  const node = await createNode({ identity, hostname: '127.0.0.1', port: 0, allowLoopback: true,
    services: backgroundServices(init) })          // adds `pubsub` (gossipsub) and `dht` (kad-dht)
  await node.start()
  const peer = createPeer(identity.publicKey, multiaddrToServiceUrl(node.getMultiaddrs()[0]!))
  return { seed, node, transport: new Libp2pMessageTransport(node), peer }
}))
const initialPeers = participants.map(p => p.peer) // the staked set plus configured bootstrap peers

const routers = participants.map(({ seed, node, transport }) => {
  const router = background(init)({ node, transport, peers: initialPeers })
  // data: the PocketEnvelope bytes; from: the sender of this hop. Own broadcasts come back too (emitSelf)
  router.events.on('message', ({ data, from }) => {
    const { content } = decodePocketEnvelope(data) // the p2p module does this, and de-duplicates by nonce
    console.log(`participant ${seed} got "${new TextDecoder().decode(content?.value)}" from ${from}`)
  })
  router.events.on('bootstrap:failed', ({ failed }) => { console.warn(failed) }) // [{ address, attempts, reason }]
  router.events.on('peer:discovered', ({ peer, source }) => { /* source: 'dht' | 'connection' | 'unicast' */ })
  return router
})
await Promise.all(routers.map(async router => { await router.start() }))  // subscribes and dials every initial peer
while (routers.some(r => r.topicPeerCount() < 2)) await sleep(100)      // until each knows the others' subscriptions

const envelope = (text: string): Uint8Array =>
  encodePocketEnvelope(createAny('type.googleapis.com/example.Hello', new TextEncoder().encode(text)), generateNonce())
const deadline = { signal: AbortSignal.timeout(10_000) }
const arrivals = routers.slice(1).map(async r => await r.events.once('message', deadline))
await routers[0]!.broadcast(envelope('to everyone'))   // validated locally first: throws on an invalid or oversize one
await Promise.all(arrivals)
const arrival = routers[2]!.events.once('message', deadline)
await routers[0]!.send(envelope('to 3 only'), initialPeers[2]!.address)
await arrival

for (const router of routers) await router.stop()   // stops the node too if start() started it; here it did not
for (const { transport, node } of participants) {
  await transport.close()
  await node.stop()
}
