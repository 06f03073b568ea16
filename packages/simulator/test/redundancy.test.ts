/**
 * The RainTree router's redundancy layer measured in the simulator: the originator's copies are counted apart (class
 * `redundancy`), they cost exactly the copies the router plans and nothing else, and they only ever add reach.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createAny, encodePocketEnvelope, encodeRainTreeMessage } from '@pokt-p2p/types'
import { maxNumLevels, planBroadcast, planRedundancy } from '@pokt-p2p/raintree'
import { PAYLOAD_TYPE_URL, formatReport, simulate } from '../src/index.js'

/** How many copies a complete-mode originator sends among N nodes with identical views. */
function copiesOf (nodes: number, maxCopies?: number): number {
  const tree = planBroadcast({ length: nodes }, 'complete', maxNumLevels(nodes)).map(s => s.index)
  return planRedundancy(nodes, tree, maxCopies).length
}

/** Bytes of one copy of the simulator's broadcast. */
function copyBytes (payloadBytes: number): number {
  const data = encodePocketEnvelope(createAny(PAYLOAD_TYPE_URL, new Uint8Array(payloadBytes)), 1n)
  return encodeRainTreeMessage({ level: 0, data, rangeSize: 1 }).length
}

describe('redundancy in the simulator', () => {
  it.each([27, 100, 1000])('no faults, N = %i: N − 1 tree messages and the planned copies, counted apart; every node delivers once', async (nodes) => {
    const off = await simulate({ nodes, latency: 10 })
    const r = await simulate({ nodes, latency: 10, redundancy: true })
    const copies = copiesOf(nodes)
    expect(copies).toBeGreaterThan(0)
    expect(r.liveReached).toBe(nodes)
    expect(r.deliveries).toBe(nodes - 1)
    expect(r.messagesByClass).toEqual({ data: nodes - 1, redundancy: copies })
    expect(r.dataMessages).toBe(nodes - 1 + copies)
    expect(r.controlMessages).toBe(0)
    expect(r.controlBytes).toBe(0)
    expect(r.bytesByClass.redundancy).toBe(copies * copyBytes(1024))
    expect(r.bytesByClass.data).toBe(off.bytes)
    expect(r.originatorUploadBytes).toBe(off.originatorUploadBytes + copies * copyBytes(1024))
    // the copies go out beside the tree: full coverage no later than without them
    expect(r.coverageMs.p100!).toBeLessThanOrEqual(off.coverageMs.p100!)
    expect(formatReport(r)).toContain(`(${copies} redundancy copies)`)
    expect(formatReport(r)).toContain('; redundancy on')
  })

  it('with ACKs: the copies ask for none (N − 1 ACKs), and the tree is the same', async () => {
    const r = await simulate({ nodes: 1000, latency: 10, ack: true, redundancy: { maxCopies: 50 } })
    expect(r.messagesByClass).toEqual({ ack: 999, data: 999, redundancy: 50 })
    expect(r.deliveries).toBe(999)
  })

  it('off, a cap of 0, or reference mode: no copy, and no class for them', async () => {
    for (const options of [{}, { redundancy: { maxCopies: 0 } }]) {
      const r = await simulate({ nodes: 100, latency: 10, ...options })
      expect(r.messagesByClass).toEqual({ data: 99 })
    }
    const reference = await simulate({ nodes: 100, latency: 10, mode: 'reference' })
    const withIt = await simulate({ nodes: 100, latency: 10, mode: 'reference', redundancy: true })
    expect(withIt.messagesByClass).toEqual(reference.messagesByClass)
    expect(withIt.bytes).toBe(reference.bytes)
  })

  it('the copies only add reach: 10 % dead without ACKs, 20 seeds', async () => {
    let gained = 0
    for (let seed = 1; seed <= 20; seed++) {
      const options = { nodes: 1000, dead: 0.1, latency: 10, seed }
      const off = await simulate(options)
      const on = await simulate({ ...options, redundancy: true })
      expect([seed, on.liveReached >= off.liveReached]).toEqual([seed, true])
      gained += on.liveReached - off.liveReached
    }
    expect(gained).toBeGreaterThan(0)
  })

  it('a cap of N or more is the specification\'s whole list: every node but the tree\'s targets gets a copy', async () => {
    const r = await simulate({ nodes: 100, latency: 10, redundancy: { maxCopies: 100 } })
    const tree = planBroadcast({ length: 100 }, 'complete', maxNumLevels(100)).length
    expect(r.messagesByClass).toEqual({ data: 99, redundancy: 99 - tree })
    expect(r.deliveries).toBe(99)
  })

  it('property: random N, originator and cap, no faults — every node once, N − 1 + copies data messages', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 2000 }).chain(n => fc.tuple(
        fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.option(fc.integer({ min: 0, max: 2100 }), { nil: undefined })
      )),
      fc.integer({ min: 0, max: 50 }),
      async ([nodes, originator, maxCopies], latency) => {
        const r = await simulate({ nodes, originator, latency, redundancy: maxCopies === undefined ? true : { maxCopies } })
        const copies = copiesOf(nodes, maxCopies)
        expect(r.liveReached).toBe(nodes)
        expect(r.deliveries).toBe(nodes - 1)
        expect(r.dataMessages).toBe(nodes - 1 + copies)
        expect(r.messagesByClass.redundancy ?? 0).toBe(copies)
      }
    ), { numRuns: 60 })
  }, 120_000)
})
