import { createNode, memoryMultiaddr, messageTransport, RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID } from '@pokt-p2p/transport'
import { createPeer, MemoryMetrics, testIdentity } from '@pokt-p2p/types'

// A and B speak RainTree v2 (frames on one long-lived stream per peer) and v1; C speaks only v1, like a Go node
const nodes = await Promise.all([1, 2, 3].map(async seed => {
  const identity = testIdentity(seed)
  const node = await createNode({ identity, transport: 'memory', allowLoopback: true })
  await node.start()
  const metrics = new MemoryMetrics()
  const transport = messageTransport({ resolveAddresses: p => [memoryMultiaddr(p.address)] })({ node, metrics })
  return { transport, metrics, peer: createPeer(identity.publicKey) }
}))
const [a, b, c] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]]

const got = { b: [] as string[], c: [] as string[] }
let allReceived!: () => void
const received = new Promise<void>(resolve => { allReceived = resolve })
const inbox = (list: string[]) => (bytes: Uint8Array): void => {
  list.push(new TextDecoder().decode(bytes))
  if (got.b.length + got.c.length === 6) allReceived()
}
for (const protocol of [RAINTREE_STREAM_PROTOCOL_ID, RAINTREE_PROTOCOL_ID]) b.transport.handle(protocol, inbox(got.b))
c.transport.handle(RAINTREE_PROTOCOL_ID, inbox(got.c))

// protocols in order of preference: each send resolves with the one the peer took
const preference = [RAINTREE_STREAM_PROTOCOL_ID, RAINTREE_PROTOCOL_ID]
for (const [name, to] of [['B', b], ['C', c]] as const) {
  const used = new Set<string>()
  for (let i = 1; i <= 3; i++) used.add(await a.transport.sendTo(to.peer, preference, new TextEncoder().encode(`${name}${i}`)))
  console.log(`to ${name}: ${[...used].join(', ')}`)
}
await received
console.log(`B got ${got.b.join(' ')}; C got ${[...got.c].sort().join(' ')}`)
// one stream carried all three frames to B; C got a stream per message
console.log(`streams A opened: ${a.metrics.value('pokt_transport_streams_opened_total', RAINTREE_STREAM_PROTOCOL_ID)} on v2, ` +
  `${a.metrics.value('pokt_transport_streams_opened_total', RAINTREE_PROTOCOL_ID)} on v1`)

for (const n of nodes) {
  await n.transport.close()
  await n.transport.node.stop()
}
