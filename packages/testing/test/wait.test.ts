import { describe, expect, it } from '@jest/globals'
import { waitFor } from '../src/index.js'

describe('waitFor', () => {
  it('resolves at once when the condition already holds, without waiting an interval', async () => {
    let calls = 0
    const t0 = performance.now()
    await waitFor(() => { calls++; return true }, { intervalMs: 10_000 })
    expect(calls).toBe(1)
    expect(performance.now() - t0).toBeLessThan(5_000)
  })

  it('checks again every intervalMs until the condition holds', async () => {
    let calls = 0
    await waitFor(() => ++calls === 4, { intervalMs: 1 })
    expect(calls).toBe(4)
  })

  it('rejects after timeoutMs with an error naming what it waited for', async () => {
    await expect(waitFor(() => false, { timeoutMs: 20, intervalMs: 5, what: 'the moon' }))
      .rejects.toThrow('timed out after 20 ms waiting for the moon')
    await expect(waitFor(() => false, { timeoutMs: 0, intervalMs: 1 }))
      .rejects.toThrow('timed out after 0 ms waiting for a condition')
  })

  it('calls a function `what` when it gives up, to show progress at that time', async () => {
    let seen = 0
    await expect(waitFor(() => { seen++; return false }, { timeoutMs: 20, intervalMs: 1, what: () => `${seen > 1 ? 'many' : 'one'} checks` }))
      .rejects.toThrow('waiting for many checks')
  })

  it('rejects with the signal\'s reason when it aborts, before or while waiting', async () => {
    const before = new AbortController()
    before.abort(new Error('stop now'))
    // the condition is checked first: it holding wins over an aborted signal
    await expect(waitFor(() => true, { signal: before.signal })).resolves.toBeUndefined()
    await expect(waitFor(() => false, { signal: before.signal })).rejects.toThrow('stop now')

    const during = new AbortController()
    const wait = waitFor(() => false, { signal: during.signal, intervalMs: 60_000 })
    setTimeout(() => { during.abort(new Error('stopped while waiting')) }, 10)
    await expect(wait).rejects.toThrow('stopped while waiting')
  })
})
