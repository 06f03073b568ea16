/**
 * The redundancy layer (`redundancy` option): the originator of a complete-mode broadcast also sends level-0 copies
 * (range 1: delivered, never propagated) to up to `maxCopies` other nodes of its view, spread evenly. Over the
 * in-process network (real routers, real sends) and, for the receive rules, a router fed by hand. Complete mode
 * de-duplicates in the router (`pokt_raintree_delivered_total` moves once per message per node, and the `message`
 * event fires once): that is where "the application gets it once" is checked. (The p2p module's inbound
 * de-duplicator, by nonce, is a second guard above every router.)
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  MemoryMetrics, RainTreeControl, StakedSet, createPeer, decodeRainTreeMessage, encodeRainTreeMessage, type Identity,
  type InboundMessageHandler, type MessageTransport, type Peer, type RemoteSender
} from '@pokt-p2p/types'
import { InProcessNetwork, ManualClock, testIdentities, waitFor } from '@pokt-p2p/testing'
import {
  RAINTREE_METRICS, forEachBroadcastTarget, maxNumLevels, planBroadcast, planRedundancy, rainTree,
  type RainTreeInit, type RainTreeRouter, type RainTreeSendFailedEvent
} from '../src/index.js'
import { envelope, sortedIdentities } from './helpers.js'

const FAST = { initialTimeoutMs: 50, minTimeoutMs: 50, maxTimeoutMs: 200 }
const STREAM = 'pokt/raintree/v2.0.0'

interface Net {
  routers: Array<RainTreeRouter | undefined>
  metrics: MemoryMetrics[]
  delivered: number[]
  net: InProcessNetwork
  /** the view index (= node index, for node 0) of every data message node 0 sent, in send order, with its fields */
  originatorSends: Array<{ to: number, level: number, rangeSize: number, ackRequested: boolean }>
}

/**
 * N staked nodes on one in-process network; `dead` nodes have no transport (a send to one fails). `ids` defaults to
 * the first N of the reference harness's keys.
 */
async function network (
  n: number, init: RainTreeInit, options: { dead?: number[], ids?: Identity[], clock?: ManualClock } = {}
): Promise<Net> {
  const ids = options.ids ?? sortedIdentities(n)
  const peers: Peer[] = ids.map(id => createPeer(id.publicKey))
  const index = new Map(peers.map((p, i) => [p.address, i]))
  const net = new InProcessNetwork()
  const metrics = ids.map(() => new MemoryMetrics())
  const delivered = ids.map(() => 0)
  const originatorSends: Net['originatorSends'] = []
  const routers = ids.map((id, i) => {
    if (options.dead?.includes(i) === true) return undefined
    const transport = net.createTransport({ address: id.address, publicKey: id.publicKeyHex })
    if (i === 0) {
      const sendTo = transport.sendTo.bind(transport)
      transport.sendTo = async (peer, protocols, bytes, opts) => {
        if (bytes[0] !== 0x20) {
          const m = decodeRainTreeMessage(bytes)
          originatorSends.push({ to: index.get(peer.address)!, level: m.level, rangeSize: m.rangeSize, ackRequested: m.ackRequested })
        }
        return await sendTo(peer, protocols, bytes, opts)
      }
    }
    // ACK off unless a test asks for it: these count the tree's messages and the copies (ACKs have their own tests)
    const router = rainTree({ ack: false, ...init })({ selfAddress: id.address, transport, peers, metrics: metrics[i], ...(options.clock === undefined ? {} : { clock: options.clock }) })
    router.events.on('message', () => { delivered[i]!++ })
    return router
  })
  await Promise.all(routers.map(async r => { await r?.start() }))
  return { routers, metrics, delivered, net, originatorSends }
}

const total = (metrics: MemoryMetrics[], name: string, label?: string): number =>
  metrics.reduce((s, m) => s + m.value(name, label), 0)

/** The view indices of node 0's tree sends in complete mode (its view is the node order). */
function treeTargets (n: number): number[] {
  return planBroadcast({ length: n }, 'complete', maxNumLevels(n)).map(s => s.index)
}

