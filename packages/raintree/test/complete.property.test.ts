import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  ceilLog3, forEachBroadcastTarget, forEachPropagationTarget, maxNumLevels, simulateBroadcast, type SimulationResult
} from '../src/core/index.js'

/** Every complete-mode property at once; returns a description of the first violation, or undefined. */
function violation (sim: SimulationResult): string | undefined {
  const n = sim.nodes
  if (sim.reached !== n) return `reached ${sim.reached} of ${n}`
  if (sim.messages !== Math.max(0, n - 1)) return `${sim.messages} messages for N=${n}`
  if (sim.depth > ceilLog3(n)) return `depth ${sim.depth} > ceil(log3 ${n}) = ${ceilLog3(n)}`
  if (sim.maxSendsPerStep > 2) return `${sim.maxSendsPerStep} sends at one level`
  for (let g = 0; g < n; g++) {
    const want = g === sim.originator ? 0 : 1
    if (sim.reads[g] !== want) return `node ${g} read ${sim.reads[g]} copies`
  }
  return undefined
}

describe('complete mode: every node exactly once, N-1 messages, depth <= ceil(log3 N), <= 2 sends per level', () => {
  it('every N in 1..3000 from originator 0', () => {
    for (let n = 1; n <= 3000; n++) {
      const v = violation(simulateBroadcast(n, 0, 'complete'))
      if (v !== undefined) throw new Error(`N=${n}: ${v}`)
    }
  })

  it('every originator for every N <= 200', () => {
    for (let n = 1; n <= 200; n++) {
      for (let o = 0; o < n; o++) {
        const v = violation(simulateBroadcast(n, o, 'complete'))
        if (v !== undefined) throw new Error(`N=${n} originator ${o}: ${v}`)
      }
    }
  })

  it('random N up to 100,000, random originator', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 100_000 }).chain(n => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
      ([n, o]) => {
        const v = violation(simulateBroadcast(n, o, 'complete'))
        if (v !== undefined) throw new Error(v)
      }
    ), { numRuns: 60 })
  })

  it('depth is exactly k at N = 3^k; the originator sends at most 2 per level', () => {
    for (let k = 0; k <= 9; k++) expect(simulateBroadcast(3 ** k, 0, 'complete').depth).toBe(k)
    expect(simulateBroadcast(4, 0, 'complete').depth).toBe(1)
    for (const n of [2, 3, 4, 8, 9, 10, 27, 28, 100, 729, 2187, 2188]) {
      expect(simulateBroadcast(n, 0, 'complete').writes[0]).toBeLessThanOrEqual(2 * ceilLog3(n))
    }
  })

  it('a client-only originator (not in the view) still reaches all N exactly once with N messages', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), n => {
      // the client's view is the staked list; its index 0 is a real peer. Replay the plan over global indices.
      const reads = new Uint32Array(n)
      const m = maxNumLevels(n)
      const queue: Array<[number, number, number]> = []
      forEachBroadcastTarget(n, 'complete', m, (index, level, rangeSize) => { queue.push([index, level, rangeSize]) }, false)
      let messages = queue.length
      for (let q = 0; q < queue.length; q++) {
        const [g, level, rangeSize] = queue[q]!
        reads[g]!++
        forEachPropagationTarget(n, m, { level, rangeSize }, (index, l, r) => { queue.push([(g + index) % n, l, r]); messages++ })
      }
      expect(messages).toBe(n)
      expect([...reads].every(r => r === 1)).toBe(true)
    }), { numRuns: 200 })
  })
})

describe('reference mode through the same simulator', () => {
  it('every received copy propagates: message count is bounded by 3^maxLevels', () => {
    for (let n = 2; n <= 400; n++) {
      const sim = simulateBroadcast(n, 0, 'reference')
      expect(sim.messages).toBeLessThanOrEqual(3 ** ceilLog3(n))
      expect(sim.maxSendsPerStep).toBeLessThanOrEqual(2)
    }
  })
})
