import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { PeerManager, PeersView, StakedSet, type Peer } from '../src/index.js'

/** A peer whose address is `address` (the set never checks keys, only addresses). */
const peer = (address: string, tag = ''): Peer => ({ address, publicKey: `${address}${tag}`, serviceUrl: '' })

/** Everything a reader can ask a set, compared with a plain sorted model. */
function expectMatches (set: StakedSet, model: Map<string, Peer>, probes: string[]): void {
  const sorted = [...model.keys()].sort()
  expect(set.size).toBe(sorted.length)
  expect(set.addresses.length).toBe(sorted.length)
  expect(set.addresses.toArray()).toEqual(sorted)
  sorted.forEach((address, i) => { expect(set.addresses.at(i)).toBe(address) })
  expect(set.getPeerList()).toEqual(sorted.map(a => model.get(a)))
  for (const probe of probes) {
    const lower = sorted.findIndex(a => a >= probe)
    expect(set.addresses.lowerBound(probe)).toBe(lower === -1 ? sorted.length : lower)
    expect(set.addresses.indexOf(probe)).toBe(sorted.indexOf(probe))
    expect(set.addresses.has(probe)).toBe(model.has(probe))
    expect(set.has(probe)).toBe(model.has(probe))
    // the same data (a peer that comes back as it was may be handed back as the object first added)
    expect(set.getPeer(probe)).toEqual(model.get(probe))
  }
  expect(() => set.addresses.at(sorted.length)).toThrow(RangeError)
  expect(() => set.addresses.at(-1)).toThrow(RangeError)
}

describe('StakedSet', () => {
  it('sorts by address and keeps the first peer of a repeated address', () => {
    const first = peer('b', '1')
    const set = StakedSet.from([peer('c'), first, peer('a'), peer('b', '2')])
    expect(set.addresses.toArray()).toEqual(['a', 'b', 'c'])
    expect(set.getPeer('b')).toBe(first)
  })

  it('with and without return the same set when nothing changes', () => {
    const set = StakedSet.from([peer('a'), peer('b')])
    expect(set.with([peer('a', 'other')])).toBe(set)
    expect(set.without(['z'])).toBe(set)
  })

  it('derived sets share the base: the base is unchanged by what is derived from it', () => {
    const base = StakedSet.from(['a', 'c', 'e'].map(a => peer(a)))
    const derived = base.without(['c']).with([peer('b'), peer('f')])
    expect(derived.addresses.toArray()).toEqual(['a', 'b', 'e', 'f'])
    expect(base.addresses.toArray()).toEqual(['a', 'c', 'e'])
    // a removed base peer comes back as itself when its data is the same, and with its new data otherwise (a
    // validator re-staked under a new key or service URL must not get its old entry back)
    expect(derived.with([peer('c')]).getPeer('c')).toBe(base.getPeer('c'))
    const restaked = derived.with([peer('c', 'new')])
    expect(restaked.getPeer('c')).toEqual(peer('c', 'new'))
    expect(restaked.addresses.toArray()).toEqual(['a', 'b', 'c', 'e', 'f'])
    expect(base.getPeer('c')).toEqual(peer('c'))
  })

  it('past the 64-difference rebuild, a peer removed and added again with a new service URL has the new one (CI counterexample)', () => {
    let set = StakedSet.from([peer('aa')])
    set = set.with([{ address: 'pp', publicKey: 'pp', serviceUrl: 'old:1' }])
    // 70 more: the set is rebuilt flat, and pp is now in its base
    set = set.with(Array.from({ length: 70 }, (_, i) => peer(`q${i.toString().padStart(2, '0')}`)))
    set = set.without(['pp'])
    expect(set.getPeer('pp')).toBeUndefined()
    set = set.with([{ address: 'pp', publicKey: 'pp', serviceUrl: 'new:2' }])
    expect(set.getPeer('pp')?.serviceUrl).toBe('new:2')
    expect(set.size).toBe(72)
  })

  it('any sequence of additions and removals reads like a sorted model (also past the 64-difference rebuild)', () => {
    const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split(''))
    const address = fc.tuple(letter, letter).map(([x, y]) => x + y)
    // a peer added again may carry other data (a re-staked validator's new key or service URL): tag ''/'x'
    const change = fc.record({ add: fc.boolean(), addresses: fc.array(address, { maxLength: 12 }), tag: fc.constantFrom('', 'x') })
    fc.assert(fc.property(fc.array(address, { maxLength: 60 }), fc.array(change, { maxLength: 40 }), fc.array(address, { maxLength: 8 }),
      (initial, changes, probes) => {
        const initialPeers = initial.map(a => peer(a))
        const model = new Map<string, Peer>()
        for (const p of initialPeers) if (!model.has(p.address)) model.set(p.address, p)
        let set = StakedSet.from(initialPeers)
        for (const { add, addresses, tag } of changes) {
          if (add) {
            const peers = addresses.map(a => peer(a, tag))
            set = set.with(peers)
            for (const p of peers) if (!model.has(p.address)) model.set(p.address, p)
          } else {
            set = set.without(addresses)
            for (const a of addresses) model.delete(a)
          }
        }
        expectMatches(set, model, [...probes, ...initial.slice(0, 4), '', 'zzz'])
      }), { numRuns: 300 })
  })

  it('a view over a derived set rotates like one over a copy', () => {
    const addresses = Array.from({ length: 50 }, (_, i) => i.toString(36).padStart(2, '0'))
    const base = StakedSet.from(addresses.map(a => peer(a)))
    const missing = base.without([addresses[3]!, addresses[20]!, addresses[49]!])
    const copy = StakedSet.from(addresses.filter((_, i) => i !== 3 && i !== 20 && i !== 49).map(a => peer(a)))
    for (const self of [addresses[0]!, addresses[3]!, addresses[21]!]) {
      expect(new PeersView(missing.addresses, self).toArray()).toEqual(new PeersView(copy.addresses, self).toArray())
    }
  })

  it('peer managers share one set until one of them changes', () => {
    const set = StakedSet.from(['a', 'b', 'c'].map(a => peer(a)))
    const m1 = new PeerManager('a', set)
    const m2 = new PeerManager('b', set)
    expect(m1.stakedSet).toBe(set)
    expect(m2.peerstore).toBe(set)
    expect(m1.addPeer(peer('d'))).toBe(true)
    expect(m1.view.toArray()).toEqual(['a', 'b', 'c', 'd'])
    expect(m2.view.toArray()).toEqual(['b', 'c', 'a'])
    expect(m2.stakedSet).toBe(set)
  })
})