describe('the copies\' targets (pure core)', () => {
  it('N = 27: as many as the tree sends, spread evenly over the 20 other nodes', () => {
    expect(treeTargets(27)).toEqual([9, 18, 3, 6, 1, 2])
    expect(planRedundancy(27, treeTargets(27), undefined)).toEqual([5, 11, 14, 17, 22, 25])
    expect(planRedundancy(27, treeTargets(27), 2)).toEqual([11, 22])
    expect(planRedundancy(27, treeTargets(27), 0)).toEqual([])
    // a cap of N or more: the specification's whole list, but for the tree's own targets
    expect(planRedundancy(27, treeTargets(27), 1000)).toEqual(
      Array.from({ length: 26 }, (_, i) => i + 1).filter(i => !treeTargets(27).includes(i)))
  })

  it('tiny views: nothing to copy to when the tree already sends to everyone', () => {
    for (let n = 1; n <= 3; n++) expect(planRedundancy(n, treeTargets(n), 100)).toEqual([])
    expect(planRedundancy(4, treeTargets(4), 100)).toEqual([]) // 1, 2, 3 are all tree targets
    expect(treeTargets(5)).toEqual([2, 4, 1])
    expect(planRedundancy(5, treeTargets(5), 100)).toEqual([3])
  })

  it('a client-only originator: index 0 is a candidate', () => {
    const targets: number[] = []
    forEachBroadcastTarget(27, 'complete', maxNumLevels(27), index => { targets.push(index) }, false)
    expect(targets).toEqual([0, 9, 18])
    expect(planRedundancy(27, targets, 3, false)).toEqual([5, 14, 23])
    expect(planRedundancy(4, [0, 2, 3], 5, false)).toEqual([1])
  })

  it('any view, cap and targets: distinct, increasing, never the originator nor a tree target, min(cap, candidates) of them, evenly spread', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5000 }), fc.option(fc.integer({ min: 0, max: 6000 }), { nil: undefined }), fc.boolean(),
      (n, cap, selfInView) => {
        const targets: number[] = []
        forEachBroadcastTarget(n, 'complete', maxNumLevels(n), index => { targets.push(index) }, selfInView)
        const copies = planRedundancy(n, targets, cap, selfInView)
        const start = selfInView ? 1 : 0
        const candidates = n - start - new Set(targets).size
        expect(copies).toHaveLength(Math.min(cap ?? targets.length, candidates))
        const taken = new Set(targets)
        // (plain checks in the loops: an expect per copy would make this the slowest test of the package)
        copies.forEach((index, k) => {
          if (index < start || index >= n || taken.has(index) || (k > 0 && index <= copies[k - 1]!)) {
            throw new Error(`copy ${k} at ${index}: ${JSON.stringify(copies)}`)
          }
        })
        // evenly: between two copies (or a copy and an end of the view) at most ⌈C / m⌉ candidates and the tree's
        // targets, so a lost range longer than that holds a copy
        if (copies.length > 0) {
          const gap = Math.ceil(candidates / copies.length) + targets.length
          const edges = [start - 1, ...copies, n]
          for (let k = 1; k < edges.length; k++) {
            if (edges[k]! - edges[k - 1]! > gap + 1) throw new Error(`a gap of ${edges[k]! - edges[k - 1]!} > ${gap + 1}`)
          }
        }
      }
    ), { numRuns: 300 })
  })
})

