import { describe, expect, it } from '@jest/globals'
import { testIdentity } from '@pokt-p2p/types'
import fc from 'fast-check'
import { testIdentities } from '../src/index.js'

describe('testIdentities', () => {
  it('gives the reference\'s test keys testIdentity(1..n), sorted by address', () => {
    const ids = testIdentities(5)
    const expected = [1, 2, 3, 4, 5].map(testIdentity).sort((a, b) => a.address < b.address ? -1 : 1)
    expect(ids.map(id => id.address)).toEqual(expected.map(id => id.address))
    expect(ids.map(id => id.privateKeyHex)).toEqual(expected.map(id => id.privateKeyHex))
  })

  it('sorted: false keeps seed order; first shifts the seeds', () => {
    expect(testIdentities(3, { first: 7, sorted: false }).map(id => id.address))
      .toEqual([7, 8, 9].map(seed => testIdentity(seed).address))
    expect(testIdentities(0)).toEqual([])
  })

  it('is deterministic, sorted, and disjoint for disjoint seed ranges', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), (first, n, m) => {
      const a = testIdentities(n, { first })
      expect(testIdentities(n, { first }).map(id => id.address)).toEqual(a.map(id => id.address))
      const addresses = a.map(id => id.address)
      expect([...addresses].sort()).toEqual(addresses)
      const b = testIdentities(m, { first: first + n })
      const all = new Set([...addresses, ...b.map(id => id.address)])
      expect(all.size).toBe(n + m)
    }), { numRuns: 50 })
  })
})
