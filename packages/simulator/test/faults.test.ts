/**
 * Faults against a model: in complete mode every node has exactly one parent in the broadcast tree of
 * `simulateBroadcast` (the views do not change when nodes fail), so who is reached follows from the tree.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { simulateBroadcast } from '@pokt-p2p/raintree'
import { planFaults, resolveOptions, simulate, type SimulationReport, type TraceRow } from '../src/index.js'

/** parent[g] in the complete-mode tree from `originator` (−1 for the originator) */
function tree (n: number, originator = 0): Int32Array {
  const parent = new Int32Array(n).fill(-1)
  simulateBroadcast(n, originator, 'complete', { onSend: (from, to) => { parent[to] = from } })
  return parent
}

/** hop of each node in the tree */
function depthOf (parent: Int32Array, g: number): number {
  let h = 0
  for (let x = g; parent[x]! >= 0; x = parent[x]!) h++
  return h
}

/** Who the model says is reached, and who received: a node receives if its parent forwarded; it forwards if it received and is in neither set. */
function model (parent: Int32Array, dead: Set<number>, crashOnReceive: Set<number>) {
  const n = parent.length
  const order = Array.from({ length: n }, (_, g) => g).sort((a, b) => depthOf(parent, a) - depthOf(parent, b))
  const received = new Uint8Array(n)
  const forwards = new Uint8Array(n)
  let failedSends = 0
  for (const g of order) {
    const p = parent[g]!
    if (p < 0) { received[g] = 1; forwards[g] = 1; continue }
    if (forwards[p] !== 1) continue
    if (dead.has(g)) { failedSends++; continue }
    received[g] = 1
    if (!crashOnReceive.has(g)) forwards[g] = 1
  }
  const reached = received.reduce((s, x) => s + x, 0)
  const crashed = [...crashOnReceive].filter(g => received[g] === 1).length
  return { reached, failedSends, live: n - dead.size - crashed, liveReached: reached - crashed, dataMessages: reached - 1 }
}

function nodesIn (trace: readonly TraceRow[] | undefined, state: TraceRow['state']): number[] {
  return (trace ?? []).filter(r => r.state === state).map(r => r.node)
}

describe('dead nodes', () => {
  it('10 % dead (drawn by the seed), complete mode: their subtrees are unreached, exactly as the tree says', async () => {
    const n = 500
    const report = await simulate({ nodes: n, dead: 0.1, latency: 50, trace: true })
    const dead = nodesIn(report.trace, 'dead')
    expect(dead).toHaveLength(50)
    expect(dead).not.toContain(0)
    const m = model(tree(n), new Set(dead), new Set())
    expect({ reached: report.reached, live: report.live, liveReached: report.liveReached, failedSends: report.failedSends, dataMessages: report.dataMessages })
      .toEqual({ reached: m.reached, live: m.live, liveReached: m.liveReached, failedSends: m.failedSends, dataMessages: m.dataMessages })
    // some live nodes are unreached, so no p100 (nor, here, p99)
    expect(report.liveReached).toBeLessThan(report.live)
    expect(report.coverageMs.p100).toBeNull()
  })

  it('a list of dead nodes: a top-level subtree root takes its subtree with it', async () => {
    const n = 243
    const parent = tree(n)
    const root = [...parent.keys()].find(g => parent[g] === 0 && [...parent].filter(p => p === g).length > 3)!
    const report = await simulate({ nodes: n, dead: [root], trace: true })
    const m = model(parent, new Set([root]), new Set())
    expect(report.reached).toBe(m.reached)
    expect(report.reached).toBeLessThan(n - 4)
    expect(report.failedSends).toBe(1)
  })

  it('a send to a dead node fails one round trip later: the failure is the last event at 2 × latency', async () => {
    const n = 27
    const parent = tree(n)
    const leaf = [...parent.keys()].find(g => parent[g] === 0 && !parent.includes(g))!
    const report = await simulate({ nodes: n, dead: [leaf], latency: 30 })
    expect(report.failedSends).toBe(1)
    expect(report.reached).toBe(n - 1)
    expect(report.virtualMs).toBe(Math.max(60, report.depth * 30))
  })
})

