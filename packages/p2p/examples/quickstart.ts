import { anyOf, createP2P, createPeer, testIdentity, type P2PModule } from '@pokt-p2p/p2p'
import { staticProviders } from '@pokt-p2p/providers'

// two staked validators in one process (libp2p memory transport), with the default routers: RainTree among the
// staked, the background router (gossipsub) for everyone
const identities = [1, 2].map(seed => testIdentity(seed))
const providers = staticProviders({ height: 1n, staked: identities.map(id => createPeer(id.publicKey)) })()
const [alice, bob] = identities.map(identity => createP2P({
  config: { private_key: identity.privateKeyHex, connection_type: 'memory' },
  currentHeightProvider: providers,
  peerstoreProvider: providers
})) as [P2PModule, P2PModule]
await Promise.all([alice.start(), bob.start()])

// both routers carry the broadcast; bob's module hands it to him once
const received = bob.events.once('message', { signal: AbortSignal.timeout(10_000) })
await alice.broadcast(anyOf('pocket.DebugMessage', new TextEncoder().encode('hello')))
const { content } = await received
console.log(`bob got ${content.typeUrl}: ${new TextDecoder().decode(content.value)}`)

await Promise.all([alice.stop(), bob.stop()])
