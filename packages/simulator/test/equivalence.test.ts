/**
 * With no faults and zero latency the simulator runs the real routers to the same outcome as the pure core's
 * `simulateBroadcast` (messages, reach, depth, per-node reads, writes and hops) and as the Go reference's tables.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { simulateBroadcast, type RainTreeMode } from '@pokt-p2p/raintree'
import { simulate } from '../src/index.js'
import { loadReferenceTables } from './helpers.js'

const MODES: RainTreeMode[] = ['reference', 'complete']

describe('no faults, zero latency: the same as simulateBroadcast', () => {
  it.each(MODES)('every N in 1..300, %s mode: messages, reach, depth, and per node reads, writes and hop', async (mode) => {
    const mismatches: string[] = []
    for (let n = 1; n <= 300; n++) {
      const report = await simulate({ nodes: n, mode, trace: true })
      const core = simulateBroadcast(n, 0, mode)
      const trace = report.trace ?? []
      const same = report.dataMessages === core.messages && report.reached === core.reached && report.depth === core.depth &&
        report.controlMessages === 0 && trace.length === n && report.deliveries === core.messages &&
        trace.every((row, g) => row.reads === core.reads[g] && row.writes === core.writes[g] &&
          row.hop === (core.hops[g]! >= 0 ? core.hops[g] : null))
      if (!same) mismatches.push(`N=${n}`)
    }
    expect(mismatches).toEqual([])
  })

  it('a few other originators (N = 100, 243, 300; both modes)', async () => {
    for (const [n, originator] of [[100, 37], [243, 242], [300, 150]] as const) {
      for (const mode of MODES) {
        const report = await simulate({ nodes: n, originator, mode, trace: true })
        const core = simulateBroadcast(n, originator, mode)
        expect({ messages: report.dataMessages, reached: report.reached, depth: report.depth })
          .toEqual({ messages: core.messages, reached: core.reached, depth: core.depth })
        expect(report.trace?.map(r => [r.reads, r.writes])).toEqual([...core.reads].map((reads, g) => [reads, core.writes[g]]))
      }
    }
  })

  it('the reference tables (Go implementation), reference mode', async () => {
    const tables = loadReferenceTables()
    expect(tables.map(t => t.nodes)).toEqual([1, 2, 3, 4, 9, 12, 18, 27])
    for (const t of tables) {
      const report = await simulate({ nodes: t.nodes, originator: t.originator - 1, mode: 'reference', trace: true })
      expect(report.dataMessages).toBe(t.totalMessages)
      expect(report.trace?.map(r => ({ index: r.node + 1, reads: r.reads, writes: r.writes }))).toEqual(t.perNode)
    }
  })

  it('each node is reached at virtual time 0 and the report has no coverage in ticks (no latency)', async () => {
    const report = await simulate({ nodes: 50, trace: true })
    expect(report.trace?.every(r => r.firstMs === 0)).toBe(true)
    expect(report.coverageMs).toEqual({ p50: 0, p90: 0, p99: 0, p100: 0 })
    expect(report.ticks).toEqual({ p50: null, p90: null, p99: null, p100: null })
  })
})

describe('properties', () => {
  it('no faults ⇒ complete mode reaches every node with N − 1 data messages, depth ≤ ⌈log₃ N⌉, whatever the latency', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 200 }).chain(n => fc.tuple(fc.constant(n), fc.nat(n - 1))),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 }), fc.record({ kind: fc.constant('uniform' as const), minMs: fc.constant(5), maxMs: fc.integer({ min: 5, max: 80 }) })),
      fc.nat(),
      async ([n, originator], latency, seed) => {
        const report = await simulate({ nodes: n, originator, latency, seed })
        expect(report.reached).toBe(n)
        expect(report.liveReached).toBe(n)
        expect(report.dataMessages).toBe(n - 1)
        expect(report.failedSends).toBe(0)
        expect(report.depth).toBeLessThanOrEqual(Math.ceil(Math.log(n) / Math.log(3) - 1e-9))
        expect(report.coverageMs.p100).not.toBeNull()
      }), { numRuns: 60 })
  })

  it('a fixed latency L makes every first delivery a multiple of L: hop · L', async () => {
    const report = await simulate({ nodes: 200, latency: 40, trace: true })
    for (const row of report.trace ?? []) expect(row.firstMs).toBe((row.hop ?? 0) * 40)
    expect(report.coverageMs.p100).toBe(report.depth * 40)
    expect(report.ticks.p100).toBe(report.depth)
  })
})