describe('crashes', () => {
  it('crash after receive: such nodes count as reached but not live, and forward nothing', async () => {
    const n = 400
    const report = await simulate({ nodes: n, crashAfterReceive: 0.05, trace: true })
    const planned = planFaults(resolveOptions({ nodes: n, crashAfterReceive: 0.05 })).crashAfterReceive
    expect(planned).toHaveLength(20)
    const m = model(tree(n), new Set(), new Set(planned))
    expect({ reached: report.reached, live: report.live, liveReached: report.liveReached, dataMessages: report.dataMessages })
      .toEqual({ reached: m.reached, live: m.live, liveReached: m.liveReached, dataMessages: m.dataMessages })
    // those that crashed had the message but wrote nothing
    for (const g of nodesIn(report.trace, 'crashed')) {
      expect(planned).toContain(g)
      expect(report.trace?.[g]).toMatchObject({ writes: 0, reads: 1, hop: expect.any(Number) })
    }
  })

  it('a crash at a virtual time before the message arrives: the node and its subtree are lost', async () => {
    const n = 243
    const parent = tree(n)
    const root = [...parent.keys()].find(g => parent[g] === 0 && parent.includes(g))!
    const report = await simulate({ nodes: n, latency: 50, crashes: [{ node: root, atMs: 25 }], trace: true })
    const m = model(parent, new Set([root]), new Set())
    expect(report.reached).toBe(m.reached)
    expect(report.live).toBe(n - 1)
    expect(report.undeliveredMessages).toBe(1)
    expect(report.failedSends).toBe(0)
    expect(report.trace?.[root]).toMatchObject({ state: 'crashed', hop: null, reads: 0 })
  })

  it('a crash after the node forwarded: its subtree is reached, the node is reached but not live', async () => {
    const n = 243
    const parent = tree(n)
    const root = [...parent.keys()].find(g => parent[g] === 0 && parent.includes(g))!
    const report = await simulate({ nodes: n, latency: 50, crashes: [{ node: root, atMs: 75 }], trace: true })
    expect(report.reached).toBe(n)
    expect(report.live).toBe(n - 1)
    expect(report.liveReached).toBe(n - 1)
    expect(report.coverageMs.p100).toBe(report.depth * 50)
    expect(report.trace?.[root]).toMatchObject({ state: 'crashed', hop: 1, firstMs: 50 })
  })
})

describe('views that differ', () => {
  it('nodes missing peers drop the messages of senders they do not know (read, not reached)', async () => {
    const n = 200
    const report = await simulate({ nodes: n, viewMiss: { peers: 20, fraction: 0.5 }, trace: true })
    const plan = planFaults(resolveOptions({ nodes: n, viewMiss: { peers: 20, fraction: 0.5 } })).viewMiss
    expect(plan.size).toBe(100)
    for (const [node, missing] of plan) {
      expect(new Set(missing).size).toBe(20)
      expect(missing).not.toContain(node)
    }
    const readNotReached = (report.trace ?? []).filter(r => r.reads > 0 && r.hop === null)
    expect(readNotReached.length).toBeGreaterThan(0)
    for (const r of readNotReached) expect(plan.has(r.node)).toBe(true)
    expect(report.reached).toBeLessThan(n)
    // the routers said why: a sender they do not know
    expect(report.dropped.unknownSender).toBeGreaterThanOrEqual(readNotReached.length)
    expect(report.dropped).toEqual({ ...report.dropped, tooLarge: 0, decode: 0, empty: 0, envelope: 0, nonce: 0, internal: 0 })
  })

  it('peers: 0 changes nothing', async () => {
    const a = await simulate({ nodes: 100, viewMiss: { peers: 0, fraction: 1 }, viewExtra: { peers: 0, fraction: 1 } })
    const b = await simulate({ nodes: 100 })
    expect([a.reached, a.dataMessages, a.depth]).toEqual([b.reached, b.dataMessages, b.depth])
  })

  it('nodes holding phantom peers send to them, and those sends fail like sends to dead nodes', async () => {
    const n = 200
    const report = await simulate({ nodes: n, viewExtra: { peers: 10, fraction: 1 }, latency: 10 })
    expect(report.failedSends).toBeGreaterThan(0)
    expect(report.undeliveredMessages).toBe(0)
    expect(report.live).toBe(n)
    expect(report.reached).toBeLessThan(n)
  })
})

