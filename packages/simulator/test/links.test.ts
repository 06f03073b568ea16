import { describe, expect, it } from '@jest/globals'
import { PeerUnreachableError, StakedSet } from '@pokt-p2p/types'
import { simulateBroadcast } from '@pokt-p2p/raintree'
import {
  Engine, SimulatedNetwork, phantomPeer, simulate, syntheticPeers, type SimulatedNetworkInit
} from '../src/index.js'

const MiB = 1024 * 1024
const PROTOCOL = '/test/1'

/** A network of `n` synthetic nodes whose handlers record (receiver, sender, virtual time, size) of each arrival. */
function network (n: number, init: Omit<SimulatedNetworkInit, 'peers'> = {}) {
  const engine = new Engine()
  const set = StakedSet.from(syntheticPeers(n))
  const net = new SimulatedNetwork(engine, { peers: set, ...init })
  const arrivals: Array<{ to: number, from: string, at: number, size: number }> = []
  for (let i = 0; i < n; i++) {
    net.transport(i).handle(PROTOCOL, (bytes, from) => { arrivals.push({ to: i, from: from.address, at: engine.now, size: bytes.length }) })
  }
  /** send from node `from` to node `to`; resolves with the virtual time at which the send settled */
  const send = async (from: number, to: number, size: number): Promise<number> => {
    await net.transport(from).sendTo(net.peer(to), PROTOCOL, new Uint8Array(size))
    return engine.now
  }
  return { engine, net, arrivals, send }
}

describe('bandwidth', () => {
  it('a 4 MiB message takes its serialisation time to leave (4 MiB · 8 / 100 Mbit/s = 335.54 ms), then the latency', async () => {
    const { engine, arrivals, send } = network(2, { latency: 10, uploadMbps: 100 })
    const left = send(0, 1, 4 * MiB)
    await engine.run()
    const serialisation = (4 * MiB * 8) / 100_000
    expect(await left).toBeCloseTo(serialisation, 9)
    expect(arrivals).toEqual([{ to: 1, from: expect.any(String), at: expect.closeTo(serialisation + 10, 9), size: 4 * MiB }])
  })

  it('concurrent sends share the uplink, first come first served: the second leaves and arrives one serialisation later', async () => {
    const { engine, arrivals, send } = network(3, { latency: 10, uploadMbps: 100 })
    const first = send(0, 1, 4 * MiB)
    const second = send(0, 2, 4 * MiB)
    await engine.run()
    const s = (4 * MiB * 8) / 100_000
    expect([await first, await second]).toEqual([expect.closeTo(s, 9), expect.closeTo(2 * s, 9)])
    expect(arrivals.map(a => [a.to, a.at])).toEqual([[1, expect.closeTo(s + 10, 9)], [2, expect.closeTo(2 * s + 10, 9)]])
  })

  it('the downlink of a receiver takes messages one after another: two senders, one receiver at 100 Mbit/s down', async () => {
    const { engine, arrivals, send } = network(3, { latency: 10, downloadMbps: 100 })
    const a = send(1, 0, 4 * MiB)
    const b = send(2, 0, 4 * MiB)
    await engine.run()
    // unlimited upload: both sends resolve at once
    expect([await a, await b]).toEqual([0, 0])
    const s = (4 * MiB * 8) / 100_000
    expect(arrivals.map(x => x.at)).toEqual([expect.closeTo(10 + s, 9), expect.closeTo(10 + 2 * s, 9)])
  })

  it('latency pipelines: five 1000-byte messages at 8 Mbit/s (1 ms each) over 50 ms arrive at 51 … 55 ms', async () => {
    const { engine, arrivals, send } = network(2, { latency: 50, uploadMbps: 8, downloadMbps: 8 })
    for (let i = 0; i < 5; i++) void send(0, 1, 1000)
    await engine.run()
    expect(arrivals.map(a => a.at)).toEqual([51, 52, 53, 54, 55].map(t => expect.closeTo(t, 9)))
  })

  it('unlimited bandwidth: a message arrives exactly one latency later, whatever its size', async () => {
    const { engine, arrivals, send } = network(2, { latency: 25 })
    void send(0, 1, 4 * MiB)
    await engine.run()
    expect(arrivals.map(a => a.at)).toEqual([25])
  })
})