describe('redundancy over the in-process network', () => {
  it('no faults, N = 27: the tree\'s 26 messages and 6 copies (level 0, range 1, no ACK asked), tree first; every node delivers once', async () => {
    const { routers, metrics, delivered, net, originatorSends } = await network(27, { redundancy: true })
    await routers[0]!.broadcast(envelope('redundancy no faults'))
    await net.idle()
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(net.stats.messages).toBe(26 + 6)
    expect(total(metrics, RAINTREE_METRICS.writes)).toBe(32)
    expect(metrics[0]!.value(RAINTREE_METRICS.redundancy, 'sent')).toBe(6)
    expect(metrics[0]!.value(RAINTREE_METRICS.redundancy, 'failed')).toBe(0)
    // the copies are duplicates of nothing: each copy holder delivers it, and its tree copy is the duplicate
    expect(total(metrics, RAINTREE_METRICS.duplicates)).toBe(6)
    expect(total(metrics, RAINTREE_METRICS.delivered)).toBe(26)
    // the tree's six sends first, then the copies
    expect(originatorSends.map(s => s.to)).toEqual([9, 18, 3, 6, 1, 2, 5, 11, 14, 17, 22, 25])
    expect(originatorSends.slice(6).every(s => s.level === 0 && s.rangeSize === 1 && !s.ackRequested)).toBe(true)
    await Promise.all(routers.map(async r => { await r?.stop() }))
  })

  it('N = 100: copies that reach a range head before its tree copy do not swallow its range', async () => {
    const ids = testIdentities(100, { first: 3000 })
    const copies = planRedundancy(100, treeTargets(100), undefined)
    const { routers, metrics, delivered, net } = await network(100, { redundancy: true }, { ids })
    await routers[0]!.broadcast(envelope('redundancy heads'))
    await net.idle()
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
    expect(net.stats.messages).toBe(99 + copies.length)
    // some of the copies went to nodes that hand a range on (they sent messages themselves)
    const heads = copies.filter(i => metrics[i]!.value(RAINTREE_METRICS.writes) > 0)
    expect(heads.length).toBeGreaterThan(0)
    await Promise.all(routers.map(async r => { await r?.stop() }))
  })

  it('off, or a cap of 0: not one copy', async () => {
    for (const redundancy of [false, { maxCopies: 0 }]) {
      const { routers, net, metrics } = await network(27, { redundancy })
      await routers[0]!.broadcast(envelope('redundancy off'))
      await net.idle()
      expect(net.stats.messages).toBe(26)
      expect(metrics[0]!.value(RAINTREE_METRICS.redundancy, 'sent')).toBe(0)
      await Promise.all(routers.map(async r => { await r?.stop() }))
    }
  })

  it('without ACKs, a dead range head loses its range but for the copies in it', async () => {
    // node 9 heads [9, 18); copies go to 5, 11, 14, 17, 22, 25
    const { routers, delivered, net } = await network(27, { redundancy: true }, { dead: [9] })
    await routers[0]!.broadcast(envelope('redundancy dead head'))
    await net.idle()
    const reached = delivered.flatMap((d, i) => (d > 0 ? [i] : []))
    expect(reached.filter(i => i >= 9 && i < 18)).toEqual([11, 14, 17])
    expect(delivered.every(d => d <= 1)).toBe(true)
    expect(reached).toHaveLength(26 - 9 + 3)
    await Promise.all(routers.map(async r => { await r?.stop() }))
  })

  it('with ACKs, a range adjusted onto a copy holder is ACKed and propagated by it: every live node once', async () => {
    // 18 dead: the originator fans the rest of [18, 27) out itself, and 22, which holds a copy, gets [22, 25)
    const dead = [18]
    const { routers, metrics, delivered, net } = await network(27, { redundancy: true, ack: FAST }, { dead })
    await routers[0]!.broadcast(envelope('redundancy adjust'))
    await waitFor(() => delivered.every((d, i) => i === 0 || dead.includes(i) || d === 1), { what: 'every live node' })
    await net.idle()
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 || dead.includes(i) ? 0 : 1)))
    expect(metrics[0]!.value(RAINTREE_METRICS.adjusts)).toBe(1)
    // 22 ACKed the range (the copy asked for none) and handed 23 and 24 their parts
    expect(metrics[22]!.value(RAINTREE_METRICS.acks, 'sent')).toBe(1)
    expect(metrics[22]!.value(RAINTREE_METRICS.writes)).toBe(2)
    await Promise.all(routers.map(async r => { await r?.stop() }))
  })

  it('a copy that cannot be sent is counted, logged and reported, never thrown', async () => {
    // 5 is a copy target (not a tree target): its send fails
    const { routers, metrics, delivered, net } = await network(27, { redundancy: true }, { dead: [5] })
    const failed: RainTreeSendFailedEvent[] = []
    routers[0]!.events.on('send:failed', e => { failed.push(e) })
    await expect(routers[0]!.broadcast(envelope('redundancy failed copy'))).resolves.toBeUndefined()
    await net.idle()
    expect(metrics[0]!.value(RAINTREE_METRICS.redundancy, 'failed')).toBe(1)
    expect(metrics[0]!.value(RAINTREE_METRICS.redundancy, 'sent')).toBe(5)
    expect(metrics[0]!.value(RAINTREE_METRICS.sendFailures)).toBe(1)
    expect(failed.map(e => e.level)).toEqual([0])
    // 5 is a leaf of 3, which fails to send to it too; everyone else has it once
    expect(delivered.filter((d, i) => i !== 0 && i !== 5)).toEqual(Array(25).fill(1))
    await Promise.all(routers.map(async r => { await r?.stop() }))
  })

  it('with clean-up, a copy holder inside a lost range walks and repairs from there', async () => {
    // no ACKs, 9 dead: [10, 18) is lost but for the copies at 11, 14, 17. 8 repairs 10 (skipping dead 9) and hears
    // "have" from 11; each holder repairs the run to its right and stops at the next holder: 12 and 13 from 11,
    // 15 and 16 from 14; 17 hears "have" from 18
    const clock = new ManualClock()
    const dead = [9]
    const { routers, metrics, delivered, net } = await network(27, { redundancy: true, cleanup: { delayMs: 20 } }, { dead, clock })
    await routers[0]!.broadcast(envelope('redundancy cleanup'))
    await net.idle()
    expect(delivered.filter(d => d === 1)).toHaveLength(26 - 9 + 3)
    clock.advance(20)
    await waitFor(() => delivered.every((d, i) => i === 0 || dead.includes(i) || d === 1), { what: 'every live node' })
    await waitFor(() => total(metrics, RAINTREE_METRICS.cleanup, 'repaired') === 5, { what: 'five repairs ACKed' })
    await net.idle()
    expect(delivered).toEqual(routers.map((_, i) => (i === 0 || dead.includes(i) ? 0 : 1)))
    expect(total(metrics, RAINTREE_METRICS.cleanup, 'want')).toBe(5)
    // every holder walked (how many nodes each asks depends on which walk gets where first: a repair after another
    // hands on twice the range, and gap checks ask back to the left)
    for (const i of [11, 14, 17]) expect(metrics[i]!.value(RAINTREE_METRICS.cleanup, 'query_sent')).toBeGreaterThanOrEqual(1)
    await Promise.all(routers.map(async r => { await r?.stop() }))
  })

  it('reference mode ignores it: the same bytes to the same peers as without it', async () => {
    const sent = async (redundancy: boolean): Promise<string[]> => {
      const ids = sortedIdentities(27)
      const peers = ids.map(id => createPeer(id.publicKey))
      const log: string[] = []
      const transport: MessageTransport = {
        localAddress: ids[0]!.address,
        handle: () => {},
        unhandle: () => {},
        sendTo: async (peer, protocols, bytes) => {
          log.push(`${peer.address}:${Buffer.from(bytes).toString('hex')}`)
          return [protocols].flat().at(-1) as string
        }
      }
      const r = rainTree({ mode: 'reference', redundancy })({ selfAddress: ids[0]!.address, transport, peers })
      await r.start()
      await r.broadcast(fixed)
      await r.stop()
      return log
    }
    const fixed = envelope('redundancy reference')
    const off = await sent(false)
    expect(off.length).toBeGreaterThan(0)
    expect(await sent(true)).toEqual(off)
  })

  it('bad options are refused, naming the field', () => {
    const [id] = sortedIdentities(1)
    const transport = new InProcessNetwork().createTransport({ address: id!.address, publicKey: id!.publicKeyHex })
    const make = (redundancy: unknown): unknown =>
      rainTree({ redundancy: redundancy as RainTreeInit['redundancy'] })({ selfAddress: id!.address, transport, peers: [] })
    expect(() => make({ maxCopies: -1 })).toThrow(/invalid redundancy.maxCopies/)
    expect(() => make({ maxCopies: 1.5 })).toThrow(/invalid redundancy.maxCopies/)
    expect(() => make({ maxCopies: Number.POSITIVE_INFINITY })).toThrow(/invalid redundancy.maxCopies/)
    expect(() => make('yes')).toThrow(/invalid redundancy/)
    expect(() => make({ maxCopies: 0 })).not.toThrow()
  })
})

