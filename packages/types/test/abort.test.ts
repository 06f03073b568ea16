import { describe, expect, it } from '@jest/globals'
import { signalWithTimeout } from '../src/index.js'

describe('signalWithTimeout', () => {
  // (the collection that lost a bare `AbortSignal.any([s, AbortSignal.timeout(ms)])` on Node 20 is shown by running
  // `node --expose-gc` on a script; jest's module sandbox does not reproduce it)
  it('aborts at its timeout with a TimeoutError, and holds the timeout it combines', async () => {
    const caller = new AbortController()
    const signal = signalWithTimeout(caller.signal, 50)
    expect(Object.getOwnPropertySymbols(signal).map(s => (signal as unknown as Record<symbol, unknown>)[s])).toContainEqual(expect.any(AbortSignal))
    await new Promise<void>(resolve => { signal.addEventListener('abort', () => { resolve() }, { once: true }) })
    expect((signal.reason as Error).name).toBe('TimeoutError')
    expect(caller.signal.aborted).toBe(false)
  })

  it('aborts with the caller\'s reason when the caller aborts first; without a caller it is the timeout alone', () => {
    const caller = new AbortController()
    const signal = signalWithTimeout(caller.signal, 60_000)
    caller.abort(new Error('stop'))
    expect(signal.aborted).toBe(true)
    expect((signal.reason as Error).message).toBe('stop')
    expect(signalWithTimeout(undefined, 60_000).aborted).toBe(false)
  })
})
