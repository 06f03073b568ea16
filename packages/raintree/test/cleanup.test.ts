/**
 * The clean-up layer (`cleanup` option, IGYW: "I got, you want?") over the in-process network: real routers, real
 * sends. The routers' time is a ManualClock: the clean-up delay passes when a test advances it, once the tree has
 * done its part, so the counts do not depend on how fast a loaded machine delivers (with real 20 ms delays, a
 * query could reach a node before its tree copy, and be answered "want").
 */
import { describe, expect, it } from '@jest/globals'
import {
  MemoryMetrics, RainTreeControl, StakedSet, checkEnvelope, createPeer, decodeRainTreeMessage, encodeRainTreeControl, type Peer
} from '@pokt-p2p/types'
import { InProcessNetwork, ManualClock, waitFor } from '@pokt-p2p/testing'
import { RAINTREE_METRICS, rainTree, type RainTreeInit, type RainTreeRouter } from '../src/index.js'
import { envelope, sortedIdentities } from './helpers.js'

const FAST = { initialTimeoutMs: 50, minTimeoutMs: 50, maxTimeoutMs: 200 }
const CLEANUP = { delayMs: 20 }

interface Net {
  routers: RainTreeRouter[]
  metrics: MemoryMetrics[]
  delivered: number[]
  /** control frames that reached each node on the reference protocol */
  v1Controls: number[]
  net: InProcessNetwork
  /** the routers' clock: nothing times out, and no clean-up starts, until it is advanced */
  clock: ManualClock
}

/**
 * N staked nodes on one in-process network, with clean-up on. `miss` gives nodes whose view misses some peers;
 * `referenceOnly` nodes speak only the reference protocol.
 */
async function network (n: number, options: { miss?: Map<number, number[]>, referenceOnly?: number[], init?: RainTreeInit, loseFirstQueryTo?: number } = {}): Promise<Net> {
  const ids = sortedIdentities(n)
  const peers: Peer[] = ids.map(id => createPeer(id.publicKey))
  const set = StakedSet.from(peers)
  const net = new InProcessNetwork()
  const clock = new ManualClock()
  const metrics = ids.map(() => new MemoryMetrics())
  const delivered = ids.map(() => 0)
  const v1Controls = ids.map(() => 0)
  const routers = ids.map((id, i) => {
    const transport = net.createTransport({ address: id.address, publicKey: id.publicKeyHex })
    const referenceOnly = options.referenceOnly?.includes(i) === true
    const init: RainTreeInit = { ack: FAST, cleanup: CLEANUP, ...options.init, ...(referenceOnly ? { streamProtocol: false } : {}) }
    const missing = options.miss?.get(i)
    const view = missing === undefined ? set : set.without(missing.map(m => peers[m]!.address))
    const router = rainTree(init)({ selfAddress: id.address, transport, peers: view, metrics: metrics[i], clock })
    router.events.on('message', () => { delivered[i]!++ })
    if (options.loseFirstQueryTo === i) {
      // the first clean-up query to reach this node is lost on the way
      const handle = transport.handle.bind(transport)
      let lost = false
      transport.handle = (protocol, handler) => {
        handle(protocol, (bytes, from, p) => {
          if (!lost && bytes.length === 11 && bytes[0] === 0x20) {
            lost = true
            return
          }
          return handler(bytes, from, p)
        })
      }
    }
    if (referenceOnly) {
      // what reaches the reference node's handler: a control frame starts with field 4 (0x20)
      const handle = transport.handle.bind(transport)
      transport.handle = (protocol, handler) => {
        handle(protocol, (bytes, from, p) => {
          if (bytes[0] === 0x20) v1Controls[i]!++
          return handler(bytes, from, p)
        })
      }
    }
    return router
  })
  await Promise.all(routers.map(async r => { await r.start() }))
  return { routers, metrics, delivered, v1Controls, net, clock }
}

const total = (metrics: MemoryMetrics[], name: string, label?: string): number =>
  metrics.reduce((s, m) => s + m.value(name, label), 0)

