import { describe, expect, it } from '@jest/globals'
import { PeersView, SortedAddressList } from '@pokt-p2p/types'
import {
  FIRST_TARGET_PERCENTAGE, SECOND_TARGET_PERCENTAGE, ceilLog3, forEachBroadcastTarget, goPowInt, maxNumLevels,
  planBroadcast, planPropagation, referenceTargetIndices, simulateBroadcast, windowSize
} from '@pokt-p2p/raintree/core'
import { loadReferenceTables } from './helpers.js'

function bits (x: number): string {
  const dv = new DataView(new ArrayBuffer(8))
  dv.setFloat64(0, x)
  return dv.getBigUint64(0).toString(16).toUpperCase()
}

describe('constants and maxNumLevels (§5.1, §5.2)', () => {
  it('target percentages are the Go doubles', () => {
    expect(bits(FIRST_TARGET_PERCENTAGE)).toBe('3FD5555555555555')
    expect(bits(SECOND_TARGET_PERCENTAGE)).toBe('3FE5555555555555')
  })

  it.each([
    [0, 0], [1, 0], [2, 1], [3, 1], [4, 2], [9, 2], [10, 3], [27, 3], [28, 4], [81, 4], [82, 5],
    [243, 5], [244, 6], [59049, 10], [59050, 11]
  ])('maxNumLevels(%i) = %i', (n, levels) => {
    expect(maxNumLevels(n)).toBe(levels)
  })

  it('needs the 1e-7 rounding: raw ln(N)/ln(3) overshoots at powers of 3', () => {
    expect(Math.log(9) / Math.log(3)).toBeGreaterThan(2)
    expect(Math.ceil(Math.log(27) / Math.log(3))).toBe(4)
    expect(maxNumLevels(27)).toBe(3)
    for (let k = 1; k <= 13; k++) expect(maxNumLevels(3 ** k)).toBe(k)
  })

  it('equals the exact integer ceil(log3 N) for every N up to 200,000', () => {
    for (let n = 2; n <= 200_000; n++) if (maxNumLevels(n) !== ceilLog3(n)) throw new Error(`N=${n}`)
  })
})

describe('goPowInt (§5.3 float trap)', () => {
  it('matches Go math.Pow bits, not Math.pow, for k >= 3', () => {
    expect(goPowInt(2 / 3, 0)).toBe(1)
    expect(goPowInt(2 / 3, 1)).toBe(2 / 3)
    expect(goPowInt(2 / 3, 2)).toBe((2 / 3) * (2 / 3))
    // Go: (2/3)^3 = 0.2962962962962963; correctly rounded: 0.2962962962962962
    expect(goPowInt(2 / 3, 3)).toBe(0.2962962962962963)
    expect(Math.pow(2 / 3, 3)).toBe(0.2962962962962962)
    expect(goPowInt(2 / 3, 3)).not.toBe(Math.pow(2 / 3, 3))
  })

  it('N=81 level 1: Go size 24 where Math.pow gives 23', () => {
    expect(windowSize(81, 4, 1)).toBe(24)
    expect(Math.trunc(81 * Math.pow(2 / 3, 3))).toBe(23)
  })

  it('N=729: L1 size 95 (no divergence there); L2 144 and L3 216 where Math.pow gives 143 and 215', () => {
    expect(windowSize(729, 6, 1)).toBe(95)
    expect(Math.trunc(729 * Math.pow(2 / 3, 5))).toBe(95)
    expect(windowSize(729, 6, 2)).toBe(144)
    expect(Math.trunc(729 * Math.pow(2 / 3, 4))).toBe(143)
    expect(windowSize(729, 6, 3)).toBe(216)
    expect(Math.trunc(729 * Math.pow(2 / 3, 3))).toBe(215)
  })

  it('N=243 and 2187 diverge from Math.pow too', () => {
    expect([windowSize(243, 5, 1), windowSize(243, 5, 2)]).toEqual([48, 72])
    expect([windowSize(2187, 7, 1), windowSize(2187, 7, 3), windowSize(2187, 7, 4)]).toEqual([192, 432, 648])
  })
})

