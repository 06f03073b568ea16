import {
  Lifecycle, Peerstore, TypedEvents, UnknownPeerError, checkEnvelope, createPeer, generateIdentity,
  type MessageTransport, type Peer, type Router, type RouterEvents
} from '@pokt-p2p/types'
import { InProcessNetwork } from '@pokt-p2p/testing'
import { routerComplianceTests } from '@pokt-p2p/testing/compliance'

/** The router under test: sends every message straight to each peer it knows. */
function directRouter (transport: MessageTransport, peers: Peer[]): Router {
  const PROTOCOL = '/example/direct/1.0.0'
  const peerstore = new Peerstore(peers)
  const events = new TypedEvents<RouterEvents>()
  const lifecycle = new Lifecycle({
    async start () {
      transport.handle(PROTOCOL, (data, from) => {
        // check the envelope once: the message event carries its nonce and content, or the drop says why not
        const envelope = checkEnvelope(data)
        if (!envelope.ok) {
          events.dispatch('drop', { reason: envelope.reason, from: from.address, error: envelope.error })
          return
        }
        const { nonce, content } = envelope
        events.dispatch('message', { data, nonce, content, router: 'direct', from: from.address })
      })
    },
    async stop () { transport.unhandle(PROTOCOL) }
  })
  return {
    name: 'direct',
    events,
    start: async () => { await lifecycle.start() },
    stop: async () => { await lifecycle.stop() },
    isStarted: () => lifecycle.isStarted(),
    async broadcast (data) {
      const others = peerstore.getPeerList().filter(p => p.address !== transport.localAddress)
      // a broadcast reaches whoever it can; each peer it could not reach is reported, not thrown
      await Promise.all(others.map(async p => {
        await transport.sendTo(p, PROTOCOL, data).catch((error: Error) => {
          events.dispatch('send:failed', { to: p.address, error })
        })
      }))
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
