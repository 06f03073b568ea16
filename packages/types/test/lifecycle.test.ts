import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { Lifecycle, NotStartedError } from '../src/index.js'

/** A promise and its resolvers, to hold a hook until the test lets it go. */
function deferred (): { promise: Promise<void>, resolve: () => void, reject: (err: Error) => void } {
  let resolve: () => void = () => {}
  let reject: (err: Error) => void = () => {}
  const promise = new Promise<void>((_resolve, _reject) => { resolve = _resolve; reject = _reject })
  return { promise, resolve, reject }
}

/** Lets every pending promise callback and one macrotask run. */
const settle = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

/** A lifecycle whose hooks record their calls and run `start`/`stop` bodies given by the test. */
function recorded (bodies: { start?: (signal: AbortSignal) => Promise<void>, stop?: () => Promise<void> } = {}): {
  lifecycle: Lifecycle
  calls: string[]
  signals: AbortSignal[]
} {
  const calls: string[] = []
  const signals: AbortSignal[] = []
  const lifecycle = new Lifecycle({
    start: async ({ signal }) => { calls.push('start'); signals.push(signal); await bodies.start?.(signal) },
    stop: async () => { calls.push('stop'); await bodies.stop?.() }
  })
  return { lifecycle, calls, signals }
}

describe('Lifecycle', () => {
  it('start and stop are idempotent', async () => {
    const { lifecycle, calls } = recorded()
    expect(lifecycle.isStarted()).toBe(false)
    expect(lifecycle.state).toBe('stopped')
    await lifecycle.stop()
    expect(calls).toEqual([])
    await lifecycle.start()
    await lifecycle.start()
    expect(lifecycle.isStarted()).toBe(true)
    expect(lifecycle.state).toBe('started')
    await lifecycle.stop()
    await lifecycle.stop()
    expect(lifecycle.isStarted()).toBe(false)
    expect(calls).toEqual(['start', 'stop'])
    await lifecycle.start()
    expect(calls).toEqual(['start', 'stop', 'start'])
  })

  it('concurrent starts share one run', async () => {
    const gate = deferred()
    const { lifecycle, calls } = recorded({ start: async () => { await gate.promise } })
    const both = Promise.all([lifecycle.start(), lifecycle.start()])
    await settle()
    expect(lifecycle.state).toBe('starting')
    expect(lifecycle.isStarted()).toBe(false)
    gate.resolve()
    await both
    expect(calls).toEqual(['start'])
    expect(lifecycle.isStarted()).toBe(true)
  })

  it('a stop during a start aborts the start\'s signal; the start unwinds and resolves stopped', async () => {
    const { lifecycle, calls, signals } = recorded({
      start: async signal => {
        await new Promise((resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }) })
      }
    })
    const starting = lifecycle.start()
    await settle()
    const stopping = lifecycle.stop()
    await expect(starting).resolves.toBeUndefined()
    await stopping
    expect(signals[0]?.aborted).toBe(true)
    expect(signals[0]?.reason).toBeInstanceOf(NotStartedError)
    expect(calls).toEqual(['start', 'stop'])
    expect(lifecycle.state).toBe('stopped')
  })

  it('a start that ignores its signal and finishes is still unwound by the stop that came during it', async () => {
    const gate = deferred()
    const { lifecycle, calls } = recorded({ start: async () => { await gate.promise } })
    const starting = lifecycle.start()
    await settle()
    const stopping = lifecycle.stop()
    gate.resolve()
    await Promise.all([starting, stopping])
    expect(calls).toEqual(['start', 'stop'])
    expect(lifecycle.isStarted()).toBe(false)
  })

  it('a failing start runs stop and rethrows to every waiter; the next start starts afresh', async () => {
    const gate = deferred()
    let fail = true
    const { lifecycle, calls } = recorded({ start: async () => { await gate.promise; if (fail) throw new Error('cannot bind') } })
    const waiters = [lifecycle.start(), lifecycle.start()]
    gate.resolve()
    for (const w of waiters) await expect(w).rejects.toThrow('cannot bind')
    expect(calls).toEqual(['start', 'stop'])
    expect(lifecycle.state).toBe('stopped')
    fail = false
    await lifecycle.start()
    expect(calls).toEqual(['start', 'stop', 'start'])
    expect(lifecycle.isStarted()).toBe(true)
  })

  it('the start\'s error, not the clean-up\'s, reaches the caller', async () => {
    const { lifecycle } = recorded({
      start: async () => { throw new Error('start failed') },
      stop: async () => { throw new Error('stop failed too') }
    })
    await expect(lifecycle.start()).rejects.toThrow('start failed')
    expect(lifecycle.state).toBe('stopped')
  })

  it('concurrent stops share one run of the stop hook', async () => {
    const gate = deferred()
    const { lifecycle, calls } = recorded({ stop: async () => { await gate.promise } })
    await lifecycle.start()
    const both = Promise.all([lifecycle.stop(), lifecycle.stop()])
    await settle()
    expect(lifecycle.state).toBe('stopping')
    expect(lifecycle.isStarted()).toBe(false)
    gate.resolve()
    await both
    expect(calls).toEqual(['start', 'stop'])
    expect(lifecycle.state).toBe('stopped')
  })

  it('a failing stop reaches its callers and still leaves the component stopped', async () => {
    const { lifecycle } = recorded({ stop: async () => { throw new Error('cannot close') } })
    await lifecycle.start()
    await expect(Promise.all([lifecycle.stop(), lifecycle.stop()])).rejects.toThrow('cannot close')
    expect(lifecycle.state).toBe('stopped')
  })

  it('a start during a stop waits for the stop, then starts', async () => {
    const gate = deferred()
    const { lifecycle, calls } = recorded({ stop: async () => { await gate.promise } })
    await lifecycle.start()
    const stopping = lifecycle.stop()
    const starting = lifecycle.start()
    await settle()
    expect(calls).toEqual(['start', 'stop'])
    gate.resolve()
    await Promise.all([stopping, starting])
    expect(calls).toEqual(['start', 'stop', 'start'])
    expect(lifecycle.isStarted()).toBe(true)
  })

  it('the latest call decides: start, stop, start ends started; stop, start, stop ends stopped', async () => {
    const a = recorded({ start: async () => { await settle() }, stop: async () => { await settle() } })
    await Promise.all([a.lifecycle.start(), a.lifecycle.stop(), a.lifecycle.start()])
    expect(a.lifecycle.state).toBe('started')
    expect(a.calls).toEqual(['start', 'stop', 'start'])

    const b = recorded({ start: async () => { await settle() }, stop: async () => { await settle() } })
    await b.lifecycle.start()
    await Promise.all([b.lifecycle.stop(), b.lifecycle.start(), b.lifecycle.stop()])
    expect(b.lifecycle.state).toBe('stopped')
    expect(b.calls).toEqual(['start', 'stop'])
  })

  it('property: over any interleaving of calls and hook timings, hooks alternate and the final state is the last call\'s intent', async () => {
    await fc.assert(fc.asyncProperty(
      fc.scheduler(),
      fc.array(fc.constantFrom('start' as const, 'stop' as const), { minLength: 1, maxLength: 10 }),
      fc.boolean(),
      async (s, ops, startWatchesSignal) => {
        let running = 0
        let overlapped = false
        const hooks: string[] = []
        const body = async (name: string, signal?: AbortSignal): Promise<void> => {
          hooks.push(name)
          if (++running > 1) overlapped = true
          try {
            const done = s.schedule(Promise.resolve(), `${name} hook`)
            if (signal === undefined || !startWatchesSignal) {
              await done
            } else {
              await new Promise<void>((resolve, reject) => {
                signal.addEventListener('abort', () => { reject(signal.reason) })
                void done.then(resolve)
              })
            }
          } finally {
            running--
          }
        }
        const lifecycle = new Lifecycle({ start: async ({ signal }) => { await body('start', signal) }, stop: async () => { await body('stop') } })
        const calls: Array<Promise<void>> = []
        s.scheduleSequence(ops.map(op => ({ label: op, builder: async () => { calls.push(lifecycle[op]()) } })))
        await s.waitAll()
        // hooks started by the last calls schedule their own tasks: release those until every call has settled
        await s.waitFor(Promise.all(calls))
        expect(overlapped).toBe(false)
        // every start is followed by a stop before the next start (a cancelled start is unwound by the stop hook)
        expect(hooks.join(' ')).toMatch(/^(start stop ?)*(start)?$/)
        expect(lifecycle.state).toBe(ops.at(-1) === 'start' ? 'started' : 'stopped')
        expect(hooks.at(-1) ?? 'stop').toBe(ops.at(-1))
      }
    ), { numRuns: 300 })
  })
})