describe('loss', () => {
  it('the send of a lost message succeeds and it never arrives; about loss · sends are lost, the same ones for a seed', async () => {
    const run = async (seed: number) => {
      const { engine, net, arrivals, send } = network(2, { loss: 0.3, seed })
      const sends = Array.from({ length: 10_000 }, async () => await send(0, 1, 10))
      await engine.run()
      await Promise.all(sends)
      expect(arrivals.length + net.totals.lost).toBe(10_000)
      expect(net.writes[0]).toBe(10_000)
      expect(net.reads[1]).toBe(arrivals.length)
      return net.totals.lost
    }
    const lost = await run(1)
    // binomial(10000, 0.3): sd ≈ 46
    expect(Math.abs(lost - 3000)).toBeLessThan(250)
    expect(await run(1)).toBe(lost)
    expect(await run(2)).not.toBe(lost)
  })

  it('loss 1 loses everything; the broadcast reaches only the originator', async () => {
    const report = await simulate({ nodes: 30, loss: 1 })
    const sent = simulateBroadcast(30, 0, 'complete').writes[0]
    expect(report).toMatchObject({ reached: 1, liveReached: 1, live: 30, dataMessages: sent, lostMessages: sent })
    expect(report.coverageMs).toEqual({ p50: null, p90: null, p99: null, p100: null })
  })
})

describe('latency models', () => {
  it('uniform: each link draws once in [min, max], the same both ways and for every message; the seed decides', async () => {
    const latencies = async (seed: number): Promise<number[]> => {
      const { engine, arrivals, send } = network(20, { latency: { kind: 'uniform', minMs: 10, maxMs: 90 }, seed })
      for (let to = 1; to < 20; to++) { void send(0, to, 1); void send(to, 0, 1); void send(0, to, 1) }
      await engine.run()
      const out: number[] = []
      for (let to = 1; to < 20; to++) {
        const there = arrivals.filter(a => a.to === to).map(a => a.at)
        expect(there[0]).toBe(there[1])
        out.push(there[0]!)
      }
      return out
    }
    const a = await latencies(1)
    expect(a.every(l => l >= 10 && l <= 90)).toBe(true)
    expect(new Set(a).size).toBeGreaterThan(15)
    expect(await latencies(1)).toEqual(a)
    expect(await latencies(2)).not.toEqual(a)
  })

  it('uniform: the latency of a link is the same in both directions', () => {
    const { net } = network(50, { latency: { kind: 'uniform', minMs: 0, maxMs: 100 } })
    for (let i = 0; i < 50; i++) for (let j = 0; j < 50; j++) expect(net.links.latency(i, j)).toBe(net.links.latency(j, i))
  })

  it('regions: nodes are placed by weight and the latency of a link is matrix[region a][region b]', async () => {
    const latency = {
      kind: 'regions' as const,
      regions: [{ name: 'eu', weight: 3 }, { name: 'us', weight: 1 }],
      matrixMs: [[10, 80], [90, 20]]
    }
    const { net } = network(4000, { latency })
    const region = net.links.region!
    const eu = region.filter(r => r === 0).length
    expect(Math.abs(eu - 3000)).toBeLessThan(150)
    for (const [i, j] of [[0, 1], [5, 9], [100, 3999], [17, 17]]) {
      expect(net.links.latency(i!, j!)).toBe(latency.matrixMs[region[i!]!]![region[j!]!])
    }
    // the tick of a report is the mean over all ordered pairs of nodes as placed
    const counts = [eu, 4000 - eu]
    let mean = 0
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) mean += counts[a]! * counts[b]! * latency.matrixMs[a]![b]!
    expect(net.links.meanLatencyMs()).toBeCloseTo(mean / 4000 ** 2, 9)
    const report = await simulate({ nodes: 4000, latency, trace: true })
    expect(report.tickMs).toBeCloseTo(mean / 4000 ** 2, 9)
    // no faults: everyone reached; each node's first delivery is the sum of its path's matrix latencies
    expect(report.liveReached).toBe(4000)
    expect(report.trace?.every(r => r.firstMs !== null && r.firstMs >= 10 * (r.hop ?? 0) && r.firstMs <= 90 * (r.hop ?? 0))).toBe(true)
  })
})