/** A router fed by hand: its handlers (by protocol) and what it sends. */
async function fedByHand (n: number): Promise<{
  r: RainTreeRouter
  metrics: MemoryMetrics
  senders: RemoteSender[]
  feed: (bytes: Uint8Array, from: number, protocol?: string) => Promise<void>
  sent: Array<{ to: string, bytes: Uint8Array }>
  delivered: () => number
}> {
  const ids = sortedIdentities(n)
  const peers = ids.map(id => createPeer(id.publicKey))
  const senders = ids.map(id => ({ address: id.address, publicKey: id.publicKeyHex }))
  const handlers = new Map<string, InboundMessageHandler>()
  const sent: Array<{ to: string, bytes: Uint8Array }> = []
  const transport: MessageTransport = {
    localAddress: ids[0]!.address,
    handle: (p, h) => { handlers.set(p, h) },
    unhandle: p => { handlers.delete(p) },
    sendTo: async (peer, protocols, bytes) => {
      sent.push({ to: peer.address, bytes })
      return [protocols].flat()[0] as string
    }
  }
  const metrics = new MemoryMetrics()
  // ACK off: a range is sent once, and what the router sends is the tree's messages alone
  const r = rainTree({ ack: false })({ selfAddress: ids[0]!.address, transport, peers: StakedSet.from(peers), metrics })
  let count = 0
  r.events.on('message', () => { count++ })
  await r.start()
  const feed = async (bytes: Uint8Array, from: number, protocol = STREAM): Promise<void> => {
    await handlers.get(protocol)!(bytes, senders[from]!, protocol)
  }
  return { r, metrics, senders, feed, sent, delivered: () => count }
}

