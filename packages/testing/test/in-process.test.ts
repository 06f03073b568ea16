import { describe, expect, it } from '@jest/globals'
import {
  InvalidConfigError, MessageTooLargeError, NotStartedError, PeerUnreachableError, createPeer, testIdentity,
  type Clock, type ClockTimer, type RemoteSender
} from '@pokt-p2p/types'
import { InProcessNetwork } from '../src/index.js'

const node = (seed: number): RemoteSender & { peer: ReturnType<typeof createPeer> } => {
  const id = testIdentity(seed)
  return { address: id.address, publicKey: id.publicKeyHex, peer: createPeer(id.publicKey, '') }
}

describe('in-process network', () => {
  it('delivers a copy asynchronously with the sender identity, and counts it', async () => {
    const net = new InProcessNetwork()
    const a = node(1)
    const b = node(2)
    const ta = net.createTransport(a)
    const tb = net.createTransport(b)
    const got: Array<[Uint8Array, RemoteSender]> = []
    tb.handle('p', (bytes, from) => { got.push([bytes, from]) })
    const data = Uint8Array.of(1, 2, 3)
    await ta.sendTo(b.peer, 'p', data)
    data[0] = 9
    expect(got).toHaveLength(0)
    await net.idle()
    expect(got[0]?.[0]).toEqual(Uint8Array.of(1, 2, 3))
    expect(got[0]?.[1]).toEqual({ address: a.address, publicKey: a.publicKey })
    expect(net.stats).toEqual({ messages: 1, bytes: 3 })
  })

  it('unknown node, unknown protocol, oversize and closed transports are typed errors', async () => {
    const net = new InProcessNetwork({ maxMessageBytes: 4 })
    const a = node(1)
    const b = node(2)
    const ta = net.createTransport(a)
    await expect(ta.sendTo(b.peer, 'p', Uint8Array.of(1))).rejects.toThrow(PeerUnreachableError)
    const tb = net.createTransport(b)
    await expect(ta.sendTo(b.peer, 'p', Uint8Array.of(1))).rejects.toThrow(/none of the protocols p is supported/)
    tb.handle('p', () => {})
    await expect(ta.sendTo(b.peer, 'p', new Uint8Array(5))).rejects.toThrow(MessageTooLargeError)
    tb.close()
    await expect(ta.sendTo(b.peer, 'p', Uint8Array.of(1))).rejects.toThrow(PeerUnreachableError)
    ta.close()
    await expect(ta.sendTo(b.peer, 'p', Uint8Array.of(1))).rejects.toThrow(NotStartedError)
    const ac = new AbortController()
    ac.abort(new Error('stop'))
    await expect(net.createTransport(a).sendTo(b.peer, 'p', Uint8Array.of(1), { signal: ac.signal })).rejects.toThrow('stop')
  })

  it('idle waits for async handlers and for the messages they send, then for nothing', async () => {
    const net = new InProcessNetwork()
    const [a, b, c] = [node(1), node(2), node(3)]
    const ta = net.createTransport(a)
    const tb = net.createTransport(b)
    const got: string[] = []
    let release: () => void = () => {}
    const held = new Promise<void>(resolve => { release = resolve })
    // B holds each message until released, then forwards it to C
    tb.handle('p', async bytes => { got.push('b'); await held; await tb.sendTo(c.peer, 'p', bytes) })
    net.createTransport(c).handle('p', async () => { await Promise.resolve(); got.push('c') })
    await net.idle() // nothing in flight: resolves at once
    await ta.sendTo(b.peer, 'p', Uint8Array.of(1))
    let idle = false
    const waiters = [net.idle(), net.idle()]
    void Promise.all(waiters).then(() => { idle = true })
    await new Promise(resolve => setImmediate(resolve))
    await new Promise(resolve => setImmediate(resolve))
    expect(got).toEqual(['b'])
    expect(idle).toBe(false)
    release()
    await Promise.all(waiters)
    expect(got).toEqual(['b', 'c'])
    expect(net.stats.messages).toBe(2)
  })

  it('a throwing handler does not break the network', async () => {
    const net = new InProcessNetwork()
    const a = node(1)
    const b = node(2)
    const ta = net.createTransport(a)
    let calls = 0
    net.createTransport(b).handle('p', () => { calls++; throw new Error('boom') })
    await ta.sendTo(b.peer, 'p', Uint8Array.of(1))
    await ta.sendTo(b.peer, 'p', Uint8Array.of(1))
    await net.idle()
    expect(calls).toBe(2)
  })
})

