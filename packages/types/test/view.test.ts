import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { PeerManager, PeersView, SortedAddressList, createPeer, testIdentity } from '../src/index.js'

const letters = (s: string): string[] => s.split('')
const viewOf = (self: string, addrs: string): string[] => new PeersView(new SortedAddressList(letters(addrs)), self).toArray()

describe('sorted peers view (reference §4.4 tables)', () => {
  it('rotates so self is first: TestSortedPeersView', () => {
    expect(viewOf('A', 'BDCEA').join('')).toBe('ABCDE')
    expect(viewOf('E', 'BDCEA').join('')).toBe('EABCD')
    expect(viewOf('C', 'BDCEA').join('')).toBe('CDEAB')
    expect(viewOf('D', 'BACEDF').join('')).toBe('DEFABC')
  })

  it('add and remove: TestSortedPeersView_Add_Remove', () => {
    const cases: Array<[string, string, string, string]> = [
      ['A', 'BC', '', 'ABC'],
      ['C', 'AB', '', 'CAB'],
      ['W', 'DYZEHGI', 'YE', 'WZDGHI'],
      ['S', 'DTUEVGH', 'E', 'STUVDGH'],
      ['O', 'DTURSEVGH', 'EDU', 'ORSTVGH']
    ]
    for (const [self, add, remove, expected] of cases) {
      const list = new SortedAddressList([self])
      const view = new PeersView(list, self)
      for (const a of letters(add)) list.add(a)
      for (const r of letters(remove)) list.remove(r)
      expect(view.toArray().join('')).toBe(expected)
    }
  })

  it('does not reproduce the reference bugs (#554): removing an absent address, re-adding, self', () => {
    const list = new SortedAddressList(['A', 'C'])
    const view = new PeersView(list, 'A')
    expect(list.remove('B')).toBe(false)
    expect(view.toArray()).toEqual(['A', 'C'])
    expect(list.add('C')).toBe(false)
    expect(view.toArray()).toEqual(['A', 'C'])
    expect(list.remove('A')).toBe(true)
    expect(view.toArray()).toEqual(['C'])
    expect(list.add('A')).toBe(true)
    expect(view.toArray()).toEqual(['A', 'C'])
  })

  it('without self, index 0 is the next address after self, wrapping', () => {
    expect(viewOf('B', 'ACD')).toEqual(['C', 'D', 'A'])
    expect(viewOf('Z', 'ACD')).toEqual(['A', 'C', 'D'])
    expect(new PeersView(new SortedAddressList(['A']), 'B').containsSelf).toBe(false)
  })

  it('indexOf is the inverse of at, and out-of-range indices throw', () => {
    const view = new PeersView(new SortedAddressList(letters('ABCDEFG')), 'E')
    for (let i = 0; i < view.length; i++) expect(view.indexOf(view.at(i))).toBe(i)
    expect(view.indexOf('Q')).toBe(-1)
    expect(() => view.at(7)).toThrow(RangeError)
    expect(() => view.at(-1)).toThrow(RangeError)
  })

  it('many views share one list without copying it', () => {
    const list = new SortedAddressList(Array.from({ length: 1000 }, (_, i) => i.toString(16).padStart(4, '0')))
    const views = list.toArray().map(a => new PeersView(list, a))
    for (const v of views) expect(v.at(0)).toBe(v.selfAddress)
    expect(views[10]?.list).toBe(list)
    list.add('zzzz')
    expect(views[999]?.at(1)).toBe('zzzz')
  })
})

const hexAddr = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(b => Buffer.from(b).toString('hex'))
const addrSet = fc.uniqueArray(hexAddr, { minLength: 1, maxLength: 60 })

describe('sorted peers view properties', () => {
  it('is the sorted list rotated to self (sortedness with self first)', () => {
    fc.assert(fc.property(addrSet, fc.nat(), (addrs, pick) => {
      const self = addrs[pick % addrs.length] as string
      const view = new PeersView(new SortedAddressList(addrs), self).toArray()
      const sorted = [...addrs].sort()
      const i = sorted.indexOf(self)
      expect(view).toEqual([...sorted.slice(i), ...sorted.slice(0, i)])
      expect(view[0]).toBe(self)
    }))
  })

  it('add then remove restores the view', () => {
    fc.assert(fc.property(addrSet, hexAddr, fc.nat(), (addrs, extra, pick) => {
      fc.pre(!addrs.includes(extra))
      const list = new SortedAddressList(addrs)
      const view = new PeersView(list, addrs[pick % addrs.length] as string)
      const before = view.toArray()
      list.add(extra)
      expect(view.length).toBe(before.length + 1)
      list.remove(extra)
      expect(view.toArray()).toEqual(before)
    }))
  })

  it('removing an absent address is a no-op', () => {
    fc.assert(fc.property(addrSet, hexAddr, (addrs, absent) => {
      fc.pre(!addrs.includes(absent))
      const list = new SortedAddressList(addrs)
      const view = new PeersView(list, addrs[0] as string)
      const before = view.toArray()
      expect(list.remove(absent)).toBe(false)
      expect(view.toArray()).toEqual(before)
    }))
  })

  it('rotation invariance: every view is a rotation of every other, and insertion order does not matter', () => {
    fc.assert(fc.property(addrSet, fc.nat(), fc.nat(), (addrs, a, b) => {
      const shuffled = [...addrs].reverse()
      const selfA = addrs[a % addrs.length] as string
      const selfB = addrs[b % addrs.length] as string
      const va = new PeersView(new SortedAddressList(addrs), selfA)
      const vb = new PeersView(new SortedAddressList(shuffled), selfB)
      const shift = va.indexOf(selfB)
      for (let i = 0; i < va.length; i++) expect(vb.at(i)).toBe(va.at((i + shift) % va.length))
    }))
  })

  it('incremental adds/removes equal a fresh build (random operation sequences)', () => {
    const op = fc.tuple(fc.boolean(), hexAddr)
    fc.assert(fc.property(hexAddr, fc.array(op, { maxLength: 80 }), (self, ops) => {
      const list = new SortedAddressList([self])
      const model = new Set([self])
      for (const [add, a] of ops) {
        if (add) { list.add(a); model.add(a) } else if (a !== self) { list.remove(a); model.delete(a) }
      }
      expect(new PeersView(list, self).toArray()).toEqual(new PeersView(new SortedAddressList(model), self).toArray())
    }))
  })
})

describe('peer manager', () => {
  const ids = [1, 2, 3, 4].map(testIdentity)
  const peers = ids.map((id, i) => createPeer(id.publicKey, `127.0.0.1:${4000 + i}`))

  it('keeps peerstore and view in step; repeats are no-ops', () => {
    const m = new PeerManager(ids[0]!.address, peers.slice(0, 2))
    expect(m.view.at(0)).toBe(ids[0]!.address)
    expect(m.addPeer(peers[2]!)).toBe(true)
    expect(m.addPeer(peers[2]!)).toBe(false)
    expect(m.peerstore.size).toBe(3)
    expect(m.view.length).toBe(3)
    expect(m.removePeer(peers[3]!.address)).toBe(false)
    expect(m.removePeer(peers[1]!.address)).toBe(true)
    expect(m.view.toArray().sort()).toEqual([ids[0]!.address, ids[2]!.address].sort())
    expect(m.peerAt(0)).toEqual(peers[0])
  })

  it('tolerates duplicate addresses in its initial list', () => {
    const m = new PeerManager(ids[0]!.address, [...peers, ...peers])
    expect(m.peerstore.size).toBe(4)
    expect(m.view.length).toBe(4)
  })
})
