import { describe, expect, it } from '@jest/globals'
// domains are deprecated, but they are the one way to observe, inside a jest test, the error a throwing listener
// reports: EventTarget rethrows it on the next tick (an uncaught exception), which jest would count as a failure
// eslint-disable-next-line n/no-deprecated-api
import { create as createDomain } from 'node:domain'
import { TypedEventEmitter } from 'main-event'
import { TypedEvents } from '../src/index.js'

interface Details extends Record<string, unknown> {
  n: number
  s: string
}

describe('TypedEvents', () => {
  it('on/once with filter and abort', async () => {
    // moved from the in-process network's tests (the class was TypedEventTarget)
    const t = new TypedEvents<{ n: number }>()
    const seen: number[] = []
    const ac = new AbortController()
    t.on('n', v => seen.push(v), { signal: ac.signal })
    const second = t.once('n', { filter: v => v > 1 })
    t.dispatch('n', 1)
    t.dispatch('n', 2)
    ac.abort()
    t.dispatch('n', 3)
    expect(seen).toEqual([1, 2])
    await expect(second).resolves.toBe(2)
    const timeout = AbortSignal.timeout(10)
    await expect(t.once('n', { signal: timeout })).rejects.toBeDefined()
  })

  it('dispatch reaches every listener of that type only, in order, with the detail', () => {
    const t = new TypedEvents<Details>()
    const got: string[] = []
    t.on('n', n => got.push(`a${n}`))
    t.on('n', n => got.push(`b${n}`))
    t.on('s', s => got.push(`s${s}`))
    t.dispatch('n', 1)
    t.dispatch('s', 'x')
    expect(got).toEqual(['a1', 'b1', 'sx'])
  })

  it('on returns a remover; an aborted signal removes the listener, and an already aborted one never adds it', () => {
    const t = new TypedEvents<Details>()
    const got: number[] = []
    const remove = t.on('n', n => got.push(n))
    t.dispatch('n', 1)
    remove()
    remove() // a second removal is harmless
    t.dispatch('n', 2)
    const ac = new AbortController()
    t.on('n', n => got.push(10 * n), { signal: ac.signal })
    t.dispatch('n', 3)
    ac.abort()
    t.dispatch('n', 4)
    t.on('n', n => got.push(100 * n), { signal: AbortSignal.abort() })
    t.dispatch('n', 5)
    expect(got).toEqual([1, 30])
    expect(t.listenerCount('n')).toBe(0)
  })

  it('once resolves with the first detail that passes the filter, then stops listening', async () => {
    const t = new TypedEvents<Details>()
    const next = t.once('n')
    const big = t.once('n', { filter: n => n > 5 })
    expect(t.listenerCount('n')).toBe(2)
    t.dispatch('n', 1)
    await expect(next).resolves.toBe(1)
    t.dispatch('n', 7)
    t.dispatch('n', 8)
    await expect(big).resolves.toBe(7)
    expect(t.listenerCount('n')).toBe(0)
  })

  it('once rejects with the signal\'s reason: already aborted, or aborted while waiting (and stops listening)', async () => {
    const t = new TypedEvents<Details>()
    const reason = new Error('gave up')
    await expect(t.once('n', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    const ac = new AbortController()
    const waiting = t.once('n', { signal: ac.signal, filter: n => n > 100 })
    t.dispatch('n', 1)
    ac.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    expect(t.listenerCount('n')).toBe(0)
  })

  it('a throwing listener does not stop the others; its error is reported, not swallowed', async () => {
    const t = new TypedEvents<Details>()
    const got: number[] = []
    const reported: unknown[] = []
    const domain = createDomain()
    domain.on('error', err => reported.push(err))
    t.on('n', () => { throw new Error('listener bug') })
    t.on('n', n => got.push(n))
    domain.run(() => { t.dispatch('n', 1) })
    expect(got).toEqual([1])
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(reported).toEqual([new Error('listener bug')])
  })

  it('is a libp2p (main-event) TypedEventEmitter: its events are CustomEvents carrying the detail', () => {
    const t = new TypedEvents<Details>()
    expect(t).toBeInstanceOf(TypedEventEmitter)
    expect(t).toBeInstanceOf(EventTarget)
    const events: Array<CustomEvent<string>> = []
    t.addEventListener('s', e => events.push(e))
    t.dispatch('s', 'hello')
    expect(events[0]).toBeInstanceOf(CustomEvent)
    expect(events[0]?.type).toBe('s')
    expect(events[0]?.detail).toBe('hello')
  })
})