/**
 * A virtual clock for the tests: time moves only with `advance(ms)`, which fires the timers falling due on the
 * way in time order (ties in the order they were set), each at its own time, including timers they set.
 */
class ManualClock implements Clock {
  #now = 0
  #seq = 0
  readonly #timers = new Map<number, { at: number, seq: number, callback: () => void }>()

  now = (): number => this.#now

  setTimeout = (callback: () => void, ms: number): ClockTimer => {
    const id = ++this.#seq
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), seq: id, callback })
    return id
  }

  clearTimeout = (timer: ClockTimer): void => { this.#timers.delete(timer as number) }

  /** Timers set and not yet fired. */
  get pending (): number { return this.#timers.size }

  advance (ms: number): void {
    const until = this.#now + ms
    for (;;) {
      let next: [number, { at: number, seq: number, callback: () => void }] | undefined
      for (const entry of this.#timers) {
        const [, t] = entry
        if (t.at <= until && (next === undefined || t.at < next[1].at || (t.at === next[1].at && t.seq < next[1].seq))) next = entry
      }
      if (next === undefined) break
      this.#timers.delete(next[0])
      this.#now = next[1].at
      next[1].callback()
    }
    this.#now = until
  }
}

/** Lets every pending macrotask (and the microtasks they queue) run, a few times over. */
const macrotasks = async (n = 3): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise(resolve => setImmediate(resolve))
}

