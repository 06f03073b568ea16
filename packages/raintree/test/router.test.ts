import { describe, expect, it } from '@jest/globals'
import {
  InProcessNetwork, NotStartedError, PeerUnreachableError, UnknownPeerError, createPeer, encodeRainTreeMessage,
  generateIdentity, testIdentity, type InboundMessageHandler, type MessageTransport, type Peer, type RemoteSender,
  type RouterMessage
} from '@pokt-p2p/types'
import {
  RAINTREE_PROTOCOL_ID, createRainTreeRouter, maxNumLevels, rainTree, type RainTreeDropEvent, type RainTreeRouter,
  type RainTreeSendErrorEvent
} from '../src/index.js'
import { envelope, inProcessRainTree, loadReferenceTables, sortedIdentities } from './helpers.js'

/** A transport that records sends and exposes the registered handler, for white-box tests. */
class FakeTransport implements MessageTransport {
  handler: InboundMessageHandler | undefined
  readonly sent: Array<{ to: string, bytes: Uint8Array }> = []
  log: string[] = []
  failFor = new Set<string>()
  constructor (readonly localAddress: string) {}
  handle (_protocol: string, handler: InboundMessageHandler): void { this.handler = handler }
  unhandle (): void { this.handler = undefined }
  async sendTo (peer: Peer, _protocol: string, bytes: Uint8Array): Promise<void> {
    this.log.push(`send:${peer.address}`)
    if (this.failFor.has(peer.address)) throw new PeerUnreachableError(peer.address, 'test')
    this.sent.push({ to: peer.address, bytes })
  }
}

function staked (n: number): { peers: Peer[], senders: RemoteSender[] } {
  const ids = sortedIdentities(n)
  return {
    peers: ids.map(id => createPeer(id.publicKey, '127.0.0.1:1')),
    senders: ids.map(id => ({ address: id.address, publicKey: id.publicKeyHex }))
  }
}

describe('reference mode over the in-process network: per-node {reads, writes} = the reference tables', () => {
  it.each(loadReferenceTables().map(t => [t.nodes, t] as const))('N=%i', async (n, table) => {
    const { net, routers } = await inProcessRainTree(n, 'reference')
    expect(routers[0]!.maxNumLevels).toBe(table.maxNumLevels)
    await routers[table.originator - 1]!.broadcast(envelope(`ref ${n}`))
    await net.idle()
    const got = routers.map((r, i) => ({ index: i + 1, reads: r.stats.reads, writes: r.stats.writes }))
    expect(got).toEqual(table.perNode)
    expect(net.stats.messages).toBe(table.totalMessages)
    for (const r of routers) expect(r.stats.sendFailures + r.stats.dropped.decode + r.stats.dropped.envelope).toBe(0)
  })
})

describe('complete mode over the in-process network', () => {
  it.each([8, 27, 100])('N=%i: every node exactly once, N-1 messages', async n => {
    const { net, routers, delivered } = await inProcessRainTree(n, 'complete')
    await routers[0]!.broadcast(envelope(`complete ${n}`))
    await net.idle()
    expect(net.stats.messages).toBe(n - 1)
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(routers.map(r => r.stats.reads)).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(routers.reduce((s, r) => s + r.stats.writes, 0)).toBe(n - 1)
  })

  it('is the default mode, from any originator', async () => {
    const { net, routers, delivered } = await inProcessRainTree(12, 'complete')
    expect(rainTree()({ selfAddress: 'x', transport: new FakeTransport('x'), peers: [] }).mode).toBe('complete')
    await routers[7]!.broadcast(envelope())
    await net.idle()
    expect(delivered).toEqual(routers.map((_, i) => (i === 7 ? 0 : 1)))
  })

  it('messages carry range_size (field 3) and a level reference nodes can read', async () => {
    const me = testIdentity(1)
    const t = new FakeTransport(me.address)
    const { peers } = staked(9)
    const r = createRainTreeRouter({ selfAddress: peers[0]!.address, transport: t, peers })
    await r.start()
    await r.broadcast(envelope())
    const { decodeRainTreeMessage } = await import('@pokt-p2p/types')
    const msgs = t.sent.map(s => ({ to: peers.findIndex(p => p.address === s.to), m: decodeRainTreeMessage(s.bytes) }))
    expect(msgs.map(({ to, m }) => [to, m.level, m.rangeSize])).toEqual([[3, 1, 3], [6, 1, 3], [1, 0, 1], [2, 0, 1]])
  })
})

