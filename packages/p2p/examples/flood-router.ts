import {
  Peerstore, TypedEventTarget, UnknownPeerError, type Router, type RouterComponents, type RouterEvents
} from '@pokt-p2p/p2p'

const PROTOCOL = '/my/flood/1.0.0'
/** Sends each broadcast directly to every staked peer. */
export const flood = ({ transport, selfAddress, stakedPeers }: RouterComponents): Router => {
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