describe('in-process network with latency and a clock', () => {
  it('latency 0 (the default, or given) delivers on a macrotask without touching the clock', async () => {
    for (const init of [{}, { latencyMs: 0 }, { latencyMs: () => 0 }]) {
      const clock = new ManualClock()
      const net = new InProcessNetwork({ ...init, clock })
      const [a, b] = [node(1), node(2)]
      const ta = net.createTransport(a)
      const got: number[] = []
      net.createTransport(b).handle('p', bytes => { got.push(bytes[0] ?? -1) })
      await ta.sendTo(b.peer, 'p', Uint8Array.of(1))
      await ta.sendTo(b.peer, 'p', Uint8Array.of(2))
      expect(got).toEqual([])
      expect(clock.pending).toBe(0)
      await net.idle() // no advance needed
      expect(got).toEqual([1, 2])
      expect(clock.now()).toBe(0)
    }
  })

  it('a message arrives exactly at its send time + latency in virtual time', async () => {
    const clock = new ManualClock()
    const net = new InProcessNetwork({ clock, latencyMs: 50 })
    const [a, b] = [node(1), node(2)]
    const ta = net.createTransport(a)
    const arrivals: Array<[number, number]> = []
    net.createTransport(b).handle('p', bytes => { arrivals.push([bytes[0] ?? -1, clock.now()]) })
    await ta.sendTo(b.peer, 'p', Uint8Array.of(1)) // at 0
    clock.advance(10)
    await ta.sendTo(b.peer, 'p', Uint8Array.of(2)) // at 10
    clock.advance(39) // 49
    await macrotasks()
    expect(arrivals).toEqual([])
    clock.advance(1) // 50
    expect(arrivals).toEqual([[1, 50]])
    clock.advance(9) // 59
    expect(arrivals).toEqual([[1, 50]])
    clock.advance(100) // past 60: the second one fires at 60, not at 159
    expect(arrivals).toEqual([[1, 50], [2, 60]])
    await net.idle()
    expect(net.stats).toEqual({ messages: 2, bytes: 2 })
  })

  it('links are pipelined: a burst of k messages arrives together, latency later, in the order sent', async () => {
    const k = 8
    const clock = new ManualClock()
    const net = new InProcessNetwork({ clock, latencyMs: 100 })
    const [a, b] = [node(1), node(2)]
    const ta = net.createTransport(a)
    const arrivals: Array<[number, number]> = []
    net.createTransport(b).handle('p', bytes => { arrivals.push([bytes[0] ?? -1, clock.now()]) })
    await Promise.all(Array.from({ length: k }, async (_, i) => { await ta.sendTo(b.peer, 'p', Uint8Array.of(i)) }))
    expect(clock.pending).toBe(k)
    clock.advance(99)
    expect(arrivals).toEqual([])
    clock.advance(1)
    expect(arrivals).toEqual(Array.from({ length: k }, (_, i) => [i, 100]))
    await net.idle()
    expect(net.stats.messages).toBe(k)
  })

  it('a latency function gives each link its own delay, and delays add up hop by hop', async () => {
    const clock = new ManualClock()
    const [a, b, c] = [node(1), node(2), node(3)]
    const table = new Map([[`${a.address}>${b.address}`, 10], [`${a.address}>${c.address}`, 35], [`${b.address}>${c.address}`, 20]])
    const asked: string[] = []
    const net = new InProcessNetwork({
      clock,
      latencyMs: (from, to) => { asked.push(`${from}>${to}`); return table.get(`${from}>${to}`) ?? -1 }
    })
    const ta = net.createTransport(a)
    const tb = net.createTransport(b)
    const arrivals: string[] = []
    // B forwards what it gets to C; C records who sent what when
    tb.handle('p', async bytes => { arrivals.push(`b@${clock.now()}`); await tb.sendTo(c.peer, 'p', bytes) })
    net.createTransport(c).handle('p', (bytes, from) => {
      arrivals.push(`c@${clock.now()} from ${from.address === a.address ? 'a' : 'b'}`)
    })
    await ta.sendTo(b.peer, 'p', Uint8Array.of(1))
    await ta.sendTo(c.peer, 'p', Uint8Array.of(2))
    const idle = net.idle()
    clock.advance(10)
    await macrotasks() // B's handler runs at 10 and sends on
    clock.advance(100)
    await idle
    expect(arrivals).toEqual(['b@10', 'c@30 from b', 'c@35 from a'])
    expect(asked).toEqual([`${a.address}>${b.address}`, `${a.address}>${c.address}`, `${b.address}>${c.address}`])
  })

  it('idle waits for delayed messages and for their handlers', async () => {
    const clock = new ManualClock()
    const net = new InProcessNetwork({ clock, latencyMs: 50 })
    const [a, b] = [node(1), node(2)]
    const ta = net.createTransport(a)
    let release: () => void = () => {}
    const held = new Promise<void>(resolve => { release = resolve })
    const got: string[] = []
    net.createTransport(b).handle('p', async () => { got.push('received'); await held; got.push('handled') })
    await ta.sendTo(b.peer, 'p', Uint8Array.of(1))
    let idle = false
    const waiter = net.idle().then(() => { idle = true })
    await macrotasks()
    expect(idle).toBe(false) // in flight
    clock.advance(50)
    await macrotasks()
    expect(got).toEqual(['received'])
    expect(idle).toBe(false) // delivered, handler still running
    release()
    await waiter
    expect(got).toEqual(['received', 'handled'])
  })

  it('a message whose receiver closed or unhandled the protocol in flight is lost silently, and idle settles', async () => {
    const clock = new ManualClock()
    const net = new InProcessNetwork({ clock, latencyMs: 50 })
    const [a, b, c, d] = [node(1), node(2), node(3), node(4)]
    const ta = net.createTransport(a)
    const tb = net.createTransport(b)
    const tc = net.createTransport(c)
    const td = net.createTransport(d)
    const got: string[] = []
    tb.handle('p', () => { got.push('b') })
    tc.handle('p', () => { got.push('c') })
    td.handle('p', () => { got.push('d, first handler') })
    await ta.sendTo(b.peer, 'p', Uint8Array.of(1))
    await ta.sendTo(c.peer, 'p', Uint8Array.of(1))
    await ta.sendTo(d.peer, 'p', Uint8Array.of(1))
    await ta.sendTo(d.peer, 'p', new Uint8Array(3))
    clock.advance(20)
    tb.close() // B goes away
    tc.unhandle('p') // C stops listening on p
    net.createTransport(b).handle('p', () => { got.push('b, restarted') }) // a new node at B's address: not the one sent to
    td.handle('p', () => { got.push('d, second handler') }) // D listens with another handler: it gets them
    const idle = net.idle()
    clock.advance(30)
    await idle
    expect(got).toEqual(['d, second handler', 'd, second handler'])
    expect(net.stats).toEqual({ messages: 2, bytes: 4 })
  })

  it('refuses a latency that is not a finite number >= 0, from the option or from the function', async () => {
    for (const latencyMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      expect(() => new InProcessNetwork({ latencyMs })).toThrow(InvalidConfigError)
      expect(() => new InProcessNetwork({ latencyMs })).toThrow(/invalid latencyMs: must be a finite number >= 0/)
    }
    const clock = new ManualClock()
    const [a, b] = [node(1), node(2)]
    for (const [value, shown] of [[-5, '-5'], [Number.NaN, 'NaN'], [Number.POSITIVE_INFINITY, 'Infinity'], [undefined, 'undefined']] as const) {
      const net = new InProcessNetwork({ clock, latencyMs: () => value as number })
      const ta = net.createTransport(a)
      let calls = 0
      net.createTransport(b).handle('p', () => { calls++ })
      const sent = ta.sendTo(b.peer, 'p', Uint8Array.of(1))
      await expect(sent).rejects.toThrow(InvalidConfigError)
      await expect(sent).rejects.toThrow(`returned ${shown}`)
      await expect(sent).rejects.toThrow(`${a.address} -> ${b.address}`)
      // nothing went out: nothing to wait for
      expect(clock.pending).toBe(0)
      await net.idle()
      expect(calls).toBe(0)
    }
  })

  it('the default clock is the system clock: a delayed message arrives in real time', async () => {
    const net = new InProcessNetwork({ latencyMs: 1 })
    const [a, b] = [node(1), node(2)]
    const ta = net.createTransport(a)
    const got: number[] = []
    net.createTransport(b).handle('p', bytes => { got.push(bytes[0] ?? -1) })
    await ta.sendTo(b.peer, 'p', Uint8Array.of(7))
    expect(got).toEqual([])
    await net.idle()
    expect(got).toEqual([7])
  })

  it('a list of protocols goes out on the first one the receiver handles, and says which', async () => {
    const net = new InProcessNetwork()
    const [a, b, c] = [node(1), node(2), node(3)]
    const ta = net.createTransport(a)
    const got: string[] = []
    net.createTransport(b).handle('v1', () => { got.push('b:v1') })
    const tc = net.createTransport(c)
    tc.handle('v1', () => { got.push('c:v1') })
    tc.handle('v2', () => { got.push('c:v2') })
    expect(await ta.sendTo(b.peer, ['v2', 'v1'], Uint8Array.of(1))).toBe('v1')
    expect(await ta.sendTo(c.peer, ['v2', 'v1'], Uint8Array.of(1))).toBe('v2')
    await expect(ta.sendTo(b.peer, ['v3', 'v2'], Uint8Array.of(1))).rejects.toThrow(/none of the protocols v3, v2 is supported/)
    await net.idle()
    expect(got.sort()).toEqual(['b:v1', 'c:v2'])
  })
})
