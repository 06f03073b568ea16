import { createNode, memoryMultiaddr, messageTransport, RAINTREE_PROTOCOL_ID } from '@pokt-p2p/transport'
import { createPeer, testIdentity } from '@pokt-p2p/types'

// 20 nodes in this process, each listening on /memory/<its address>: no sockets, still noise + yamux
const identities = Array.from({ length: 20 }, (_, i) => testIdentity(i + 1))
const transports = await Promise.all(identities.map(async identity => {
  const node = await createNode({ identity, transport: 'memory', allowLoopback: true })
  await node.start()
  return messageTransport({ resolveAddresses: p => [memoryMultiaddr(p.address)] })({ node })
}))

let received = 0
const allReceived = new Promise<void>(resolve => {
  for (const t of transports) {
    t.handle(RAINTREE_PROTOCOL_ID, () => { if (++received === identities.length - 1) resolve() })
  }
})
const [sender] = transports
await Promise.all(identities.slice(1).map(async id => {
  await sender!.sendTo(createPeer(id.publicKey), RAINTREE_PROTOCOL_ID, new TextEncoder().encode('hello'))
}))
await allReceived
console.log(`${received} nodes received the message`)

for (const t of transports) {
  await t.close()
  await t.node.stop()
}