describe('receive path', () => {
  it('validates, then propagates, then delivers (reference order)', async () => {
    const { peers, senders } = staked(27)
    const t = new FakeTransport(peers[0]!.address)
    const r = createRainTreeRouter({ selfAddress: peers[0]!.address, transport: t, peers, mode: 'reference' })
    await r.start()
    r.events.on('message', () => { t.log.push('deliver') })
    await t.handler!(encodeRainTreeMessage({ level: 3, data: envelope() }), senders[5]!)
    expect(t.log).toHaveLength(5)
    expect(t.log.slice(0, 4).every(x => x.startsWith('send:'))).toBe(true)
    expect(t.log[4]).toBe('deliver')
    expect(r.stats).toMatchObject({ reads: 1, writes: 4, delivered: 1 })
  })

  it('a level above the local maximum is clamped, not wrapped', async () => {
    const { peers, senders } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const r = createRainTreeRouter({ selfAddress: peers[0]!.address, transport: t, peers, mode: 'reference' })
    await r.start()
    await t.handler!(encodeRainTreeMessage({ level: 0xffff_ffff, data: envelope() }), senders[1]!)
    // clamped to maxNumLevels = 2: L2 → 3, 6; L1 → 2, 4 (the reference would skip nothing... it sends nothing at the
    // wrapped level and continues at 0xfffffffe, …, i.e. effectively never)
    expect(t.sent.map(s => peers.findIndex(p => p.address === s.to))).toEqual([3, 6, 2, 4])
  })

  it('level 0 (send) is delivered, not propagated', async () => {
    const { peers, senders } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const r = createRainTreeRouter({ selfAddress: peers[0]!.address, transport: t, peers })
    await r.start()
    const got: RouterMessage[] = []
    r.events.on('message', m => { got.push(m) })
    await t.handler!(encodeRainTreeMessage({ level: 0, data: envelope() }), senders[4]!)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ from: senders[4]!.address, router: 'raintree' })
    expect(t.sent).toHaveLength(0)
  })

  it('an unknown sender is rejected and counted; the view does not change', async () => {
    const { peers } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const r = createRainTreeRouter({ selfAddress: peers[0]!.address, transport: t, peers })
    await r.start()
    const before = r.view.toArray()
    const stranger = generateIdentity()
    const drops: RainTreeDropEvent[] = []
    r.events.on('drop', d => { drops.push(d) })
    let delivered = 0
    r.events.on('message', () => { delivered++ })
    await t.handler!(encodeRainTreeMessage({ level: 2, data: envelope() }), { address: stranger.address, publicKey: stranger.publicKeyHex })
    expect(drops.map(d => [d.reason, d.from, d.error.name])).toEqual([['unknownSender', stranger.address, 'RainTreeDropError']])
    expect(r.stats.dropped.unknownSender).toBe(1)
    expect(r.stats.reads).toBe(0)
    expect(delivered).toBe(0)
    expect(t.sent).toHaveLength(0)
    expect(r.view.toArray()).toEqual(before)
    expect(r.getPeerstore().has(stranger.address)).toBe(false)
  })

  it('acceptFromUnknownPeers delivers but neither propagates nor changes the view', async () => {
    const { peers } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const r = createRainTreeRouter({ selfAddress: peers[0]!.address, transport: t, peers, acceptFromUnknownPeers: true })
    await r.start()
    const stranger = generateIdentity()
    let delivered = 0
    r.events.on('message', () => { delivered++ })
    await t.handler!(encodeRainTreeMessage({ level: 2, data: envelope(), rangeSize: 9 }), { address: stranger.address, publicKey: stranger.publicKeyHex })
    expect(delivered).toBe(1)
    expect(t.sent).toHaveLength(0)
    expect(r.getPeerstore().size).toBe(9)
    expect(r.view.length).toBe(9)
  })

  it('drops undecodable messages, non-envelope data and empty data, each with a typed event', async () => {
    const { peers, senders } = staked(4)
    const t = new FakeTransport(peers[0]!.address)
    const r = createRainTreeRouter({ selfAddress: peers[0]!.address, transport: t, peers, maxMessageBytes: 1000 })
    await r.start()
    await t.handler!(Uint8Array.of(0x0a, 0xff), senders[1]!) // truncated length-delimited field
    await t.handler!(encodeRainTreeMessage({ level: 1, data: Uint8Array.of(0x0a, 0x05, 1) }), senders[1]!)
    await t.handler!(encodeRainTreeMessage({ level: 1, data: new Uint8Array() }), senders[1]!)
    await t.handler!(new Uint8Array(1001), senders[1]!)
    expect(r.stats.dropped).toEqual({ decode: 1, envelope: 2, unknownSender: 0, tooLarge: 1 })
    expect(r.stats.reads).toBe(0)
  })

  it('a client-only node (self not staked) delivers but never propagates', async () => {
    const { peers, senders } = staked(9)
    const me = testIdentity(7)
    const t = new FakeTransport(me.address)
    const r = createRainTreeRouter({ selfAddress: me.address, transport: t, peers })
    await r.start()
    await t.handler!(encodeRainTreeMessage({ level: 2, data: envelope(), rangeSize: 9 }), senders[1]!)
    expect(r.stats.delivered).toBe(1)
    expect(t.sent).toHaveLength(0)
  })
})

