/**
 * The link model of the emulated memory transport on a manual clock: exact times, no wall clock. The end-to-end
 * behaviour over real libp2p nodes is in link.test.ts.
 */
import { describe, expect, it } from '@jest/globals'
import { multiaddr } from '@multiformats/multiaddr'
import { defaultComponentLogger } from '@pokt-p2p/types'
import { linkPair, type LinkConnection } from '../src/emulated-memory.js'
import { Pipe, Port, type LinkClock, type Receiver } from '../src/link-model.js'

/** A clock that moves only when told, running the timers that fall due in time order. */
class ManualClock implements LinkClock {
  t = 1000
  #timers: Array<{ at: number, fn: () => void, id: number }> = []
  #next = 0
  now = (): number => this.t
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.#next
    this.#timers.push({ at: this.t + ms, fn, id })
    return id
  }

  clearTimeout = (id: unknown): void => { this.#timers = this.#timers.filter(t => t.id !== id) }

  /** Moves to `to`, running every timer due on the way at its own time. */
  advanceTo (to: number): void {
    for (;;) {
      const due = this.#timers.filter(t => t.at <= to).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (due === undefined) break
      this.#timers = this.#timers.filter(t => t !== due)
      this.t = due.at
      due.fn()
    }
    this.t = to
  }

  get pending (): number {
    return this.#timers.length
  }
}

const MiB = 1024 * 1024
/** ms for `bytes` at `mbps` Mbit/s */
const ms = (bytes: number, mbps: number): number => bytes * 8 / (mbps * 1000)

interface Chunk { byteLength: number, tag: number }
const chunk = (tag: number, byteLength = 100): Chunk => ({ byteLength, tag })

/** A receiver that records what arrives and when. */
function recorder (clock: ManualClock): Receiver<Chunk> & { got: Array<{ tag: number | 'close' | 'reset', at: number }> } {
  const got: Array<{ tag: number | 'close' | 'reset', at: number }> = []
  return {
    got,
    receive: data => { got.push({ tag: data.tag, at: clock.now() }) },
    remoteClosed: () => { got.push({ tag: 'close', at: clock.now() }) },
    remoteReset: () => { got.push({ tag: 'reset', at: clock.now() }) }
  }
}

function pipe (clock: ManualClock, init: { latencyMs?: number, up?: number | null, down?: number | null, from?: Port, to?: Port } = {}): Pipe<Chunk> {
  const from = init.from ?? new Port(init.latencyMs ?? 0, init.up ?? null, null, MiB)
  const to = init.to ?? new Port(init.latencyMs ?? 0, null, init.down ?? null, MiB)
  return new Pipe<Chunk>(from, to, init.latencyMs ?? 0, clock)
}