describe('the receive rules: a copy is a copy, whatever the order', () => {
  it('the copy first, then the tree copy naming a range: the range is propagated (and ACKed), the message delivered once', async () => {
    const { metrics, feed, sent, delivered } = await fedByHand(27)
    const data = envelope('copy first')
    await feed(encodeRainTreeMessage({ level: 0, data, rangeSize: 1 }), 5)
    expect(delivered()).toBe(1)
    expect(sent).toHaveLength(0) // no ACK for a copy, which asks for none; nothing to propagate
    await feed(encodeRainTreeMessage({ level: 2, data, rangeSize: 9, ackRequested: true }), 20)
    expect(delivered()).toBe(1)
    const frames = sent.map(s => s.bytes[0] === 0x20 ? 'ack' : `range ${decodeRainTreeMessage(s.bytes).rangeSize}`)
    expect(frames).toEqual(['ack', 'range 3', 'range 3', 'range 1', 'range 1'])
    // not delivered again, so a duplicate (every read is delivered, a duplicate or dropped), though propagated
    expect(metrics.value(RAINTREE_METRICS.duplicates)).toBe(1)
    // a resend of that range, then another copy: duplicates, ACKed when asked, neither delivered nor propagated
    await feed(encodeRainTreeMessage({ level: 2, data, rangeSize: 9, ackRequested: true }), 20)
    await feed(encodeRainTreeMessage({ level: 0, data, rangeSize: 1 }), 5)
    expect(delivered()).toBe(1)
    expect(sent).toHaveLength(6)
    expect(decodeRainTreeMessage(sent[5]!.bytes).control).toBe(RainTreeControl.ACK)
    expect(metrics.value(RAINTREE_METRICS.duplicates)).toBe(3)
    expect(metrics.value(RAINTREE_METRICS.delivered)).toBe(1)
    expect(metrics.value(RAINTREE_METRICS.reads)).toBe(4)
  })

  it('the tree copy first, then the copy: the copy is a duplicate', async () => {
    const { metrics, feed, sent, delivered } = await fedByHand(27)
    const data = envelope('tree first')
    await feed(encodeRainTreeMessage({ level: 2, data, rangeSize: 9 }), 20)
    expect(sent).toHaveLength(4)
    await feed(encodeRainTreeMessage({ level: 0, data, rangeSize: 1 }), 5)
    expect(delivered()).toBe(1)
    expect(sent).toHaveLength(4)
    expect(metrics.value(RAINTREE_METRICS.duplicates)).toBe(1)
  })

  it('a leaf, then a repair: delivered once, nothing propagated', async () => {
    const { feed, sent, delivered } = await fedByHand(9)
    const data = envelope('leaf then repair')
    await feed(encodeRainTreeMessage({ level: 0, data, rangeSize: 1 }), 3)
    await feed(encodeRainTreeMessage({ level: 0, data, rangeSize: 1, ackRequested: true, repair: true }), 8)
    expect(delivered()).toBe(1)
    expect(sent.map(s => s.bytes[0])).toEqual([0x20]) // the repair's ACK
  })

  it('held copies of many messages are remembered apart (the last in a field, the others in a set)', async () => {
    const { feed, sent, delivered } = await fedByHand(27)
    const messages = Array.from({ length: 5 }, (_, i) => envelope(`held ${i}`))
    for (const data of messages) await feed(encodeRainTreeMessage({ level: 0, data, rangeSize: 1 }), 5)
    for (const data of messages) await feed(encodeRainTreeMessage({ level: 0, data, rangeSize: 1 }), 6)
    expect(delivered()).toBe(5)
    for (const data of messages) await feed(encodeRainTreeMessage({ level: 1, data, rangeSize: 3 }), 7)
    expect(delivered()).toBe(5)
    expect(sent).toHaveLength(5 * 2)
  })
})

