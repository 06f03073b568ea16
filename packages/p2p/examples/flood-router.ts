import {
  Lifecycle, Peerstore, TypedEvents, UnknownPeerError, checkEnvelope,
  type Router, type RouterComponents, type RouterEvents
} from '@pokt-p2p/p2p'

const PROTOCOL = '/my/flood/1.0.0'
/** A router factory: sends each broadcast directly to every staked peer. */
export const flood = ({ transport, selfAddress, peers: staked }: RouterComponents): Router => {
  const peers = new Peerstore(staked)
  const events = new TypedEvents<RouterEvents>()
  const lifecycle = new Lifecycle({
    async start () {
      transport.handle(PROTOCOL, (data, from) => {
        // decode the envelope once, here: the module de-duplicates on the nonce the event carries
        const envelope = checkEnvelope(data)
        if (!envelope.ok) {
          events.dispatch('drop', { reason: envelope.reason, from: from.address, error: envelope.error })
          return
        }
        const { nonce, content } = envelope
        events.dispatch('message', { data, nonce, content, router: 'flood', from: from.address })
      })
    },
    async stop () { transport.unhandle(PROTOCOL) }
  })
  return {
    name: 'flood',
    events,
    start: async () => { await lifecycle.start() },
    stop: async () => { await lifecycle.stop() },
    isStarted: () => lifecycle.isStarted(),
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