describe('invariants under random faults', () => {
  it('a range that comes after a leaf copy is propagated and counted as a duplicate (CI counterexample)', async () => {
    // with phantom peers in most views, one node was first a leaf (no range) and then got a range: it propagated
    // that range without delivering again, and the read was once counted nowhere
    const report = await simulate({
      nodes: 75, seed: 780744525, latency: { kind: 'uniform', minMs: 1, maxMs: 40 }, viewExtra: { peers: 1, fraction: 0.98 }
    })
    expect(report.duplicates).toBe(1)
    expect(report.deliveries).toBe(report.reached - 1)
    const dropped = Object.values(report.dropped).reduce((s, x) => s + x, 0)
    expect(report.deliveries + report.duplicates + dropped).toBe(report.dataMessages - report.lostMessages - report.undeliveredMessages)
  })

  it('a reference-mode replay is a delivery, not a duplicate: every read is counted once (CI counterexample)', async () => {
    // a node that missed one peer took the message at two levels and sent two targets the same level twice; each
    // target's second copy is a replay: delivered, not propagated (it was once counted as a duplicate too)
    const report = await simulate({
      nodes: 82, mode: 'reference', seed: 268515540, latency: 20, viewMiss: { peers: 1, fraction: 0.006097560975609756 }
    })
    expect(report.replays).toBe(2)
    expect(report.duplicates).toBe(0)
    const dropped = Object.values(report.dropped).reduce((s, x) => s + x, 0)
    expect(report.deliveries + report.duplicates + dropped).toBe(report.dataMessages - report.lostMessages - report.undeliveredMessages)
  })

  it('the counts add up, the originator is live and reached at hop 0, and one seed gives one report', async () => {
    await fc.assert(fc.asyncProperty(
      fc.record({
        nodes: fc.integer({ min: 1, max: 150 }),
        dead: fc.double({ min: 0, max: 0.5, noNaN: true }),
        crashAfterReceive: fc.double({ min: 0, max: 0.3, noNaN: true }),
        loss: fc.double({ min: 0, max: 0.3, noNaN: true }),
        viewMiss: fc.option(fc.record({ peers: fc.integer({ min: 0, max: 5 }), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }), { nil: null }),
        viewExtra: fc.option(fc.record({ peers: fc.integer({ min: 0, max: 5 }), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }), { nil: null }),
        mode: fc.constantFrom('reference' as const, 'complete' as const),
        seed: fc.nat(),
        latency: fc.oneof(fc.constant(0), fc.constant(20), fc.constant({ kind: 'uniform' as const, minMs: 1, maxMs: 40 })),
        uploadMbps: fc.constantFrom(null, 1, 100)
      }),
      async (options) => {
        const nodes = options.nodes
        const viewMiss = options.viewMiss === null ? null : { ...options.viewMiss, peers: Math.min(options.viewMiss.peers, nodes - 1) }
        const viewExtra = options.viewExtra === null ? null : { ...options.viewExtra, peers: Math.min(options.viewExtra.peers, nodes) }
        const report: SimulationReport = await simulate({ ...options, viewMiss, viewExtra, trace: true })
        const trace = report.trace ?? []
        const sum = (f: (r: TraceRow) => number): number => trace.reduce((s, r) => s + f(r), 0)
        expect(sum(r => r.writes)).toBe(report.dataMessages + report.controlMessages)
        expect(sum(r => r.reads)).toBe(report.dataMessages - report.lostMessages - report.undeliveredMessages)
        expect(sum(r => r.uploadBytes)).toBe(report.bytes)
        // every read is delivered or dropped by its router (one that crashes on receipt handles that read first)
        const dropped = Object.values(report.dropped).reduce((s, x) => s + x, 0)
        expect(sum(r => r.reads)).toBe(report.deliveries + report.duplicates + dropped)
        expect(trace.filter(r => r.state === 'live')).toHaveLength(report.live)
        expect(trace.filter(r => r.hop !== null)).toHaveLength(report.reached)
        expect(trace.filter(r => r.hop !== null && r.state === 'live')).toHaveLength(report.liveReached)
        expect(trace.filter(r => r.state === 'dead')).toHaveLength(Math.min(nodes - 1, Math.round(options.dead * nodes)))
        expect(trace[0]).toMatchObject({ state: 'live', hop: 0, firstMs: 0 })
        expect(report.depth).toBe(Math.max(0, ...trace.map(r => r.hop ?? 0)))
        const again = await simulate({ ...options, viewMiss, viewExtra, trace: true })
        expect(again.trace).toEqual(report.trace)
      }), { numRuns: 40 })
  })
})
