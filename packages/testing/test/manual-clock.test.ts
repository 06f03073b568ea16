import { describe, expect, it } from '@jest/globals'
import { ManualClock } from '../src/index.js'

describe('ManualClock', () => {
  it('fires due timers in time order (then in the order set) only when advanced, and never a cleared one', () => {
    const clock = new ManualClock()
    const fired: string[] = []
    clock.setTimeout(() => { fired.push('b@20') }, 20)
    clock.setTimeout(() => { fired.push('a@10') }, 10)
    clock.setTimeout(() => { fired.push('c@20') }, 20)
    const cleared = clock.setTimeout(() => { fired.push('cleared') }, 5)
    clock.clearTimeout(cleared)
    expect(fired).toEqual([])
    clock.advance(15)
    expect(fired).toEqual(['a@10'])
    expect(clock.now()).toBe(15)
    // a timer set by a callback fires in the same advance when due
    clock.setTimeout(() => { clock.setTimeout(() => { fired.push('nested@24') }, 4) }, 5)
    clock.advance(10)
    expect(fired).toEqual(['a@10', 'b@20', 'c@20', 'nested@24'])
    expect(clock.now()).toBe(25)
    expect(clock.pending).toBe(0)
  })
})
