import {
  InProcessNetwork, Peerstore, TypedEventTarget, UnknownPeerError, createPeer, generateIdentity,
  type MessageTransport, type Peer, type Router, type RouterEvents
} from '@pokt-p2p/types'
import { routerComplianceTests } from '@pokt-p2p/types/compliance'

/** The router under test: sends every message straight to each peer it knows. */
function directRouter (transport: MessageTransport, peers: Peer[]): Router {
  const PROTOCOL = '/example/direct/1.0.0'
  const peerstore = new Peerstore(peers)
  const events = new TypedEventTarget<RouterEvents>()
  let started = false
  return {
    name: 'direct',
    events,
    isStarted: () => started,
    async start () {
      transport.handle(PROTOCOL, (data, from) => {
        events.dispatch('message', { data, router: 'direct', from: from.address })
      })
      started = true
    },
    async stop () { transport.unhandle(PROTOCOL); started = false },
    async broadcast (data) {
      const others = peerstore.getPeerList().filter(p => p.address !== transport.localAddress)
      await Promise.all(others.map(async p => { await transport.sendTo(p, PROTOCOL, data) }))
    },
    async send (data, address) {
      if (address === transport.localAddress) return
      const peer = peerstore.getPeer(address)
      if (peer === undefined) throw new UnknownPeerError(address)
      await transport.sendTo(peer, PROTOCOL, data)
    },
    async addPeer (peer) { if (!peerstore.has(peer.address)) peerstore.addPeer(peer) },
    async removePeer (address) { peerstore.removePeer(address) },
    getPeerstore: () => peerstore
  }
}

// in a jest test file: the suite registers its own describe/it blocks
let network = new InProcessNetwork()
let routers: Router[] = []
routerComplianceTests('direct router over the in-process network', {
  async setup (n) {
    const identities = Array.from({ length: n }, () => generateIdentity())
    const peers = identities.map(id => createPeer(id.publicKey))
    network = new InProcessNetwork()
    routers = identities.map(id =>
      directRouter(network.createTransport({ address: id.address, publicKey: id.publicKeyHex }), peers))
    await Promise.all(routers.map(async r => { await r.start() }))
    return { routers, peers }
  },
  async teardown () {
    await Promise.all(routers.map(async r => { await r.stop() }))
    routers = []
  },
  idle: async () => { await network.idle() }
})
