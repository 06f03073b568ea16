import { describe, expect, it } from '@jest/globals'
import {
  InvalidConfigError, MemoryMetrics, NotStartedError, PeerUnreachableError, PocketEnvelopeSchema, UnknownPeerError,
  MessageTooLargeError, create, createAny, createPeer, decodeRainTreeMessage, encodeRainTreeMessage, generateIdentity,
  testIdentity, toBinary, type InboundMessageHandler, type MessageTransport, type Metrics, type Peer, type RemoteSender,
  type RouterDropEvent, type RouterMessage
} from '@pokt-p2p/types'
import { InProcessNetwork } from '@pokt-p2p/testing'
import {
  RAINTREE_METRICS, RAINTREE_PROTOCOL_ID, RainTreeRouter, maxNumLevels, rainTree, type RainTreeComponents, type RainTreeInit,
  type RainTreeSendFailedEvent
} from '../src/index.js'
import { envelope, figures, inProcessRainTree, loadReferenceTables, sortedIdentities, type RainTreeFigures } from './helpers.js'

/** A transport that records sends and exposes the registered handler, for white-box tests. */
class FakeTransport implements MessageTransport {
  /** the handler of the last protocol registered (the reference's: the router registers it after its own) */
  handler: ((bytes: Uint8Array, from: RemoteSender) => void | Promise<void>) | undefined
  readonly sent: Array<{ to: string, bytes: Uint8Array }> = []
  log: string[] = []
  failFor = new Set<string>()
  constructor (readonly localAddress: string) {}
  handle (protocol: string, handler: InboundMessageHandler): void {
    this.handler = async (bytes, from) => { await handler(bytes, from, protocol) }
  }

  unhandle (): void { this.handler = undefined }
  /** Takes the last protocol offered: the reference's, whose peers never ACK (ACKs have tests of their own). */
  async sendTo (peer: Peer, protocols: string | readonly string[], bytes: Uint8Array): Promise<string> {
    this.log.push(`send:${peer.address}`)
    if (this.failFor.has(peer.address)) throw new PeerUnreachableError(peer.address, 'test')
    this.sent.push({ to: peer.address, bytes })
    return [protocols].flat().at(-1) as string
  }
}

function staked (n: number): { peers: Peer[], senders: RemoteSender[] } {
  const ids = sortedIdentities(n)
  return {
    peers: ids.map(id => createPeer(id.publicKey, '127.0.0.1:1')),
    senders: ids.map(id => ({ address: id.address, publicKey: id.publicKeyHex }))
  }
}

/** A router with its own `MemoryMetrics`; `stats()` reads what it counted. */
function make (
  components: Omit<RainTreeComponents, 'metrics'>, init: RainTreeInit = {}
): { r: RainTreeRouter, stats: () => RainTreeFigures } {
  const metrics = new MemoryMetrics()
  const r = rainTree(init)({ ...components, metrics })
  return { r, stats: () => figures(metrics) }
}

describe('reference mode over the in-process network: per-node {reads, writes} = the reference tables', () => {
  it.each(loadReferenceTables().map(t => [t.nodes, t] as const))('N=%i', async (n, table) => {
    const { net, routers, metrics } = await inProcessRainTree(n, 'reference')
    expect(routers[0]!.maxNumLevels).toBe(table.maxNumLevels)
    await routers[table.originator - 1]!.broadcast(envelope(`ref ${n}`))
    await net.idle()
    const got = metrics.map((m, i) => ({ index: i + 1, reads: figures(m).reads, writes: figures(m).writes }))
    expect(got).toEqual(table.perNode)
    expect(net.stats.messages).toBe(table.totalMessages)
    for (const m of metrics) {
      const s = figures(m)
      expect(s.sendFailures + s.dropped.decode + s.dropped.empty + s.dropped.envelope).toBe(0)
    }
  })
})

