import {
  anyOf, createP2P, createPeer, Peerstore, testIdentity, TypedEventTarget, UnknownPeerError,
  type Router, type RouterComponents, type RouterEvents
} from '@pokt-p2p/p2p'
import { staticProviders } from '@pokt-p2p/providers'

const PROTOCOL = '/my/flood/1.0.0'
const flood = ({ transport, selfAddress, stakedPeers }: RouterComponents): Router => {
  const peers = new Peerstore(stakedPeers)
  let started = false
  const events = new TypedEventTarget<RouterEvents>()
  return {
    name: 'flood',
    events,
    isStarted: () => started,
    async start () {
      transport.handle(PROTOCOL, (data, from) => {
        events.dispatch('message', { data, router: 'flood', from: from.address })
      })
      started = true
    },
    async stop () { transport.unhandle(PROTOCOL); started = false },
    async broadcast (data) {
      const others = peers.getPeerList().filter(p => p.address !== selfAddress)
      await Promise.all(others.map(async p => { await transport.sendTo(p, PROTOCOL, data) }))
    },
    async send (data, address) {
      if (address === selfAddress) return
      const p = peers.getPeer(address)
      if (p === undefined) throw new UnknownPeerError(address)
      await transport.sendTo(p, PROTOCOL, data)
    },
    async addPeer (p) { if (!peers.has(p.address)) peers.addPeer(p) },
    async removePeer (a) { peers.removePeer(a) },
    getPeerstore: () => peers
  }
}

// three staked validators in this process (libp2p memory transport), with the flood router instead of RainTree
const identities = [1, 2, 3].map(seed => testIdentity(seed))
const providers = staticProviders({ height: 1n, staked: identities.map(id => createPeer(id.publicKey)) })
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
