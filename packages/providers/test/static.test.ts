import { describe, expect, it } from '@jest/globals'
import { DuplicatePeerError } from '@pokt-p2p/types'
import { staticProviders } from '../src/index.js'
import { rejection, testPeers } from './helpers.js'

describe('staticProviders', () => {
  const peers = testPeers(4)

  it('defaults to height 0 and empty sets', async () => {
    const p = staticProviders()()
    expect(await p.currentHeight()).toBe(0n)
    expect((await p.getStakedPeerstoreAtHeight(0n)).size).toBe(0)
    expect((await p.getUnstakedPeerstore()).size).toBe(0)
  })

  it('returns fresh peerstores (mutating one does not change the provider)', async () => {
    const p = staticProviders({ height: 3n, staked: peers, unstaked: peers.slice(0, 1) })()
    const a = await p.getStakedPeerstoreAtHeight(3n)
    a.removePeer(peers[0]?.address as string)
    expect((await p.getStakedPeerstoreAtHeight(3n)).getPeerList()).toEqual(peers)
    expect((await p.getUnstakedPeerstore()).getPeerList()).toEqual(peers.slice(0, 1))
  })

  it('copies the input iterable (later changes to the caller array do not leak in)', async () => {
    const list = [...peers]
    const p = staticProviders({ staked: list })()
    list.pop()
    expect((await p.getStakedPeerstoreAtHeight(0n)).size).toBe(4)
  })

  it('setHeight emits height events only on change', async () => {
    const p = staticProviders({ height: 1n })()
    const seen: bigint[] = []
    p.events.on('height', h => seen.push(h))
    p.setHeight(1n)
    p.setHeight(2n)
    p.setHeight(2n)
    p.setHeight(5n)
    expect(seen).toEqual([2n, 5n])
    expect(await p.currentHeight()).toBe(5n)
  })

  it('a staked function gets the height', async () => {
    const p = staticProviders({ staked: async h => peers.slice(0, Number(h)) })()
    expect((await p.getStakedPeerstoreAtHeight(2n)).size).toBe(2)
    expect((await p.getStakedPeerstoreAtHeight(4n)).size).toBe(4)
  })

  it('setStaked / setUnstaked replace the sets; duplicates are rejected and keep the old set', async () => {
    const p = staticProviders({ staked: peers })()
    p.setStaked(peers.slice(0, 2))
    expect((await p.getStakedPeerstoreAtHeight(0n)).size).toBe(2)
    expect(() => { p.setStaked([peers[0], peers[0]] as typeof peers) }).toThrow(DuplicatePeerError)
    expect((await p.getStakedPeerstoreAtHeight(0n)).size).toBe(2)
    p.setUnstaked(peers.slice(3))
    expect((await p.getUnstakedPeerstore()).getPeerList()).toEqual(peers.slice(3))
    expect(() => staticProviders({ unstaked: [peers[1], peers[1]] as typeof peers })()).toThrow(DuplicatePeerError)
  })

  it('honours an aborted signal', async () => {
    const p = staticProviders()()
    const signal = AbortSignal.abort()
    expect(await rejection(p.currentHeight({ signal }))).toBeDefined()
    expect(await rejection(p.getStakedPeerstoreAtHeight(0n, { signal }))).toBeDefined()
  })
})