describe('complete mode over the in-process network', () => {
  it.each([8, 27, 100])('N=%i: every node exactly once, N-1 first copies, each ACKed (the default)', async n => {
    const { net, routers, metrics, delivered } = await inProcessRainTree(n, 'complete')
    await routers[0]!.broadcast(envelope(`complete ${n}`))
    await net.idle()
    const sum = (name: string, label?: string): number => metrics.reduce((s, m) => s + m.value(name, label), 0)
    // a resend (an ACK later than the timeout on a busy machine) is the ACK layer doing its job, not a fault: counted
    // apart, never delivered twice
    const resends = sum(RAINTREE_METRICS.resends)
    expect(sum(RAINTREE_METRICS.writes) - resends).toBe(n - 1)
    expect(sum(RAINTREE_METRICS.acks, 'sent')).toBe(n - 1 + resends)
    expect(net.stats.messages).toBe(2 * (n - 1 + resends))
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(metrics.map(m => figures(m).reads - m.value(RAINTREE_METRICS.duplicates))).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
  })

  it.each([8, 27, 100])('N=%i without ACKs: every node exactly once, N-1 messages', async n => {
    const { net, routers, metrics, delivered } = await inProcessRainTree(n, 'complete', { ack: false })
    await routers[0]!.broadcast(envelope(`complete ${n}`))
    await net.idle()
    expect(net.stats.messages).toBe(n - 1)
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(metrics.map(m => figures(m).reads)).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(metrics.reduce((s, m) => s + figures(m).writes, 0)).toBe(n - 1)
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
    const { r } = make({ selfAddress: peers[0]!.address, transport: t, peers })
    await r.start()
    await r.broadcast(envelope())
    const msgs = t.sent.map(s => ({ to: peers.findIndex(p => p.address === s.to), m: decodeRainTreeMessage(s.bytes) }))
    expect(msgs.map(({ to, m }) => [to, m.level, m.rangeSize])).toEqual([[3, 1, 3], [6, 1, 3], [1, 0, 1], [2, 0, 1]])
  })
})

describe('metrics: a broadcast moves the counters by exactly the simulator\'s figures', () => {
  it.each([[27, 'reference', 5], [30, 'reference', 11], [100, 'complete', 42]] as const)(
    'N=%i %s from node %i, then again from node 0',
    async (n, mode, originator) => {
      const { simulateBroadcast } = await import('../src/index.js')
      const { net, routers, metrics } = await inProcessRainTree(n, mode)
      for (const from of [originator, 0]) {
        const before = metrics.map(figures)
        await routers[from]!.broadcast(envelope(`metrics ${n} ${from}`))
        await net.idle()
        const after = metrics.map(figures)
        const moved = (key: 'reads' | 'writes' | 'delivered' | 'demotes'): number[] => after.map((s, i) => s[key] - before[i]![key])
        const sim = simulateBroadcast(n, from, mode)
        expect(moved('reads')).toEqual(Array.from(sim.reads))
        expect(moved('writes')).toEqual(Array.from(sim.writes))
        // no de-duplication in the router: every copy read is delivered
        expect(moved('delivered')).toEqual(Array.from(sim.reads))
        expect(moved('demotes').reduce((a, b) => a + b, 0)).toBe(sim.demotes)
        expect(after.map(s => s.sendFailures)).toEqual(routers.map(() => 0))
      }
      for (const m of metrics) expect(m.value('pokt_raintree_view_size')).toBe(n)
    })

  it('pokt_raintree_view_size follows addPeer and removePeer', async () => {
    const { peers } = staked(9)
    const metrics = new MemoryMetrics()
    const r = rainTree()({ selfAddress: peers[0]!.address, transport: new FakeTransport(peers[0]!.address), peers, metrics })
    expect(metrics.value('pokt_raintree_view_size')).toBe(9)
    const extra = createPeer(generateIdentity().publicKey)
    await r.addPeer(extra)
    expect(metrics.value('pokt_raintree_view_size')).toBe(10)
    await r.removePeer(extra.address)
    await r.removePeer(peers[3]!.address)
    expect(metrics.value('pokt_raintree_view_size')).toBe(8)
  })

  it('counts nothing without a metrics component, and works the same', async () => {
    const net = new InProcessNetwork()
    const ids = sortedIdentities(4)
    const peers = ids.map(id => createPeer(id.publicKey))
    const routers = ids.map(id => rainTree()({
      selfAddress: id.address, transport: net.createTransport({ address: id.address, publicKey: id.publicKeyHex }), peers
    }))
    await Promise.all(routers.map(async r => { await r.start() }))
    let delivered = 0
    routers.forEach(r => r.events.on('message', () => { delivered++ }))
    await routers[0]!.broadcast(envelope())
    await net.idle()
    expect(delivered).toBe(3)
  })
})

