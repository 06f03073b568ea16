import { createNode, messageTransport, multiaddrToServiceUrl, RAINTREE_PROTOCOL_ID } from '@pokt-p2p/transport'
import { createPeer, MemoryMetrics, testIdentity } from '@pokt-p2p/types'

const a = testIdentity(1)
const b = testIdentity(2)
const nodeA = await createNode({ identity: a, hostname: '127.0.0.1', port: 0 })
const nodeB = await createNode({ identity: b, hostname: '127.0.0.1', port: 0 })
await nodeA.start()
await nodeB.start()

// a service factory, as libp2p's: options first, then what it is built on (plus an optional logger and metrics)
const ta = messageTransport()({ node: nodeA })
const metricsB = new MemoryMetrics() // or the node's own registry, e.g. @libp2p/prometheus-metrics
const tb = messageTransport({
  onError: (err, { protocol }) => { console.warn(protocol, err.message) } // every rejected inbound message
})({ node: nodeB, metrics: metricsB })
const received = new Promise<void>(resolve => {
  tb.handle(RAINTREE_PROTOCOL_ID, (bytes, from) => {
    // from.address === a.address: taken from the authenticated connection key, not from the message
    console.log(`received [${bytes.join(', ')}] from ${from.address}`)
    resolve()
  })
})

const peerB = createPeer(b.publicKey, multiaddrToServiceUrl(nodeB.getMultiaddrs()[0]!)) // '127.0.0.1:<port>'
await ta.sendTo(peerB, RAINTREE_PROTOCOL_ID, new Uint8Array([1, 2, 3]), { signal: AbortSignal.timeout(5_000) })
await received // sendTo resolves once the bytes are written; wait until B has read them before closing
console.log(`B received ${metricsB.value('pokt_transport_bytes_total', 'received')} bytes in ${metricsB.value('pokt_transport_messages_total', 'received')} message`)

await ta.close()
await tb.close()
await nodeA.stop()
await nodeB.stop()
