/**
 * Issue 15 item 2: a kad-dht server answering FIND_NODE with 10,000 made-up peers (≈ 500 KB) froze the victim for
 * 30–57 s in kad-dht's routing-table queue and left every one of those peers in the background peerstore. Here a
 * real hostile DHT node (a libp2p node whose only protocol is our DHT's, on loopback TCP) answers a real background
 * router: the reply must be refused before kad-dht decodes it, and no DHT-named peer may enter the background
 * peerstore without a dial and identify.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { fuzzRuns, waitFor } from '@pokt-p2p/testing'
import { DEFAULT_DHT_PROTOCOL, type BackgroundRouter } from '../src/index.js'
import { DhtReplyMalformedError } from '../src/errors.js'
import { limitDhtReply, scanDhtReply, type DhtReplyRefusal } from '../src/peers/dht-limits.js'
import { bytesField, concat, findNodeReply, hostileDht, varint, varintField, type HostileDht } from './dht-wire.js'
import type { Stream } from '@libp2p/interface'
import { makeRouter, startNode, stopNode, type TestNode } from './helpers.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

/** A victim router whose only initial peer is `hostile`; started. */
async function victimOf (hostile: HostileDht, seed: number): Promise<{ victim: TestNode, router: BackgroundRouter, discovered: { count: number } }> {
  const victim = await startNode(seed)
  cleanup.push(async () => { await stopNode(victim) })
  const discovered = { count: 0 }
  victim.node.addEventListener('peer:discovery', () => { discovered.count++ })
  const router = makeRouter(victim, [hostile.peer])
  cleanup.push(async () => { await router.stop() })
  await router.start()
  return { victim, router, discovered }
}

describe('a hostile kad-dht server', () => {
  it('answering FIND_NODE with 10,000 made-up peers is refused before kad-dht reads a peer', async () => {
    const reply = findNodeReply(10_000)
    const hostile = await hostileDht(7001, DEFAULT_DHT_PROTOCOL, reply)
    cleanup.push(hostile.stop)
    const { victim, router, discovered } = await victimOf(hostile, 7002)
    const refused = (): number => victim.metrics.value('pokt_background_dht_replies_refused_total', 'too_large')
    // the router's own lookup (or kad-dht's self-query) asks the hostile node, its only routing-table entry
    await waitFor(() => refused() >= 1, { timeoutMs: 30_000, what: () => `a refused reply (answered ${hostile.answered})` })
    console.log(`reply of ${reply.length} bytes refused ${refused()} time(s)`)
    expect(hostile.answered).toBeGreaterThanOrEqual(1)
    // nothing of the reply went anywhere: not kad-dht's routing table, libp2p's peer store, nor the peerstore
    expect(discovered.count).toBeLessThanOrEqual(1) // the hostile node itself, announced by kad-dht's topology
    expect((await victim.node.peerStore.all()).length).toBeLessThanOrEqual(1)
    const dht = victim.node.services.dht as { routingTable: { size: number } }
    expect(dht.routingTable.size).toBeLessThanOrEqual(1)
    expect(router.getPeerstore().getPeerList().map(p => p.address)).toEqual([hostile.peer.address])
  }, 60_000)

  it('answering with more than dhtMaxReplyPeers small peers is refused too', async () => {
    const reply = findNodeReply(41) // ≈ 2.5 KB: under the byte limit
    const hostile = await hostileDht(7003, DEFAULT_DHT_PROTOCOL, reply)
    cleanup.push(hostile.stop)
    const { victim, router, discovered } = await victimOf(hostile, 7004)
    await waitFor(() => victim.metrics.value('pokt_background_dht_replies_refused_total', 'too_many_peers') >= 1,
      { timeoutMs: 30_000, what: () => `a refused reply (answered ${hostile.answered})` })
    expect(discovered.count).toBeLessThanOrEqual(1)
    expect(router.getPeerstore().size).toBe(1)
  }, 60_000)

  it('naming 20 peers that cannot be reached adds none of them to the background peerstore', async () => {
    const hostile = await hostileDht(7005, DEFAULT_DHT_PROTOCOL, findNodeReply(20))
    cleanup.push(hostile.stop)
    const { router, discovered } = await victimOf(hostile, 7006)
    // within the limits: kad-dht takes them and libp2p announces each as a discovery
    // (the 21st is the hostile node itself)
    await waitFor(() => discovered.count >= 21, { timeoutMs: 30_000, what: () => `21 discoveries (have ${discovered.count})` })
    expect(router.getPeerstore().getPeerList().map(p => p.address)).toEqual([hostile.peer.address])
  }, 60_000)
})