describe('reference targets (§5.4)', () => {
  const table: Array<[number, Array<[number, number, number]>]> = [
    [1, []],
    [2, [[2, 0, 1]]],
    [3, [[3, 1, 2]]],
    [4, [[4, 1, 2], [2, 0, 1]]],
    [5, [[5, 1, 3], [3, 1, 2]]],
    [6, [[6, 2, 4], [4, 1, 2]]],
    [8, [[8, 2, 5], [5, 1, 3]]],
    [9, [[9, 3, 6], [6, 2, 4]]],
    [12, [[12, 4, 8], [8, 2, 5], [5, 1, 3]]],
    [18, [[18, 6, 12], [12, 4, 8], [8, 2, 5]]],
    [27, [[27, 9, 18], [18, 6, 12], [12, 4, 8]]],
    [81, [[81, 27, 54], [54, 18, 36], [36, 12, 24], [24, 8, 16]]],
    [729, [[729, 243, 486], [486, 162, 324], [324, 108, 216], [216, 72, 144], [144, 48, 96], [95, 31, 63]]]
  ]
  it.each(table)('N=%i: (size → i1, i2) from the top level down', (n, rows) => {
    const m = maxNumLevels(n)
    expect(m).toBe(rows.length)
    rows.forEach(([size, i1, i2], k) => {
      const level = m - k
      expect(windowSize(n, m, level)).toBe(size)
      expect(referenceTargetIndices(size)).toEqual([i1, i2])
    })
  })

  it('broadcast plan = those targets minus index 0, level by level', () => {
    expect(planBroadcast({ length: 4 }, 'reference', 2)).toEqual([
      { index: 1, level: 2, rangeSize: 0, stepLevel: 2 }, { index: 2, level: 2, rangeSize: 0, stepLevel: 2 },
      { index: 1, level: 1, rangeSize: 0, stepLevel: 1 }
    ])
    expect(forEachBroadcastTarget(4, 'reference', 2, () => {})).toBe(1) // one demote slot (index 0 at level 1)
  })

  function lettersView (letters: string[], self: string): PeersView {
    return new PeersView(new SortedAddressList(letters), self)
  }
  function targetsAt (view: PeersView, level: number): [string, string] {
    const m = maxNumLevels(view.length)
    const [i1, i2] = referenceTargetIndices(windowSize(view.length, m, level))
    return [view.at(i1), view.at(i2)]
  }

  it('TestRainTree_MessageTargets_SixNodes: self A, L2 → (C, E), L1 → (B, C)', () => {
    const view = lettersView([...'ABCDEF'], 'A')
    expect(view.toArray().join('')).toBe('ABCDEF')
    expect(targetsAt(view, 2)).toEqual(['C', 'E'])
    expect(targetsAt(view, 1)).toEqual(['B', 'C'])
  })

  it('TestRainTree_MessageTargets_NineNodes: self A, L2 → (D, G), L1 → (C, E)', () => {
    const view = lettersView([...'ABCDEFGHI'], 'A')
    expect(targetsAt(view, 2)).toEqual(['D', 'G'])
    expect(targetsAt(view, 1)).toEqual(['C', 'E'])
  })

  it('TestRainTree_MessageTargets_TwentySevenNodes: self O, L3 → (X, F), L2 → (U, [), L1 → (S, W)', () => {
    const view = lettersView([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ['], 'O')
    expect(view.toArray().join('')).toBe('OPQRSTUVWXYZ[ABCDEFGHIJKLMN')
    expect(view.at(0)).toBe('O')
    expect(targetsAt(view, 3)).toEqual(['X', 'F'])
    expect(targetsAt(view, 2)).toEqual(['U', '['])
    expect(targetsAt(view, 1)).toEqual(['S', 'W'])
  })
})

describe('propagation rules', () => {
  it('a receiver of level L propagates at L-1 … 1; level 0 and level 1 propagate nothing', () => {
    expect(planPropagation(27, 3, { level: 0, rangeSize: 0 })).toEqual([])
    expect(planPropagation(27, 3, { level: 1, rangeSize: 0 })).toEqual([])
    expect(planPropagation(27, 3, { level: 3, rangeSize: 0 }).map(s => [s.index, s.level]))
      .toEqual([[6, 2], [12, 2], [4, 1], [8, 1]])
  })

  it('a level above the local maximum is clamped (the reference wraps a uint32 and skips the level)', () => {
    const atMax = planPropagation(27, 3, { level: 4, rangeSize: 0 })
    expect(atMax.map(s => s.level)).toEqual([3, 3, 2, 2, 1, 1])
    expect(planPropagation(27, 3, { level: 0xffff_ffff, rangeSize: 0 })).toEqual(atMax)
    expect(windowSize(27, 3, 99)).toBe(27)
  })

  it('complete-mode messages follow their range, clamped to the view length', () => {
    expect(planPropagation(27, 3, { level: 2, rangeSize: 9 }).map(s => [s.index, s.rangeSize]))
      .toEqual([[3, 3], [6, 3], [1, 1], [2, 1]])
    expect(planPropagation(5, 2, { level: 20, rangeSize: 0xffff_ffff })).toEqual(planBroadcast({ length: 5 }, 'complete', 2))
    expect(planPropagation(27, 3, { level: 0, rangeSize: 1 })).toEqual([])
  })

  it('a client-only node never propagates', () => {
    expect(planPropagation(27, 3, { level: 3, rangeSize: 0 }, [], false)).toEqual([])
    expect(planPropagation(27, 3, { level: 3, rangeSize: 27 }, [], false)).toEqual([])
  })

  it('reuses the output array', () => {
    const out = [{ index: 99, level: 9, rangeSize: 9, stepLevel: 9 }]
    expect(planBroadcast({ length: 3 }, 'complete', 1, out)).toBe(out)
    expect(out).toEqual([{ index: 1, level: 0, rangeSize: 1, stepLevel: 1 }, { index: 2, level: 0, rangeSize: 1, stepLevel: 1 }])
  })

  it('complete mode from a client-only originator covers view index 0 too', () => {
    const plan = planBroadcast({ length: 10, containsSelf: false }, 'complete', 3)
    expect(plan.map(s => [s.index, s.rangeSize])).toEqual([[0, 4], [4, 3], [7, 3]])
    // and in reference mode index 0 is skipped as in Go (it is taken for self)
    expect(planBroadcast({ length: 10, containsSelf: false }, 'reference', 3).some(s => s.index === 0)).toBe(false)
  })
})

describe('reference per-node tables via the pure simulator (§11.2)', () => {
  const tables = loadReferenceTables()
  it('covers N = 1, 2, 3, 4, 9, 12, 18, 27', () => {
    expect(tables.map(t => t.nodes)).toEqual([1, 2, 3, 4, 9, 12, 18, 27])
  })
  it.each(tables.map(t => [t.nodes, t] as const))('N=%i per node', (n, t) => {
    const sim = simulateBroadcast(n, t.originator - 1, 'reference')
    expect(maxNumLevels(n)).toBe(t.maxNumLevels)
    expect(sim.messages).toBe(t.totalMessages)
    const got = Array.from({ length: n }, (_, g) => ({ index: g + 1, reads: sim.reads[g], writes: sim.writes[g] }))
    expect(got).toEqual(t.perNode)
  })
})

describe('reference coverage holes (§12), recomputed', () => {
  it.each([[8, 2], [100, 2], [500, 85], [729, 243], [972, 486]])('N=%i leaves %i nodes unreached', (n, missing) => {
    expect(n - simulateBroadcast(n, 0, 'reference').reached).toBe(missing)
  })

  it('N=8 leaves val_5 and val_8 unreached', () => {
    const sim = simulateBroadcast(8, 0, 'reference')
    expect([...sim.hops].map((h, g) => (h < 0 ? g + 1 : 0)).filter(x => x > 0)).toEqual([5, 8])
  })

  it('only 197 of the sizes 1..6561 reach everyone', () => {
    let complete = 0
    for (let n = 1; n <= 6561; n++) if (simulateBroadcast(n, 0, 'reference').reached === n) complete++
    expect(complete).toBe(197)
  })

  it('complete mode fills exactly those holes', () => {
    for (const n of [8, 100, 500, 729, 972]) {
      const sim = simulateBroadcast(n, 0, 'complete')
      expect([sim.reached, sim.messages]).toEqual([n, n - 1])
    }
  })
})

describe('simulator', () => {
  it('rejects bad arguments', () => {
    expect(() => simulateBroadcast(-1)).toThrow(RangeError)
    expect(() => simulateBroadcast(5, 5)).toThrow(RangeError)
    expect(simulateBroadcast(0).reached).toBe(0)
  })

  it('runs 1,000,000 nodes over global indices', () => {
    const sim = simulateBroadcast(1_000_000, 123_456, 'complete')
    expect(sim.reached).toBe(1_000_000)
    expect(sim.messages).toBe(999_999)
    expect(sim.depth).toBe(ceilLog3(1_000_000))
  })
})

describe('core purity', () => {
  it('src/core imports nothing at run time but its own modules (no libp2p, no transport, no types package)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs')
    const dir = new URL('../src/core/', import.meta.url)
    const files = readdirSync(dir).filter(f => f.endsWith('.ts'))
    expect(files.length).toBeGreaterThanOrEqual(4)
    for (const f of files) {
      const src = readFileSync(new URL(f, dir), 'utf8')
      // statements start a line (a doc comment may say "import" in prose)
      for (const [, typeOnly, s] of src.matchAll(/^(?:import|export)(\s+type)?[^'"]*from\s+'([^']+)'/gm)) {
        // a type-only import is erased at compile time: only the types package's `RainTreeMode` may come that way
        if (typeOnly !== undefined && s === '@pokt-p2p/types') continue
        expect(s!.startsWith('./')).toBe(true)
      }
    }
  })
})
