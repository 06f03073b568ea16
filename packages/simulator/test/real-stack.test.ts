/**
 * Against the in-process network of `@pokt-p2p/testing` (another `MessageTransport`, delaying each message through a
 * `Clock`): driven by the simulator's virtual clock, the same routers give the same counts and the same coverage
 * curve (every node's first delivery at the same virtual time: tolerance 0), for N = 27 and 100, fixed and per-link
 * latencies.
 */
import { describe, expect, it } from '@jest/globals'
import { MemoryMetrics, StakedSet, createAny, encodePocketEnvelope } from '@pokt-p2p/types'
import { InProcessNetwork } from '@pokt-p2p/testing'
import { RAINTREE_METRICS, rainTree, type RainTreeMode } from '@pokt-p2p/raintree'
import { Engine, Links, PAYLOAD_TYPE_URL, VirtualClock, latencyOption, simulate, syntheticPeers, type LatencyModel } from '../src/index.js'

/** One broadcast over the in-process network in virtual time: each node's first delivery time, and the totals. */
async function inProcess (n: number, mode: RainTreeMode, latency: LatencyModel, seed: number) {
  const engine = new Engine()
  const clock = new VirtualClock(engine)
  const peers = syntheticPeers(n)
  const set = StakedSet.from(peers)
  const index = new Map(peers.map((p, i) => [p.address, i]))
  const links = new Links(n, { latency: latencyOption('latency', latency), uploadMbps: null, downloadMbps: null, seed })
  const net = new InProcessNetwork({ clock, latencyMs: (from, to) => links.latency(index.get(from)!, index.get(to)!) })
  const metrics = new MemoryMetrics()
  const firstMs: Array<number | null> = peers.map((_, i) => (i === 0 ? 0 : null))
  const routers = peers.map((p, i) => {
    // ACKs and clean-up off, as the simulator's default (the bare tree; the router's own defaults turn both on):
    // data messages alone are compared
    const router = rainTree({ mode, ack: false, cleanup: false })({ selfAddress: p.address, transport: net.createTransport(p), peers: set, clock, metrics })
    router.events.on('message', () => { firstMs[i] ??= clock.now() })
    return router
  })
  await Promise.all(routers.map(async r => { await r.start() }))
  const payload = encodePocketEnvelope(createAny(PAYLOAD_TYPE_URL, new Uint8Array(1024)), 1n)
  const broadcast = routers[0]!.broadcast(payload)
  await engine.run()
  await broadcast
  await net.idle()
  await Promise.all(routers.map(async r => { await r.stop() }))
  return {
    firstMs,
    messages: net.stats.messages,
    writes: metrics.value(RAINTREE_METRICS.writes),
    reached: firstMs.filter(t => t !== null).length
  }
}

describe('the simulator and the in-process network agree (virtual time)', () => {
  const cases: Array<[number, RainTreeMode, LatencyModel]> = [
    [27, 'complete', 50], [100, 'complete', 50], [27, 'reference', 50], [100, 'reference', 50],
    [27, 'complete', { kind: 'uniform', minMs: 5, maxMs: 95 }], [100, 'complete', { kind: 'uniform', minMs: 5, maxMs: 95 }],
    [100, 'reference', { kind: 'uniform', minMs: 5, maxMs: 95 }]
  ]
  it.each(cases)('N = %i, %s mode, latency %j: the same counts and the same first-delivery time at every node', async (n, mode, latency) => {
    const seed = 5
    const sim = await simulate({ nodes: n, mode, latency, seed, trace: true })
    const ref = await inProcess(n, mode, latency, seed)
    expect(sim.dataMessages).toBe(ref.messages)
    expect(sim.dataMessages).toBe(ref.writes)
    expect(sim.reached).toBe(ref.reached)
    expect(sim.trace?.map(r => r.firstMs)).toEqual(ref.firstMs)
  })
})
