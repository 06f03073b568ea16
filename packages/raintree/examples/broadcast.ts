import { createNode, messageTransport, multiaddrToServiceUrl } from '@pokt-p2p/transport'
import { MemoryMetrics, createAny, createPeer, encodePocketEnvelope, generateNonce, testIdentity } from '@pokt-p2p/types'
import { rainTree } from '@pokt-p2p/raintree'

// nine staked validators, each with its own libp2p node on loopback TCP
const validators = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9].map(async seed => {
  const identity = testIdentity(seed)
  const node = await createNode({ identity, hostname: '127.0.0.1', port: 0 })
  await node.start()
  const peer = createPeer(identity.publicKey, multiaddrToServiceUrl(node.getMultiaddrs()[0]!))
  return { identity, node, transport: messageTransport()({ node }), peer }
}))
const stakedPeers = validators.map(v => v.peer)
// one registry for the nine routers, as a process's Prometheus registry would be (`@libp2p/prometheus-metrics`)
const metrics = new MemoryMetrics()

const routers = validators.map(({ identity, transport }) => {
  const router = rainTree({ mode: 'complete' })({ selfAddress: identity.address, transport, peers: stakedPeers, metrics })
  router.events.on('message', ({ data, from }) => {
    console.log(`${identity.address} got ${data.length} bytes from ${from}`) // data: the PocketEnvelope
  })
  // also counted in pokt_raintree_dropped_total{reason} and logged under pokt:raintree (DEBUG=pokt:raintree)
  router.events.on('drop', ({ reason, from }) => { console.warn(`dropped from ${from}: ${reason}`) })
  router.events.on('send:failed', ({ to, error }) => { console.warn(`could not send to ${to}: ${error.message}`) })
  return router
})
await Promise.all(routers.map(async router => { await router.start() }))

// the payload is a PocketEnvelope: any protobuf message and a nonce (the p2p module builds these)
const hello = createAny('type.googleapis.com/example.Hello', new TextEncoder().encode('hello'))
const deadline = { signal: AbortSignal.timeout(10_000) }
const delivered = Promise.all(routers.slice(1).map(async r => await r.events.once('message', deadline)))
await routers[0]!.broadcast(encodePocketEnvelope(hello, generateNonce()))
await delivered
console.log(`${metrics.value('pokt_raintree_reads_total')} messages in all`) // N − 1 in complete mode

for (const router of routers) await router.stop()
for (const { transport, node } of validators) {
  await transport.close()
  await node.stop()
}