describe('receive path', () => {
  it('validates, then propagates, then delivers (reference order)', async () => {
    const { peers, senders } = staked(27)
    const t = new FakeTransport(peers[0]!.address)
    const { r, stats } = make({ selfAddress: peers[0]!.address, transport: t, peers }, { mode: 'reference' })
    await r.start()
    r.events.on('message', () => { t.log.push('deliver') })
    await t.handler!(encodeRainTreeMessage({ level: 3, data: envelope() }), senders[5]!)
    expect(t.log).toHaveLength(5)
    expect(t.log.slice(0, 4).every(x => x.startsWith('send:'))).toBe(true)
    expect(t.log[4]).toBe('deliver')
    expect(stats()).toMatchObject({ reads: 1, writes: 4, delivered: 1 })
  })

  it('the message event carries the envelope\'s nonce and content, decoded once by the router', async () => {
    const { peers, senders } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const { r } = make({ selfAddress: peers[0]!.address, transport: t, peers })
    await r.start()
    const got: RouterMessage[] = []
    r.events.on('message', m => { got.push(m) })
    const content = createAny('type.googleapis.com/test.Nonce', Uint8Array.of(7))
    const data = toBinary(PocketEnvelopeSchema, create(PocketEnvelopeSchema, { content, nonce: 42n }))
    await t.handler!(encodeRainTreeMessage({ level: 0, data }), senders[2]!)
    expect(got).toHaveLength(1)
    expect(got[0]!.nonce).toBe(42n)
    expect(got[0]!.content.typeUrl).toBe('type.googleapis.com/test.Nonce')
    expect(Array.from(got[0]!.content.value)).toEqual([7])
    expect(Buffer.from(got[0]!.data).equals(Buffer.from(data))).toBe(true)
  })

  it('a level above the local maximum is clamped, not wrapped', async () => {
    const { peers, senders } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const { r } = make({ selfAddress: peers[0]!.address, transport: t, peers }, { mode: 'reference' })
    await r.start()
    await t.handler!(encodeRainTreeMessage({ level: 0xffff_ffff, data: envelope() }), senders[1]!)
    // clamped to maxNumLevels = 2: L2 → 3, 6; L1 → 2, 4 (the reference would skip nothing... it sends nothing at the
    // wrapped level and continues at 0xfffffffe, …, i.e. effectively never)
    expect(t.sent.map(s => peers.findIndex(p => p.address === s.to))).toEqual([3, 6, 2, 4])
  })

  it('level 0 (send) is delivered, not propagated', async () => {
    const { peers, senders } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const { r } = make({ selfAddress: peers[0]!.address, transport: t, peers })
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
    const { r, stats } = make({ selfAddress: peers[0]!.address, transport: t, peers })
    await r.start()
    const before = r.view.toArray()
    const stranger = generateIdentity()
    const drops: RouterDropEvent[] = []
    r.events.on('drop', d => { drops.push(d) })
    let delivered = 0
    r.events.on('message', () => { delivered++ })
    await t.handler!(encodeRainTreeMessage({ level: 2, data: envelope() }), { address: stranger.address, publicKey: stranger.publicKeyHex })
    expect(drops.map(d => [d.reason, d.from, d.error.name])).toEqual([['unknownSender', stranger.address, 'MessageDroppedError']])
    expect(stats().dropped.unknownSender).toBe(1)
    expect(stats().reads).toBe(0)
    expect(delivered).toBe(0)
    expect(t.sent).toHaveLength(0)
    expect(r.view.toArray()).toEqual(before)
    expect(r.getPeerstore().has(stranger.address)).toBe(false)
  })

  it('acceptFromUnknownPeers delivers but neither propagates nor changes the view', async () => {
    const { peers } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const { r } = make({ selfAddress: peers[0]!.address, transport: t, peers }, { acceptFromUnknownPeers: true })
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

  it('a stranger\'s copy does not make the staked copy of the same message look like a duplicate', async () => {
    const { peers, senders } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const { r } = make({ selfAddress: peers[0]!.address, transport: t, peers }, { acceptFromUnknownPeers: true })
    await r.start()
    const stranger = generateIdentity()
    const bytes = encodeRainTreeMessage({ level: 2, data: envelope(), rangeSize: 9 })
    await t.handler!(bytes, { address: stranger.address, publicKey: stranger.publicKeyHex })
    expect(t.sent).toHaveLength(0)
    await t.handler!(bytes, senders[5]!)
    expect(t.sent.length).toBeGreaterThan(0)
  })

  it('drops undecodable messages, non-envelope data, empty data and a bad nonce, each with a typed event', async () => {
    const { peers, senders } = staked(4)
    const t = new FakeTransport(peers[0]!.address)
    const { r, stats } = make({ selfAddress: peers[0]!.address, transport: t, peers })
    await r.start()
    const drops: RouterDropEvent[] = []
    r.events.on('drop', d => { drops.push(d) })
    await t.handler!(Uint8Array.of(0x0a, 0xff), senders[1]!) // truncated length-delimited field
    await t.handler!(encodeRainTreeMessage({ level: 1, data: Uint8Array.of(0x0a, 0x05, 1) }), senders[1]!)
    await t.handler!(encodeRainTreeMessage({ level: 1, data: new Uint8Array() }), senders[1]!)
    const zeroNonce = toBinary(PocketEnvelopeSchema, create(PocketEnvelopeSchema, { content: createAny('type.googleapis.com/x') }))
    await t.handler!(encodeRainTreeMessage({ level: 1, data: zeroNonce }), senders[1]!)
    expect(stats().dropped).toEqual({ tooLarge: 0, decode: 1, empty: 1, envelope: 1, nonce: 1, unknownSender: 0, internal: 0 })
    expect(drops.map(d => [d.reason, d.from, d.error.name])).toEqual(['decode', 'envelope', 'empty', 'nonce']
      .map(reason => [reason, senders[1]!.address, 'MessageDroppedError']))
    expect(stats().reads).toBe(0)
    expect(t.sent).toHaveLength(0)
  })

  it('an oversized message is refused by the transport, which enforces the cap: the router never sees it', async () => {
    const net = new InProcessNetwork({ maxMessageBytes: 1000 })
    const ids = sortedIdentities(2)
    const peers = ids.map(id => createPeer(id.publicKey))
    const metrics = new MemoryMetrics()
    const r = rainTree()({
      selfAddress: ids[0]!.address, transport: net.createTransport({ address: ids[0]!.address, publicKey: ids[0]!.publicKeyHex }), peers, metrics
    })
    await r.start()
    const attacker = net.createTransport({ address: ids[1]!.address, publicKey: ids[1]!.publicKeyHex })
    await expect(attacker.sendTo(peers[0]!, RAINTREE_PROTOCOL_ID, new Uint8Array(1001))).rejects.toBeInstanceOf(MessageTooLargeError)
    await net.idle()
    const s = figures(metrics)
    expect(s.reads + s.delivered + Object.values(s.dropped).reduce((a, b) => a + b, 0)).toBe(0)
  })

  it('an unexpected exception while handling is dropped as internal, not decode, and never reaches the transport', async () => {
    const { peers, senders } = staked(4)
    const t = new FakeTransport(peers[0]!.address)
    const metrics = new MemoryMetrics()
    // a bug on this node: here, a counter that throws
    const broken = Object.assign(Object.create(metrics) as MemoryMetrics, {
      registerCounter: ((name: string) => name === 'pokt_raintree_reads_total'
        ? { increment () { throw new Error('boom') }, reset () {} }
        : metrics.registerCounter(name)) as Metrics['registerCounter']
    })
    const r = rainTree()({ selfAddress: peers[0]!.address, transport: t, peers, metrics: broken })
    await r.start()
    const drops: RouterDropEvent[] = []
    r.events.on('drop', d => { drops.push(d) })
    await expect(t.handler!(encodeRainTreeMessage({ level: 0, data: envelope() }), senders[1]!)).resolves.toBeUndefined()
    expect(drops.map(d => [d.reason, d.from])).toEqual([['internal', senders[1]!.address]])
    expect(drops[0]!.error.message).toMatch(/boom/)
    expect(figures(metrics).dropped).toMatchObject({ internal: 1, decode: 0 })
  })

  it('a client-only node (self not staked) delivers but never propagates', async () => {
    const { peers, senders } = staked(9)
    const me = testIdentity(7)
    const t = new FakeTransport(me.address)
    const { r, stats } = make({ selfAddress: me.address, transport: t, peers })
    await r.start()
    await t.handler!(encodeRainTreeMessage({ level: 2, data: envelope(), rangeSize: 9 }), senders[1]!)
    expect(stats().delivered).toBe(1)
    expect(t.sent).toHaveLength(0)
  })
})

describe('client-only originator in complete mode', () => {
  it('hands the three thirds of the staked view to their heads, view index 0 included', async () => {
    const { peers } = staked(20)
    const client = testIdentity(9999)
    const t = new FakeTransport(client.address)
    const { r: c } = make({ selfAddress: client.address, transport: t, peers })
    expect(c.view.containsSelf).toBe(false)
    await c.start()
    await c.broadcast(envelope())
    const got = t.sent.map(s => [c.view.indexOf(s.to), decodeRainTreeMessage(s.bytes).rangeSize])
    expect(got).toEqual([[0, 7], [7, 7], [14, 6]])
    expect(c.view.at(0)).not.toBe(client.address)
  })
})

describe('router API', () => {
  async function two (): Promise<{ r: RainTreeRouter, t: FakeTransport, peers: Peer[], stats: () => RainTreeFigures }> {
    const { peers } = staked(3)
    const t = new FakeTransport(peers[0]!.address)
    const { r, stats } = make({ selfAddress: peers[0]!.address, transport: t, peers })
    await r.start()
    return { r, t, peers, stats }
  }

  it('send to self is a no-op; send to an unknown address throws UnknownPeerError', async () => {
    const { r, t, peers, stats } = await two()
    await r.send(envelope(), peers[0]!.address)
    expect(t.sent).toHaveLength(0)
    await expect(r.send(envelope(), generateIdentity().address)).rejects.toBeInstanceOf(UnknownPeerError)
    await r.send(envelope(), peers[2]!.address)
    expect(t.sent).toHaveLength(1)
    expect(stats().writes).toBe(1)
  })

  it('broadcast and send before start throw NotStartedError', async () => {
    const { peers } = staked(3)
    const { r } = make({ selfAddress: peers[0]!.address, transport: new FakeTransport(peers[0]!.address), peers })
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

  it('concurrent start and stop settle in the last caller\'s state', async () => {
    const { peers } = staked(3)
    const t = new FakeTransport(peers[0]!.address)
    const { r } = make({ selfAddress: peers[0]!.address, transport: t, peers })
    await Promise.all([r.start(), r.start(), r.stop()])
    expect(r.isStarted()).toBe(false)
    expect(t.handler).toBeUndefined()
    await Promise.all([r.start(), r.start()])
    expect(r.isStarted()).toBe(true)
    expect(t.handler).toBeDefined()
  })

  it('a failed send is counted and reported, not thrown from broadcast', async () => {
    const { r, t, peers, stats } = await two()
    t.failFor.add(peers[1]!.address)
    const errors: RainTreeSendFailedEvent[] = []
    r.events.on('send:failed', e => { errors.push(e) })
    await r.broadcast(envelope())
    expect(errors.map(e => [e.to, e.error.name])).toEqual([[peers[1]!.address, 'PeerUnreachableError']])
    expect(errors[0]!.level).toEqual(expect.any(Number))
    expect(stats()).toMatchObject({ writes: 1, sendFailures: 1 })
    await expect(r.send(envelope(), peers[1]!.address)).rejects.toBeInstanceOf(PeerUnreachableError)
    expect(stats().sendFailures).toBe(2)
  })

  it('addPeer/removePeer update the view and maxNumLevels; repeats are no-ops', async () => {
    const { peers } = staked(9)
    const t = new FakeTransport(peers[0]!.address)
    const { r } = make({ selfAddress: peers[0]!.address, transport: t, peers })
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

  it('layers: ACK and clean-up on and redundancy off by default; ACK and clean-up need the stream protocol', () => {
    const t = new FakeTransport('x')
    const layers = (init: RainTreeInit): RainTreeRouter['layers'] => rainTree(init)({ selfAddress: 'x', transport: t, peers: [] }).layers
    expect(layers({})).toEqual({ ack: true, cleanup: true, redundancy: false })
    expect(layers({ ack: false, cleanup: false, redundancy: true })).toEqual({ ack: false, cleanup: false, redundancy: true })
    expect(layers({ ack: false, cleanup: true, redundancy: true })).toEqual({ ack: false, cleanup: true, redundancy: true })
    expect(layers({ streamProtocol: false })).toEqual({ ack: false, cleanup: false, redundancy: false })
    // (reference mode sends no complete-mode message: the layers act on the complete-mode messages it receives)
    expect(layers({ mode: 'reference', redundancy: true })).toEqual({ ack: true, cleanup: true, redundancy: false })
  })

  it('rejects an unknown mode', () => {
    expect(() => rainTree({ mode: 'x' as 'complete' })({ selfAddress: 'a', transport: new FakeTransport('a'), peers: [] }))
      .toThrow(/unknown RainTree mode/)
    expect(() => new RainTreeRouter({ selfAddress: 'a', transport: new FakeTransport('a'), peers: [] }, { mode: 'x' as 'complete' }))
      .toThrow(InvalidConfigError)
  })
})