describe('unreachable peers', () => {
  it('a send to a dead node fails with PeerUnreachableError after one round trip (2 × latency)', async () => {
    const { engine, net, arrivals } = network(3, { latency: 40 })
    net.kill(2)
    const settled = net.transport(0).sendTo(net.peer(2), PROTOCOL, new Uint8Array(10)).then(() => 'sent', (err: unknown) => [err, engine.now])
    await engine.run()
    const [error, at] = await settled as [Error, number]
    expect(error).toBeInstanceOf(PeerUnreachableError)
    expect(at).toBe(80)
    expect(arrivals).toEqual([])
    expect(net.totals.failedSends).toBe(1)
    expect(net.writes[0]).toBe(0)
  })

  it('a send to a peer that is not in the network (a phantom) fails the same way', async () => {
    const { engine, net } = network(3, { latency: 40 })
    const settled = net.transport(0).sendTo(phantomPeer(1, 0), PROTOCOL, new Uint8Array(10)).then(() => 'sent', (err: unknown) => [(err as Error).name, engine.now])
    await engine.run()
    expect(await settled).toEqual(['PeerUnreachableError', 80])
  })

  it('a message to a node that crashes while it is in flight is undelivered; the sends of a crashed node never settle', async () => {
    const { engine, net, arrivals } = network(3, { latency: 40 })
    let settled = false
    void net.transport(0).sendTo(net.peer(1), PROTOCOL, new Uint8Array(10))
    net.crashAt(1, 20)
    net.crashAt(2, 5)
    engine.at(10, () => { void net.transport(2).sendTo(net.peer(0), PROTOCOL, new Uint8Array(1)).finally(() => { settled = true }) })
    await engine.run()
    expect(arrivals).toEqual([])
    expect(net.totals.undelivered).toBe(1)
    expect(settled).toBe(false)
    expect([net.isUp(0), net.isUp(1), net.isUp(2)]).toEqual([true, false, false])
  })

  it('what is still on the uplink of a crashed node is lost', async () => {
    const { engine, net, arrivals, send } = network(3, { latency: 10, uploadMbps: 8 })
    // 1000 bytes at 8 Mbit/s = 1 ms each: the first has left by 1.5 ms, the second not
    void send(0, 1, 1000)
    void send(0, 2, 1000)
    net.crashAt(0, 1.5)
    await engine.run()
    expect(arrivals.map(a => a.to)).toEqual([1])
    expect(net.totals.undelivered).toBe(1)
  })
})

describe('SimulatedTransport', () => {
  it('hands the same bytes over (no copy), with the address and key of the sender', async () => {
    const engine = new Engine()
    const peers = syntheticPeers(2)
    const net = new SimulatedNetwork(engine, { peers: StakedSet.from(peers) })
    const bytes = new Uint8Array([1, 2, 3])
    const got: unknown[] = []
    net.transport(1).handle(PROTOCOL, (b, from) => { got.push(b, from.address, from.publicKey) })
    void net.transport(0).sendTo(peers[1]!, PROTOCOL, bytes)
    await engine.run()
    expect(got[0]).toBe(bytes)
    expect(got.slice(1)).toEqual([peers[0]!.address, peers[0]!.publicKey])
    expect(net.transport(0).localAddress).toBe(peers[0]!.address)
  })

  it('a node without a handler for the protocol does not take the message; a second protocol has its own handler', async () => {
    const engine = new Engine()
    const peers = syntheticPeers(2)
    const net = new SimulatedNetwork(engine, { peers: StakedSet.from(peers) })
    const got: string[] = []
    const t = net.transport(1)
    t.handle('/a', () => { got.push('a') })
    t.handle('/b', () => { got.push('b') })
    t.handle('/a', () => { got.push('a2') })
    for (const p of ['/a', '/b', '/c']) void net.transport(0).sendTo(peers[1]!, p, new Uint8Array(1))
    await engine.run()
    expect(got).toEqual(['a2', 'b'])
    t.unhandle('/a')
    expect(t.handlerFor('/a')).toBeUndefined()
    expect(t.handlerFor('/b')).toBeDefined()
    t.unhandle('/b')
    expect(t.handlerFor('/b')).toBeUndefined()
    expect(net.totals.undelivered).toBe(1)
  })

  it('is the clock of its node: virtual time, and the timers of a crashed node do not fire', async () => {
    const engine = new Engine()
    const net = new SimulatedNetwork(engine, { peers: StakedSet.from(syntheticPeers(2)) })
    const fired: string[] = []
    net.transport(0).setTimeout(() => { fired.push(`0@${net.transport(0).now()}`) }, 30)
    net.transport(1).setTimeout(() => { fired.push('1') }, 30)
    const cleared = net.transport(0).setTimeout(() => { fired.push('cleared') }, 10)
    net.transport(0).clearTimeout(cleared)
    net.crashAt(1, 20)
    await engine.run()
    expect(fired).toEqual(['0@30'])
  })

  it('a send with an aborted signal rejects with its reason', async () => {
    const { net } = network(2)
    await expect(net.transport(0).sendTo(net.peer(1), PROTOCOL, new Uint8Array(1), { signal: AbortSignal.abort(new Error('no')) }))
      .rejects.toThrow('no')
  })
})