describe('clean-up (IGYW)', () => {
  it('no faults: every node asks its right neighbour once and hears "have"; no repair', async () => {
    const { routers, metrics, delivered, clock } = await network(27)
    await routers[0]!.broadcast(envelope('cleanup no faults'))
    await waitFor(() => delivered.every((d, i) => i === 0 || d === 1), { what: 'the tree' })
    clock.advance(CLEANUP.delayMs)
    await waitFor(() => total(metrics, RAINTREE_METRICS.cleanup, 'have') === 27, { what: '27 answers' })
    await Promise.all(routers.map(async r => { await r.stop() }))
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'query_sent')).toBe(27)
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'want')).toBe(0)
    expect(total(metrics, RAINTREE_METRICS.writes)).toBe(26)
  })

  it.each([false, true])('peers missing from the originator\'s view still get the message, one by a gap check (ACKs %s)', async (ack) => {
    // the originator misses 1 (its right neighbour: its walk asks 2, whose gap check asks 1) and 5 (asked by 4)
    const { routers, metrics, delivered, clock } = await network(27, { miss: new Map([[0, [1, 5]]]), init: { ack: ack ? FAST : false } })
    await routers[0]!.broadcast(envelope('cleanup view miss'))
    await waitFor(() => delivered.filter(d => d === 1).length === 24, { what: 'the tree: all but the two missed' })
    clock.advance(CLEANUP.delayMs)
    await waitFor(() => delivered.every((d, i) => i === 0 || d === 1), { what: 'every node' })
    await waitFor(() => total(metrics, RAINTREE_METRICS.cleanup, 'repaired') === 2, { what: 'two repairs ACKed' })
    await Promise.all(routers.map(async r => { await r.stop() }))
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'want')).toBe(2)
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'gave_up')).toBe(0)
  })

  it('a node missing from the views of both its neighbours is asked by the node a HAVE told of the skip', async () => {
    // every node but 2 misses 4, the originator and 4's neighbours 3 and 5 included: the tree never sends to 4, 3's
    // walk asks 5, and 5's gap check does not know 4 either. 2's walk hears 3's HAVE naming 5, and 2 knows 4 lies
    // between: later (a gap check of 5 would come first), it asks 4 itself
    const miss = new Map(Array.from({ length: 27 }, (_, i) => [i, [4]] as [number, number[]]).filter(([i]) => i !== 2 && i !== 4))
    const { routers, metrics, delivered, clock } = await network(27, { miss })
    await routers[0]!.broadcast(envelope('cleanup hidden from both neighbours'))
    await waitFor(() => delivered.filter(d => d === 1).length === 25, { what: 'the tree: all but 4' })
    clock.advance(CLEANUP.delayMs)
    await waitFor(() => total(metrics, RAINTREE_METRICS.cleanup, 'have') === 26, { what: 'every walk answered "have"' })
    expect(delivered[4]).toBe(0)
    // the later query: the clean-up delay and two answer timeouts (FAST: 50 ms before any round trip on this clock)
    clock.advance(CLEANUP.delayMs + 2 * FAST.initialTimeoutMs)
    await waitFor(() => delivered[4] === 1, { what: '4 repaired' })
    await waitFor(() => total(metrics, RAINTREE_METRICS.cleanup, 'repaired') === 1, { what: 'the repair ACKed' })
    await Promise.all(routers.map(async r => { await r.stop() }))
    expect(metrics[2]!.value(RAINTREE_METRICS.cleanup, 'skipped_asked')).toBe(1)
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'skipped_asked')).toBe(1)
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'want')).toBe(1)
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
  })

  it('one node missing from one view: its gap check repairs it, and the later query of the node left of them hears "have"', async () => {
    // 3 misses 4: 3's walk asks 5, whose gap check repairs 4 (if the tree has not reached it); 2 heard 3's HAVE
    // naming 5 and asks 4 later: "have", no second repair
    const { routers, metrics, delivered, clock } = await network(27, { miss: new Map([[3, [4]]]) })
    await routers[0]!.broadcast(envelope('cleanup one view miss'))
    await waitFor(() => delivered.filter(d => d === 1).length >= 25, { what: 'the tree' })
    clock.advance(CLEANUP.delayMs)
    await waitFor(() => delivered[4] === 1, { what: '4, by the tree or the gap check' })
    await waitFor(() => total(metrics, RAINTREE_METRICS.cleanup, 'have') >= 26, { what: 'the walks answered' })
    await waitFor(() => metrics[2]!.value(RAINTREE_METRICS.cleanup, 'have') === 1, { what: "3's answer to 2" })
    clock.advance(CLEANUP.delayMs + 2 * FAST.initialTimeoutMs)
    await waitFor(() => total(metrics, RAINTREE_METRICS.cleanup, 'skipped_asked') === 1, { what: "2's later query" })
    await waitFor(() => metrics[2]!.value(RAINTREE_METRICS.cleanup, 'have') === 2, { what: "4's answer to 2" })
    await Promise.all(routers.map(async r => { await r.stop() }))
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    // one copy reached 4 (the later query sent none: 4 had it)
    expect(metrics[4]!.value(RAINTREE_METRICS.duplicates)).toBe(0)
    expect(metrics[2]!.value(RAINTREE_METRICS.cleanup, 'want')).toBe(0)
  })

  it('a query that is lost is asked again before the walk moves on: the node is not skipped', async () => {
    // 5 is missed: its range head 3 does not know it (3's view misses 5), nor does 6, whose gap check would have
    // asked it. The walker, 4, loses its first query to 5: without asking again it would hear "have" from 6 and stop
    const { routers, metrics, delivered, clock } = await network(27, { miss: new Map([[3, [5]], [6, [5]]]), loseFirstQueryTo: 5 })
    await routers[0]!.broadcast(envelope('cleanup lost query'))
    await waitFor(() => delivered.filter(d => d === 1).length === 25, { what: 'the tree: all but 5' })
    clock.advance(CLEANUP.delayMs)
    // the answer timeouts pass on the manual clock: a step at a time until 5 has it (or the steps run out)
    for (let step = 0; step < 40 && delivered[5] === 0; step++) {
      await waitFor(() => total(metrics, RAINTREE_METRICS.cleanup, 'query_sent') > 0, { what: 'the walks' })
      clock.advance(FAST.minTimeoutMs)
      await new Promise(resolve => setImmediate(resolve))
    }
    await waitFor(() => delivered[5] === 1, { what: '5 repaired' })
    await Promise.all(routers.map(async r => { await r.stop() }))
    expect(metrics[4]!.value(RAINTREE_METRICS.cleanup, 'no_answer')).toBeGreaterThanOrEqual(1)
    expect(metrics[4]!.value(RAINTREE_METRICS.cleanup, 'want')).toBe(1)
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
  })

  it('a peer that speaks only the reference protocol is never sent a query, nor waited for', async () => {
    // 1 is the originator's right neighbour (the originator sent it data on v1: known), 10 a leaf's (not known)
    const referenceOnly = [1, 10, 18]
    const { routers, metrics, delivered, v1Controls, net, clock } = await network(27, { referenceOnly })
    await routers[0]!.broadcast(envelope('cleanup mixed'))
    await waitFor(() => delivered.every((d, i) => i === 0 || d === 1), { what: 'the tree' })
    clock.advance(CLEANUP.delayMs)
    // the 24 stream nodes' walks end: 2 at a reference node known from the data it was sent (no query), 22 at a
    // "have" (one of them after a reference node not known as such refused the stream protocol)
    await waitFor(() => total(metrics, RAINTREE_METRICS.cleanup, 'have') === 22, { what: 'the walks' })
    await net.idle()
    await Promise.all(routers.map(async r => { await r.stop() }))
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(v1Controls).toEqual(Array(27).fill(0))
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'query_sent')).toBe(22)
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'query_failed')).toBeLessThanOrEqual(referenceOnly.length)
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'no_answer')).toBe(0)
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'want')).toBe(0)
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'gave_up')).toBe(0)
    // reference nodes take no part: they ask no one
    expect(referenceOnly.map(i => metrics[i]!.value(RAINTREE_METRICS.cleanup, 'query_sent'))).toEqual([0, 0, 0])
  })

  it('stop cancels a clean-up that waits (a delay of a minute): no query after the stop', async () => {
    const { routers, metrics, delivered } = await network(9, { init: { cleanup: { delayMs: 60_000 } } })
    await routers[0]!.broadcast(envelope('cleanup stop'))
    await waitFor(() => delivered.every((d, i) => i === 0 || d === 1), { what: 'every node' })
    await Promise.all(routers.map(async r => { await r.stop() }))
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'query_sent')).toBe(0)
  })

  it('bad options are refused, naming the field', () => {
    const [id] = sortedIdentities(1)
    const transport = new InProcessNetwork().createTransport({ address: id!.address, publicKey: id!.publicKeyHex })
    const make = (cleanup: RainTreeInit['cleanup']): unknown => rainTree({ cleanup })({ selfAddress: id!.address, transport, peers: [] })
    expect(() => make({ delayMs: -1 })).toThrow(/invalid cleanup.delayMs/)
    expect(() => make({ maxProbes: 0 })).toThrow(/invalid cleanup.maxProbes/)
    expect(() => make({ retainMs: Number.NaN })).toThrow(/invalid cleanup.retainMs/)
    expect(() => make({ maxRetainedBytes: -1 })).toThrow(/invalid cleanup.maxRetainedBytes/)
    expect(() => make({ maxRetainedBytes: 1.5 })).toThrow(/invalid cleanup.maxRetainedBytes/)
  })

  it('a staked peer that keeps sending unasked WANTs gets one repair, not a copy per WANT', async () => {
    const ids = sortedIdentities(3)
    const peers: Peer[] = ids.map(id => createPeer(id.publicKey))
    const net = new InProcessNetwork()
    const clock = new ManualClock()
    const metrics = new MemoryMetrics()
    const origin = rainTree({ ack: FAST, cleanup: CLEANUP })({ selfAddress: ids[0]!.address, transport: net.createTransport({ address: ids[0]!.address, publicKey: ids[0]!.publicKeyHex }), peers, metrics, clock })
    await origin.start()
    // node 1 is staked but runs no router: it counts what reaches it, and sends what it likes
    const hostile = net.createTransport({ address: ids[1]!.address, publicKey: ids[1]!.publicKeyHex })
    const message = envelope('cleanup unasked')
    const check = checkEnvelope(message)
    if (!check.ok) throw check.error
    const { nonce } = check
    const originPeer = createPeer(ids[0]!.publicKey)
    let dataFrames = 0
    // it ACKs what it is sent, so the origin waits for nothing from it
    hostile.handle('pokt/raintree/v2.0.0', async (bytes) => {
      if (bytes[0] === 0x20) return
      dataFrames++
      await hostile.sendTo(originPeer, 'pokt/raintree/v2.0.0', encodeRainTreeControl(RainTreeControl.ACK, nonce))
    })
    // not awaited: it waits for node 2, which does not exist, on a clock that does not move (stop ends it)
    const broadcast = origin.broadcast(message)
    await waitFor(() => dataFrames === 1 && metrics.value(RAINTREE_METRICS.acks, 'received') === 1, { what: 'the tree copy, ACKed' })
    // one WANT after another, each once the previous one's repair (if any) was sent and ACKed
    for (let i = 1; i <= 5; i++) {
      await hostile.sendTo(originPeer, 'pokt/raintree/v2.0.0', encodeRainTreeControl(RainTreeControl.WANT, nonce))
      await waitFor(() => metrics.value(RAINTREE_METRICS.cleanup, 'want') === i, { what: `WANT ${i}` })
      await net.idle()
    }
    await origin.stop()
    await broadcast
    expect(dataFrames).toBe(2)
  })

  describe('the bytes kept for repairs are bounded (maxRetainedBytes), oldest first', () => {
    /**
     * A router with clean-up and a byte bound, and a staked peer (no router) that ACKs what it gets and counts the
     * data frames: an unasked WANT is repaired only from a message the router still keeps.
     */
    async function kept (maxRetainedBytes: number): Promise<{
      origin: RainTreeRouter, metrics: MemoryMetrics, clock: ManualClock, dataFrames: () => number,
      broadcast: (text: string) => Promise<bigint>, want: (nonce: bigint) => Promise<void>
    }> {
      const ids = sortedIdentities(2)
      const peers: Peer[] = ids.map(id => createPeer(id.publicKey))
      const net = new InProcessNetwork()
      const clock = new ManualClock()
      const metrics = new MemoryMetrics()
      const origin = rainTree({ ack: FAST, cleanup: { ...CLEANUP, maxRetainedBytes } })({
        selfAddress: ids[0]!.address, transport: net.createTransport({ address: ids[0]!.address, publicKey: ids[0]!.publicKeyHex }), peers, metrics, clock
      })
      await origin.start()
      const hostile = net.createTransport({ address: ids[1]!.address, publicKey: ids[1]!.publicKeyHex })
      const originPeer = createPeer(ids[0]!.publicKey)
      let frames = 0
      hostile.handle('pokt/raintree/v2.0.0', async (bytes) => {
        if (bytes[0] === 0x20) return
        frames++
        const m = decodeRainTreeMessage(bytes)
        const check = checkEnvelope(m.data)
        if (check.ok) await hostile.sendTo(originPeer, 'pokt/raintree/v2.0.0', encodeRainTreeControl(RainTreeControl.ACK, check.nonce))
      })
      return {
        origin,
        metrics,
        clock,
        dataFrames: () => frames,
        broadcast: async (text) => {
          const message = envelope(text)
          const check = checkEnvelope(message)
          if (!check.ok) throw check.error
          await origin.broadcast(message)
          await net.idle()
          return check.nonce
        },
        want: async (nonce) => {
          const wants = metrics.value(RAINTREE_METRICS.cleanup, 'want')
          await hostile.sendTo(originPeer, 'pokt/raintree/v2.0.0', encodeRainTreeControl(RainTreeControl.WANT, nonce))
          await waitFor(() => metrics.value(RAINTREE_METRICS.cleanup, 'want') === wants + 1, { what: 'the WANT' })
          await net.idle()
        }
      }
    }
    const KIB = 'x'.repeat(1000)

    it('three messages of ~1 KiB under a bound of 3.5 KiB: the fourth evicts the first, whose WANT gets nothing', async () => {
      const t = await kept(3500)
      const nonces: bigint[] = []
      for (let i = 0; i < 4; i++) nonces.push(await t.broadcast(`${i} ${KIB}`))
      expect(t.dataFrames()).toBe(4)
      await t.want(nonces[0]!)
      expect(t.dataFrames()).toBe(4)
      await t.want(nonces[3]!)
      expect(t.dataFrames()).toBe(5)
      await t.want(nonces[1]!)
      expect(t.dataFrames()).toBe(6)
      expect(t.metrics.value(RAINTREE_METRICS.cleanup, 'not_retained')).toBe(0)
      // the first was forgotten before its walk (the clock has not moved): a clean-up not made, counted
      expect(t.metrics.value(RAINTREE_METRICS.cleanup, 'evicted_unwalked')).toBe(1)
      // a message forgotten after its walk is not counted so
      t.clock.advance(CLEANUP.delayMs)
      await waitFor(() => t.metrics.value(RAINTREE_METRICS.cleanup, 'query_sent') === 3, { what: 'the three walks' })
      await t.broadcast(`4 ${KIB}`)
      expect(t.metrics.value(RAINTREE_METRICS.cleanup, 'evicted_unwalked')).toBe(1)
      await t.origin.stop()
    })

    it('a message larger than the bound is not kept: counted, no walk, no repair', async () => {
      const t = await kept(500)
      const nonce = await t.broadcast(`big ${KIB}`)
      expect(t.metrics.value(RAINTREE_METRICS.cleanup, 'not_retained')).toBe(1)
      t.clock.advance(CLEANUP.delayMs)
      await t.want(nonce)
      expect(t.dataFrames()).toBe(1)
      expect(t.metrics.value(RAINTREE_METRICS.cleanup, 'query_sent')).toBe(0)
      // a small one still is
      const small = await t.broadcast('small')
      await t.want(small)
      expect(t.dataFrames()).toBe(3)
      await t.origin.stop()
    })
  })
})