describe('client-only originator in complete mode', () => {
  it('hands the three thirds of the staked view to their heads, view index 0 included', async () => {
    const { peers } = staked(20)
    const client = testIdentity(9999)
    const t = new FakeTransport(client.address)
    const c = createRainTreeRouter({ selfAddress: client.address, transport: t, peers })
    expect(c.view.containsSelf).toBe(false)
    await c.start()
    await c.broadcast(envelope())
    const { decodeRainTreeMessage } = await import('@pokt-p2p/types')
    const got = t.sent.map(s => [c.view.indexOf(s.to), decodeRainTreeMessage(s.bytes).rangeSize])
    expect(got).toEqual([[0, 7], [7, 7], [14, 6]])
    expect(c.view.at(0)).not.toBe(client.address)
  })
})

describe('router API', () => {
  async function two (): Promise<{ r: RainTreeRouter, t: FakeTransport, peers: Peer[] }> {
    const { peers } = staked(3)
    const t = new FakeTransport(peers[0]!.address)
    const r = createRainTreeRouter({ selfAddress: peers[0]!.address, transport: t, peers })
    await r.start()
    return { r, t, peers }
  }

  it('send to self is a no-op; send to an unknown address throws UnknownPeerError', async () => {
    const { r, t, peers } = await two()
    await r.send(envelope(), peers[0]!.address)
    expect(t.sent).toHaveLength(0)
    await expect(r.send(envelope(), generateIdentity().address)).rejects.toBeInstanceOf(UnknownPeerError)
    await r.send(envelope(), peers[2]!.address)
    expect(t.sent).toHaveLength(1)
    expect(r.stats.writes).toBe(1)
  })

  it('broadcast and send before start throw NotStartedError', async () => {
    const { peers } = staked(3)
    const r = createRainTreeRouter({ selfAddress: peers[0]!.address, transport: new FakeTransport(peers[0]!.address), peers })
    await expect(r.broadcast(envelope())).rejects.toBeInstanceOf(NotStartedError)
    await expect(r.send(envelope(), peers[1]!.address)).rejects.toBeInstanceOf(NotStartedError)
  })

  it('start registers and stop unregisters the protocol handler, idempotently', async () => {
    const { r, t } = await two()
    expect(t.handler).toBeDefined()
    await r.start()
    await r.stop()
    expect(t.handler).toBeUndefined()
    await r.stop()
    expect(r.isStarted()).toBe(false)
    expect(r.protocol).toBe(RAINTREE_PROTOCOL_ID)
    expect(RAINTREE_PROTOCOL_ID).toBe('pokt/raintree/v1.0.0')
  })

  it('a failed send is counted and reported, not thrown from broadcast', async () => {
    const { r, t, peers } = await two()
    t.failFor.add(peers[1]!.address)
    const errors: RainTreeSendErrorEvent[] = []
    r.events.on('send-error', e => { errors.push(e) })
    await r.broadcast(envelope())
    expect(errors.map(e => [e.to, e.error.name])).toEqual([[peers[1]!.address, 'PeerUnreachableError']])
    expect(r.stats).toMatchObject({ writes: 1, sendFailures: 1 })
    await expect(r.send(envelope(), peers[1]!.address)).rejects.toBeInstanceOf(PeerUnreachableError)
    expect(r.stats.sendFailures).toBe(2)
  })

  it('addPeer/removePeer update the view and maxNumLevels; repeats are no-ops', async () => {
    const { peers } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const r = createRainTreeRouter({ selfAddress: peers[0]!.address, transport: t, peers })
    expect(r.maxNumLevels).toBe(2)
    const extra = createPeer(generateIdentity().publicKey)
    await r.addPeer(extra)
    await r.addPeer(extra)
    expect(r.view.length).toBe(10)
    expect(r.maxNumLevels).toBe(maxNumLevels(10))
    expect(r.maxNumLevels).toBe(3)
    expect(r.view.indexOf(extra.address)).toBeGreaterThan(0)
    expect(r.view.at(0)).toBe(peers[0]!.address)
    await r.removePeer(extra.address)
    await r.removePeer(extra.address)
    expect(r.view.toArray()).toEqual(peers.map(p => p.address))
    expect(r.maxNumLevels).toBe(2)
  })

  it('rejects an unknown mode', () => {
    expect(() => createRainTreeRouter({ selfAddress: 'a', transport: new FakeTransport('a'), peers: [], mode: 'x' as 'complete' }))
      .toThrow(/unknown RainTree mode/)
  })
})
