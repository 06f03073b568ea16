import { anyOf, createP2P, createPeer, testIdentity } from '@pokt-p2p/p2p'
import { staticProviders } from '@pokt-p2p/providers'
import { flood } from './flood-router.js'

// three staked validators in this process (libp2p memory transport), with the flood router instead of RainTree
const identities = [1, 2, 3].map(seed => testIdentity(seed))
const providers = staticProviders({ height: 1n, staked: identities.map(id => createPeer(id.publicKey)) })()
const nodes = identities.map((identity, i) => {
  const p2p = createP2P({
    config: { private_key: identity.privateKeyHex, connection_type: 'memory' },
    currentHeightProvider: providers,
    peerstoreProvider: providers,
    stakedRouter: flood,
    unstakedRouter: null // no background router: every message goes through flood
  })
  p2p.events.on('message', ({ content, router }) => {
    console.log(`node ${i + 1} got ${content.typeUrl} via ${router}`)
  })
  return p2p
})
await Promise.all(nodes.map(async p2p => { await p2p.start() }))

const deadline = { signal: AbortSignal.timeout(10_000) }
const delivered = Promise.all(nodes.slice(1).map(async p2p => await p2p.events.once('message', deadline)))
await nodes[0]!.broadcast(anyOf('pocket.DebugMessage', new TextEncoder().encode('hello')))
await delivered

await Promise.all(nodes.map(async p2p => { await p2p.stop() }))
