import { createNode, memoryMultiaddr, messageTransport, RAINTREE_STREAM_PROTOCOL_ID } from '@pokt-p2p/transport'
import { createPeer, testIdentity } from '@pokt-p2p/types'

// three memory nodes whose connections behave like links: 25 ms one way, 100 Mbit/s uplinks
const link = { latencyMs: 25, uploadMbps: 100 }
const nodes = await Promise.all([1, 2, 3].map(async seed => {
  const identity = testIdentity(seed)
  const node = await createNode({ identity, transport: 'memory', allowLoopback: true, link })
  await node.start()
  const transport = messageTransport({ resolveAddresses: p => [memoryMultiaddr(p.address)] })({ node })
  const arrivals: number[] = []
  transport.handle(RAINTREE_STREAM_PROTOCOL_ID, () => { arrivals.push(performance.now()) })
  return { transport, arrivals, peer: createPeer(identity.publicKey) }
}))
const [a, b, c] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]]
const until = async (done: () => boolean): Promise<void> => {
  while (!done()) await new Promise(resolve => setTimeout(resolve, 5))
}

// open A's connections first: a dial, then noise and yamux, over the link
for (const to of [b, c]) await a.transport.sendTo(to.peer, RAINTREE_STREAM_PROTOCOL_ID, new Uint8Array([0]))
await until(() => b.arrivals.length === 1 && c.arrivals.length === 1)

// a 1 MiB block to B and to C: both share A's uplink, so the last byte leaves after 2 · 8 · 1.048576 / 100 s
const block = new Uint8Array(1024 * 1024)
const t0 = performance.now()
await Promise.all([b, c].map(async to => await a.transport.sendTo(to.peer, RAINTREE_STREAM_PROTOCOL_ID, block)))
await until(() => b.arrivals.length === 2 && c.arrivals.length === 2)
const last = Math.max(b.arrivals[1]!, c.arrivals[1]!) - t0
const linkAlone = 2 * 1024 * 1024 * 8 / (100 * 1000) + 25 // ms on the uplink, then one latency
console.log(`both copies arrived, the last no sooner than the link allows: ${last >= linkAlone}`)

for (const n of nodes) {
  await n.transport.close()
  await n.transport.node.stop()
}
