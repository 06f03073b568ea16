import { MemoryMetrics, createAny, createPeer, encodePocketEnvelope, testIdentity } from '@pokt-p2p/types'
import { InProcessNetwork } from '@pokt-p2p/testing'
import { rainTree } from '@pokt-p2p/raintree'

// four staked validators on an in-memory network; one metrics registry for all, as a Prometheus registry would be
const ids = [1, 2, 3, 4].map(testIdentity)
const peers = ids.map(id => createPeer(id.publicKey))
const net = new InProcessNetwork()
const metrics = new MemoryMetrics()
const routers = ids.map(id => rainTree({ mode: 'complete' })({
  selfAddress: id.address,
  transport: net.createTransport({ address: id.address, publicKey: id.publicKeyHex }),
  peers,
  metrics
}))
await Promise.all(routers.map(async router => { await router.start() }))
routers[1]!.events.on('message', ({ nonce, content, from }) => {
  console.log(`${content.typeUrl} #${nonce} from ${from}`) // the envelope, checked and decoded once by the router
})

await routers[0]!.broadcast(encodePocketEnvelope(createAny('type.googleapis.com/demo.Hello'), 1n))
await net.idle() // every other node received it exactly once
console.log(`${metrics.value('pokt_raintree_delivered_total')} delivered, ${metrics.value('pokt_raintree_writes_total')} messages`)

await Promise.all(routers.map(async router => { await router.stop() }))