describe('property: no faults ⇒ every node delivers exactly once, with N − 1 + copies data messages', () => {
  const ids = testIdentities(60, { first: 5000 })

  it('random N, originator and cap (ACKs on or off)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 60 }).chain(n => fc.tuple(
        fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.option(fc.integer({ min: 0, max: 70 }), { nil: undefined }), fc.boolean()
      )),
      async ([n, originator, maxCopies, ack]) => {
        const mine = ids.slice(0, n)
        const { routers, metrics, delivered, net } = await network(n, {
          redundancy: maxCopies === undefined ? true : { maxCopies },
          ack: ack ? { initialTimeoutMs: 60_000, minTimeoutMs: 60_000, maxTimeoutMs: 60_000 } : false
        }, { ids: mine })
        try {
          await routers[originator]!.broadcast(envelope(`property ${n} ${originator}`))
          await net.idle()
          // the originator's view is the node order rotated to it: its tree targets do not depend on where it is
          const tree = treeTargets(n)
          const copies = Math.min(maxCopies ?? tree.length, Math.max(0, n - 1 - tree.length))
          expect(delivered).toEqual(routers.map((_, i) => (i === originator ? 0 : 1)))
          expect(total(metrics, RAINTREE_METRICS.writes)).toBe(n - 1 + copies)
          expect(metrics[originator]!.value(RAINTREE_METRICS.redundancy, 'sent')).toBe(copies)
          expect(total(metrics, RAINTREE_METRICS.delivered)).toBe(n - 1)
        } finally {
          await Promise.all(routers.map(async r => { await r?.stop() }))
        }
      }
    ), { numRuns: 40 })
  })
})
