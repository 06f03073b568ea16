import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  DuplicateNonceError, DuplicatePeerError, InvalidConfigError, InvalidKeyError, NonceDeduper, Peerstore,
  createPeer, peerListDelta, testIdentity, type Peer
} from '../src/index.js'

const peer = (seed: number, url = `127.0.0.1:${seed}`): Peer => createPeer(testIdentity(seed).publicKey, url)

describe('peers and peerstore', () => {
  it('createPeer derives the address from the key', () => {
    const p = createPeer('cecc1507dc1ddd7295951c290888f095adb9044d1b73d696e6df065d683bd4fc', 'node1.consensus:42069')
    expect(p.address).toBe('fa4d86c3b551aa6cd7c3759d040c037ef2c6379f')
    expect(() => createPeer('abcd')).toThrow(InvalidKeyError)
    expect(() => createPeer(new Uint8Array(5))).toThrow(InvalidKeyError)
  })

  it('duplicate add is a typed error; removing an absent address is a no-op', () => {
    const ps = new Peerstore([peer(1)])
    expect(() => { ps.addPeer(peer(1, 'other:1')) }).toThrow(DuplicatePeerError)
    expect(() => { ps.addPeer(peer(1)) }).toThrow(/peer exists, remove first; addr: fa4d86c3/)
    expect(ps.removePeer(peer(2).address)).toBe(false)
    expect(ps.size).toBe(1)
    expect(ps.removePeer(peer(1).address)).toBe(true)
    expect(ps.getPeerList()).toEqual([])
  })
})

describe('peer list delta (reference Test_getPeerListDelta)', () => {
  const p1 = peer(1)
  const p2 = peer(2)
  it('table', () => {
    expect(peerListDelta([], [])).toEqual({ added: [], removed: [] })
    expect(peerListDelta([], [p1])).toEqual({ added: [p1], removed: [] })
    expect(peerListDelta([p1], [])).toEqual({ added: [], removed: [p1] })
    expect(peerListDelta([p1, p2], [p1, p2])).toEqual({ added: [], removed: [] })
  })
  it('is by address only: a changed service URL is neither added nor removed', () => {
    expect(peerListDelta([p1], [peer(1, 'moved:1')])).toEqual({ added: [], removed: [] })
  })
  it('applying the delta to base gives next (property)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 40 })), fc.uniqueArray(fc.integer({ min: 1, max: 40 })), (a, b) => {
      const base = a.map(s => peer(s))
      const next = b.map(s => peer(s))
      const { added, removed } = peerListDelta(base, next)
      const result = new Set(base.map(p => p.address))
      for (const p of removed) result.delete(p.address)
      for (const p of added) result.add(p.address)
      expect([...result].sort()).toEqual(next.map(p => p.address).sort())
    }), { numRuns: 50 })
  })
})

describe('nonce deduper (reference TestNonceDeduper)', () => {
  it('evicts the oldest at capacity, rejects duplicates, removes and clears', () => {
    const d = new NonceDeduper(3)
    for (const n of [1n, 2n, 3n, 4n]) d.push(n)
    expect(d.values()).toEqual([2n, 3n, 4n])
    const d2 = new NonceDeduper(3)
    for (const n of [1n, 2n, 3n]) d2.push(n)
    expect(() => { d2.push(1n) }).toThrow(DuplicateNonceError)
    expect(() => { d2.push(1n) }).toThrow(/already exists/)
    expect(d2.values()).toEqual([1n, 2n, 3n])
    d2.remove(2n)
    expect(d2.values()).toEqual([1n, 3n])
    d2.clear()
    expect(d2.size).toBe(0)
  })

  it('rejects a capacity below 1', () => {
    expect(() => new NonceDeduper(0)).toThrow(InvalidConfigError)
    expect(() => new NonceDeduper(1.5)).toThrow(/maxNonces/)
  })

  it('behaves as a FIFO set model (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.bigInt({ min: 1n, max: 20n }), { maxLength: 100 }), (cap, pushes) => {
      const d = new NonceDeduper(cap)
      const model: bigint[] = []
      for (const n of pushes) {
        const isNew = !model.includes(n)
        expect(d.checkAndInsert(n)).toBe(isNew)
        if (isNew) { model.push(n); if (model.length > cap) model.shift() }
        expect(d.values()).toEqual(model)
      }
    }))
  })
})
