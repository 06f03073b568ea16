import { describe, expect, it } from '@jest/globals'
import { Engine, Random, SimulationAbortedError, VirtualClock, hashUniform, sampleDistinct } from '../src/index.js'

describe('Engine', () => {
  it('runs events in (time, scheduling order) order, whatever order they were scheduled in', async () => {
    const engine = new Engine()
    const seen: string[] = []
    const kind = engine.register((a, b) => { seen.push(`${engine.now}:${a}:${b}`) })
    const random = new Random(7)
    const expected: Array<[number, number]> = []
    for (let i = 0; i < 2000; i++) {
      const t = random.below(50)
      engine.schedule(t, kind, t, i)
      expected.push([t, i])
    }
    await engine.run()
    expected.sort((x, y) => x[0] - y[0] || x[1] - y[1])
    expect(seen).toEqual(expected.map(([t, i]) => `${t}:${t}:${i}`))
    expect(engine.processed).toBe(2000)
    expect(engine.pending).toBe(0)
  })

  it('lets promise continuations of one timestamp run at that timestamp, before time advances', async () => {
    const engine = new Engine()
    const times: number[] = []
    engine.at(10, () => {
      void (async () => {
        for (let i = 0; i < 5; i++) await Promise.resolve()
        times.push(engine.now)
        // scheduled from a continuation "now": still at 10
        engine.at(engine.now, () => { times.push(engine.now) })
      })()
    })
    engine.at(20, () => { times.push(engine.now) })
    await engine.run()
    expect(times).toEqual([10, 10, 20])
  })

  it('an event scheduled in the past runs now', async () => {
    const engine = new Engine()
    const times: number[] = []
    engine.at(5, () => { engine.at(1, () => { times.push(engine.now) }) })
    await engine.run()
    expect(times).toEqual([5])
  })

  it('stops at untilMs, leaving later events', async () => {
    const engine = new Engine()
    let ran = 0
    for (let t = 0; t < 10; t++) engine.at(t * 10, () => { ran++ })
    await engine.run({ untilMs: 45 })
    expect(ran).toBe(5)
    expect(engine.pending).toBe(5)
    expect(engine.nextTime).toBe(50)
  })

  it('an aborted signal stops the run with a SimulationAbortedError that carries the reason', async () => {
    const engine = new Engine()
    const controller = new AbortController()
    // an endless chain of events: only the signal ends it
    const tick = (): void => { engine.at(engine.now + 1, tick) }
    tick()
    const run = engine.run({
      signal: controller.signal,
      onProgress: ({ virtualMs }) => { if (virtualMs >= 100) controller.abort(new Error('Ctrl-C')) }
    })
    const error = await run.catch((err: unknown) => err)
    expect(error).toBeInstanceOf(SimulationAbortedError)
    expect((error as SimulationAbortedError).cause).toEqual(new Error('Ctrl-C'))
    expect((error as SimulationAbortedError).virtualMs).toBeGreaterThanOrEqual(100)
  })

  it('step() processes one event synchronously, advancing the time to it', () => {
    const engine = new Engine()
    const seen: number[] = []
    engine.at(30, () => { seen.push(engine.now) })
    engine.at(10, () => { seen.push(engine.now) })
    expect(engine.step()).toBe(true)
    expect(seen).toEqual([10])
    expect(engine.step()).toBe(true)
    expect(engine.step()).toBe(false)
    expect(seen).toEqual([10, 30])
    expect(engine.processed).toBe(2)
  })

  it('grows past its initial capacity (100,000 events pending at once)', async () => {
    const engine = new Engine()
    let sum = 0
    const kind = engine.register((a) => { sum += a })
    for (let i = 0; i < 100_000; i++) engine.schedule(100_000 - i, kind, i)
    await engine.run()
    expect(sum).toBe((100_000 * 99_999) / 2)
  })
})

describe('VirtualClock', () => {
  it('time is the engine time; timers fire at their virtual time, in order; cleared timers never fire', async () => {
    const engine = new Engine()
    const clock = new VirtualClock(engine)
    const fired: Array<[string, number]> = []
    clock.setTimeout(() => { fired.push(['b', clock.now()]) }, 200)
    clock.setTimeout(() => { fired.push(['a', clock.now()]) }, 100)
    const cleared = clock.setTimeout(() => { fired.push(['never', clock.now()]) }, 150)
    clock.clearTimeout(cleared)
    clock.clearTimeout(cleared)
    clock.clearTimeout({})
    await engine.run()
    expect(fired).toEqual([['a', 100], ['b', 200]])
    expect(clock.now()).toBe(200)
  })

  it('a timer of 0 ms (or a negative or NaN delay) fires at the current time, never synchronously', async () => {
    const engine = new Engine()
    const clock = new VirtualClock(engine)
    const fired: number[] = []
    clock.setTimeout(() => { fired.push(1) }, 0)
    clock.setTimeout(() => { fired.push(2) }, -5)
    clock.setTimeout(() => { fired.push(3) }, Number.NaN)
    expect(fired).toEqual([])
    await engine.run()
    expect(fired).toEqual([1, 2, 3])
    expect(clock.now()).toBe(0)
  })
})

describe('random', () => {
  it('the same seed gives the same sequence; another seed or stream another one', () => {
    const draw = (seed: number, stream = 0): number[] => { const r = new Random(seed, stream); return Array.from({ length: 8 }, () => r.nextUint32()) }
    expect(draw(1)).toEqual(draw(1))
    expect(draw(1)).not.toEqual(draw(2))
    expect(draw(1)).not.toEqual(draw(1, 1))
  })

  it('next() is uniform enough: 100,000 draws in 10 buckets are within 3 % of 10,000 each', () => {
    const r = new Random(42)
    const buckets = new Array<number>(10).fill(0)
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(r.next() * 10)]!++
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(300)
  })

  it('hashUniform is stateless and in [0, 1)', () => {
    expect(hashUniform(1, 2, 3)).toBe(hashUniform(1, 2, 3))
    expect(hashUniform(1, 2, 3)).not.toBe(hashUniform(2, 2, 3))
    for (let i = 0; i < 1000; i++) {
      const u = hashUniform(9, i, i * 7)
      expect(u >= 0 && u < 1).toBe(true)
    }
  })

  it('sampleDistinct draws distinct values, never an excluded one', () => {
    const r = new Random(3)
    const drawn = sampleDistinct(r, 100, 90, new Set([5, 6, 7]))
    expect(new Set(drawn).size).toBe(90)
    expect(drawn.some(v => v === 5 || v === 6 || v === 7 || v < 0 || v >= 100)).toBe(false)
    expect(() => sampleDistinct(r, 10, 8, new Set([1, 2, 3]))).toThrow(RangeError)
  })
})