describe('link model (manual clock)', () => {
  it('latency is pipelined: 20 buffers written at once all arrive one latency later, in order, with one timer', () => {
    const clock = new ManualClock()
    const p = pipe(clock, { latencyMs: 25 })
    const r = recorder(clock)
    p.receiver = r
    const t0 = clock.t
    for (let i = 0; i < 20; i++) p.send(chunk(i))
    expect(clock.pending).toBe(1)
    clock.advanceTo(t0 + 24.9)
    expect(r.got).toEqual([])
    clock.advanceTo(t0 + 100)
    expect(r.got.map(g => g.tag)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(r.got.every(g => g.at === t0 + 25)).toBe(true)
    expect(clock.pending).toBe(0)
  })

  it('buffers written over time each arrive one latency after they were written', () => {
    const clock = new ManualClock()
    const p = pipe(clock, { latencyMs: 40 })
    const r = recorder(clock)
    p.receiver = r
    const t0 = clock.t
    for (let i = 0; i < 5; i++) {
      clock.advanceTo(t0 + 10 * i)
      p.send(chunk(i))
    }
    clock.advanceTo(t0 + 1000)
    expect(r.got).toEqual(Array.from({ length: 5 }, (_, i) => ({ tag: i, at: t0 + 10 * i + 40 })))
  })

  it('a 1 MiB buffer takes 8·2^20/10^7 s to leave a 10 Mbit/s uplink, then one latency', () => {
    const clock = new ManualClock()
    const p = pipe(clock, { latencyMs: 10, up: 10 })
    const r = recorder(clock)
    p.receiver = r
    const t0 = clock.t
    expect(p.send(chunk(1, MiB))).toBeCloseTo(t0 + ms(MiB, 10) + 10, 6)
    clock.advanceTo(t0 + ms(MiB, 10) + 9.9)
    expect(r.got).toEqual([])
    clock.advanceTo(t0 + 2000)
    expect(r.got).toHaveLength(1)
    // the timer counts whole milliseconds: the buffer is handed over within one of its arrival
    expect(r.got[0]!.at).toBeGreaterThanOrEqual(t0 + ms(MiB, 10) + 10)
    expect(r.got[0]!.at).toBeLessThan(t0 + ms(MiB, 10) + 11)
  })

  it("a node's connections share its uplink: the same 1 MiB to two peers, the second has left after twice the time", () => {
    const clock = new ManualClock()
    const a = new Port(5, 10, null, MiB)
    const toB = pipe(clock, { latencyMs: 5, from: a })
    const toC = pipe(clock, { latencyMs: 5, from: a })
    const t0 = clock.t
    expect(toB.send(chunk(1, MiB))).toBeCloseTo(t0 + ms(MiB, 10) + 5, 6)
    expect(toC.send(chunk(2, MiB))).toBeCloseTo(t0 + 2 * ms(MiB, 10) + 5, 6)
    // a later write waits behind both
    clock.advanceTo(t0 + 100)
    expect(toB.send(chunk(3, 1250))).toBeCloseTo(t0 + 2 * ms(MiB, 10) + 1 + 5, 6)
  })

  it('a downlink takes what is sent to it one after another: two 1 MiB from two unlimited senders', () => {
    const clock = new ManualClock()
    const c = new Port(20, null, 10, MiB)
    const fromA = pipe(clock, { latencyMs: 20, to: c })
    const fromB = pipe(clock, { latencyMs: 20, to: c })
    const t0 = clock.t
    expect(fromA.send(chunk(1, MiB))).toBeCloseTo(t0 + 20 + ms(MiB, 10), 6)
    expect(fromB.send(chunk(2, MiB))).toBeCloseTo(t0 + 20 + 2 * ms(MiB, 10), 6)
    // a small buffer after the downlink is idle again only pays the latency and its own time
    clock.advanceTo(t0 + 5000)
    expect(fromA.send(chunk(3, 1250))).toBeCloseTo(t0 + 5000 + 20 + 1, 6)
  })

  it('a close arrives after the data written before it; later writes are dropped', () => {
    const clock = new ManualClock()
    const p = pipe(clock, { latencyMs: 10, up: 8 })
    const r = recorder(clock)
    p.receiver = r
    const t0 = clock.t
    p.send(chunk(1, 10_000)) // 10 ms on the uplink
    p.close()
    expect(p.send(chunk(2))).toBe(Infinity)
    clock.advanceTo(t0 + 100)
    expect(r.got).toEqual([{ tag: 1, at: t0 + 20 }, { tag: 'close', at: t0 + 20 }])
  })

  it('a reset drops what has not left the uplink, keeps what is on the wire, and arrives one latency later', () => {
    const clock = new ManualClock()
    const p = pipe(clock, { latencyMs: 30, up: 8 })
    const r = recorder(clock)
    p.receiver = r
    const t0 = clock.t
    for (let i = 0; i < 5; i++) p.send(chunk(i, 10_000)) // leave at t0 + 10, 20, 30, 40, 50
    clock.advanceTo(t0 + 25)
    expect(p.undeparted()).toBe(30_000)
    p.reset()
    expect(p.undeparted()).toBe(0)
    clock.advanceTo(t0 + 1000)
    expect(r.got).toEqual([{ tag: 0, at: t0 + 40 }, { tag: 1, at: t0 + 50 }, { tag: 'reset', at: t0 + 55 }])
    expect(clock.pending).toBe(0)
  })

  it('a discarded pipe hands nothing over and holds no timer', () => {
    const clock = new ManualClock()
    const p = pipe(clock, { latencyMs: 30 })
    const r = recorder(clock)
    p.receiver = r
    p.send(chunk(1))
    p.discard()
    expect(clock.pending).toBe(0)
    expect(p.send(chunk(2))).toBe(Infinity)
    clock.advanceTo(clock.t + 1000)
    expect(r.got).toEqual([])
  })
})

describe('emulated connection ends (manual clock)', () => {
  const log = defaultComponentLogger().forComponent('test:link')
  function ends (clock: ManualClock, a: Port, b: Port, latencyMs: number): [LinkConnection, LinkConnection] {
    return linkPair(a, b, latencyMs, {
      dialerRemoteAddr: multiaddr('/memory/b'), listenerRemoteAddr: multiaddr('/memory/a'), dialerLog: log, listenerLog: log
    }, clock)
  }
  const flush = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }

  it('send reports back-pressure past the high-water mark and drain follows once fewer bytes wait on the uplink', async () => {
    const clock = new ManualClock()
    const hwm = 256 * 1024
    const a = new Port(10, 8, null, hwm) // 1 byte per µs
    const b = new Port(10, null, null, hwm)
    const [out, inb] = ends(clock, a, b, 10)
    const received: number[] = []
    inb.addEventListener('message', evt => { received.push(evt.data.byteLength) })
    const piece = new Uint8Array(64 * 1024)
    const t0 = clock.t
    const accepted: boolean[] = []
    for (let i = 0; i < 6; i++) accepted.push(out.send(piece))
    // 4 × 64 KiB wait on the uplink when the 4th is written: at the mark, so it reports back-pressure
    expect(accepted).toEqual([true, true, true, false, false, false])
    expect(out.writableNeedsDrain).toBe(true)
    let drained = -1
    out.addEventListener('drain', () => { drained = clock.now() })
    // the first piece has left after 65.536 ms: 3 pieces wait, below the mark
    clock.advanceTo(t0 + 65)
    expect(drained).toBe(-1)
    clock.advanceTo(t0 + 67)
    expect(drained).toBeGreaterThanOrEqual(t0 + 65.536)
    await flush()
    // the two pieces held back in the write buffer are sent once drained; everything arrives
    clock.advanceTo(t0 + 1000)
    await flush()
    expect(received.reduce((s, n) => s + n, 0)).toBe(6 * 64 * 1024)
  })

  it('a close arrives after the data; an abort arrives as a reset one latency later', async () => {
    const clock = new ManualClock()
    const a = new Port(20, null, null, 1024)
    const b = new Port(20, null, null, 1024)
    const [out, inb] = ends(clock, a, b, 20)
    const events: string[] = []
    inb.addEventListener('message', () => { events.push(`message@${clock.now()}`) })
    inb.addEventListener('close', evt => { events.push(`close@${clock.now()}:${evt.error?.name ?? 'none'}`) })
    const t0 = clock.t
    out.send(new Uint8Array(10))
    await out.close()
    expect(out.status).toBe('closed')
    clock.advanceTo(t0 + 100)
    expect(events).toEqual([`message@${t0 + 20}`, `close@${t0 + 20}:none`])
    expect(inb.status).toBe('closed')

    const [out2, inb2] = ends(clock, a, b, 20)
    let closed = ''
    inb2.addEventListener('close', evt => { closed = `${clock.now()}:${evt.error?.name ?? 'none'}` })
    const t1 = clock.t
    out2.abort(new Error('test'))
    clock.advanceTo(t1 + 19)
    expect(inb2.status).toBe('open')
    clock.advanceTo(t1 + 100)
    expect(closed).toBe(`${t1 + 20}:StreamResetError`)
    expect(inb2.status).toBe('reset')
    expect(clock.pending).toBe(0)
  })
})
