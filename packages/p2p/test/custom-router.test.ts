/** The custom router of the README, run through the module. Keep the two in step. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { Peerstore, TypedEventTarget, UnknownPeerError, anyOf, type P2PMessage, type Router, type RouterComponents, type RouterEvents } from '../src/index.js'
import { memoryNetwork, until, type TestNetwork } from './helpers.js'

const PROTOCOL = '/my/flood/1.0.0'
const flood = ({ transport, selfAddress, stakedPeers }: RouterComponents): Router => {
  const peers = new Peerstore(stakedPeers)
  let started = false
  const events = new TypedEventTarget<RouterEvents>()
  return {
    name: 'flood',
    events,
    isStarted: () => started,
    async start () { transport.handle(PROTOCOL, (data, from) => { events.dispatch('message', { data, router: 'flood', from: from.address }) }); started = true },
    async stop () { transport.unhandle(PROTOCOL); started = false },
    async broadcast (data) { await Promise.all(peers.getPeerList().filter(p => p.address !== selfAddress).map(async p => { await transport.sendTo(p, PROTOCOL, data) })) },
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

let net: TestNetwork | undefined
afterEach(async () => { await net?.stop(); net = undefined })

describe('a custom staked-actor router (the README example)', () => {
  it('replaces RainTree: broadcasts and sends go through it', async () => {
    net = await memoryNetwork(4, 0, () => ({ stakedRouter: flood, unstakedRouter: null }))
    expect(net.modules[0]!.routers.staked?.name).toBe('flood')
    const inboxes = net.modules.map(m => { const l: P2PMessage[] = []; m.events.on('message', x => l.push(x)); return l })
    await net.modules[0]!.broadcast(anyOf('pocket.DebugMessage', Uint8Array.of(1)))
    await until(() => inboxes.slice(1).every(i => i.length === 1))
    expect(inboxes[1]![0]).toMatchObject({ router: 'flood', from: net.modules[0]!.getAddress() })
    await net.modules[2]!.send(net.modules[3]!.getAddress(), anyOf('pocket.DebugMessage', Uint8Array.of(2)))
    await until(() => inboxes[3]!.length === 2)
    expect(Array.from(inboxes[3]![1]!.content.value)).toEqual([2])
  }, 150_000)
})