describe('scanDhtReply', () => {
  /** a random kad-dht-like message: fields of every wire type, peer fields (8, 9) among them */
  const field = fc.oneof(
    fc.record({ n: fc.integer({ min: 1, max: 20 }), v: fc.uint8Array({ maxLength: 60 }) }).map(({ n, v }) => ({ bytes: bytesField(n, v), peer: n === 8 || n === 9 })),
    fc.record({ n: fc.integer({ min: 1, max: 20 }), v: fc.nat() }).map(({ n, v }) => ({ bytes: varintField(n, v), peer: false })),
    fc.integer({ min: 1, max: 20 }).map(n => ({ bytes: Uint8Array.from([...varint(n * 8 + 1), 1, 2, 3, 4, 5, 6, 7, 8]), peer: false })),
    fc.integer({ min: 1, max: 20 }).map(n => ({ bytes: Uint8Array.from([...varint(n * 8 + 5), 1, 2, 3, 4]), peer: false }))
  )
  const message = fc.array(field, { maxLength: 50 }).map(fields => {
    const body = concat(fields.map(f => f.bytes))
    return { framed: concat([Uint8Array.from(varint(body.length)), body]), peers: fields.filter(f => f.peer).length }
  })

  it('counts the peer fields of any well-formed message, and nothing more', () => {
    fc.assert(fc.property(message, fc.uint8Array({ maxLength: 20 }), ({ framed, peers }, trailer) => {
      // bytes after the first message (a second message, garbage) do not count
      expect(scanDhtReply(concat([framed, trailer]))).toEqual({ complete: true, peers, length: framed.length })
    }))
  })

  it('waits for the rest of a message cut anywhere', () => {
    fc.assert(fc.property(message.chain(m => fc.tuple(fc.constant(m), fc.nat({ max: m.framed.length - 1 }))), ([{ framed }, cut]) => {
      expect(scanDhtReply(framed.subarray(0, cut))).toEqual({ complete: false })
    }))
  })

  it('never throws anything but DhtReplyMalformedError on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), bytes => {
      try {
        scanDhtReply(bytes)
      } catch (err) {
        expect(err).toBeInstanceOf(DhtReplyMalformedError)
      }
    }), { numRuns: fuzzRuns(5000) })
  })
})

describe('limitDhtReply', () => {
  /**
   * The stream side of a reply: only its 'message' events and abort matter here, so a bare EventTarget stands in for
   * the stream (the whole path runs against real nodes above); a second listener plays kad-dht's reader.
   */
  function feed (chunks: Uint8Array[], limits: { maxBytes: number, maxPeers: number }): { refusal?: DhtReplyRefusal, aborted: boolean, read: number } {
    const stream = new EventTarget() as EventTarget & { abort: (err: Error) => void }
    const out: { refusal?: DhtReplyRefusal, aborted: boolean, read: number } = { aborted: false, read: 0 }
    stream.abort = () => { out.aborted = true }
    limitDhtReply(stream as unknown as Stream, limits, err => { out.refusal = err })
    stream.addEventListener('message', evt => { out.read += (evt as Event & { data: Uint8Array }).data.length })
    for (const data of chunks) stream.dispatchEvent(Object.assign(new Event('message'), { data }))
    return out
  }

  /** `bytes` cut at the given points */
  function cut (bytes: Uint8Array, points: number[]): Uint8Array[] {
    const bounds = [0, ...points.map(p => p % (bytes.length + 1)), bytes.length].sort((a, b) => a - b)
    return bounds.slice(1).map((to, i) => bytes.subarray(bounds[i], to)).filter(c => c.length > 0)
  }

  it('refuses a reply naming more than maxPeers peers however it is chunked, and passes every byte of one that does not', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.array(fc.nat(), { maxLength: 8 }), (peers, maxPeers, points) => {
      const body = findNodeReply(peers)
      const framed = concat([Uint8Array.from(varint(body.length)), body])
      const chunks = cut(framed, points)
      expect(chunks.reduce((s, c) => s + c.length, 0)).toBe(framed.length)
      const r = feed(chunks, { maxBytes: Infinity, maxPeers })
      expect(r.refusal?.name).toBe(peers > maxPeers ? 'DhtReplyTooManyPeersError' : undefined)
      if (peers <= maxPeers) expect(r.read).toBe(framed.length)
      else expect(r.read).toBeLessThan(framed.length) // kad-dht never had the whole reply
    }), { numRuns: 300 })
  })

  it('never throws on arbitrary chunks, and past maxBytes always refuses', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), fc.integer({ min: 1, max: 400 }), (chunks, maxBytes) => {
      const r = feed(chunks, { maxBytes, maxPeers: 5 })
      const total = chunks.reduce((s, c) => s + c.length, 0)
      if (total > maxBytes) expect(r.refusal).toBeDefined()
      if (r.refusal === undefined) expect(r.read).toBe(total)
    }), { numRuns: fuzzRuns(2000) })
  })
})
