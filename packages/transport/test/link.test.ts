/**
 * The emulated memory transport (`createNode({ transport: 'memory', link })`) over real libp2p nodes. Times are
 * only ever checked from below: a message cannot arrive before the link lets it, however loaded the machine is.
 * The model's exact times (pipelining, shared uplink, back-pressure) are checked on a manual clock in
 * link-model.test.ts.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { InvalidConfigError, PeerUnreachableError } from '@pokt-p2p/types'
import { waitFor } from '@pokt-p2p/testing'
import type { Connection, StreamCloseEvent } from '@libp2p/interface'
import {
  createNode, emulatedMemory, RAINTREE_STREAM_PROTOCOL_ID, type LinkOptions, type NodeInit
} from '../src/index.js'
import { freshIdentity, rawStream, startNodes, stopAll, type TestNode } from './helpers.js'

const V2 = RAINTREE_STREAM_PROTOCOL_ID
const MiB = 1024 * 1024

let nodes: TestNode[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

async function linked (n: number, link: LinkOptions): Promise<TestNode[]> {
  nodes = await startNodes(n, { transport: 'memory', node: { link } })
  return nodes
}

/** Arrival times (performance.now()) of the messages a node receives on V2, with their first byte. */
function arrivals (n: TestNode): Array<{ tag: number, at: number, bytes: number }> {
  const got: Array<{ tag: number, at: number, bytes: number }> = []
  n.transport.handle(V2, bytes => { got.push({ tag: bytes[0]!, at: performance.now(), bytes: bytes.byteLength }) })
  return got
}

/** The connection `from` has to `to` (there is one once a message went between them). */
function connectionOf (from: TestNode, to: TestNode): Connection {
  const conn = from.node.getConnections(to.node.peerId)[0]
  if (conn === undefined) throw new Error('no connection')
  return conn
}

describe('latency', () => {
  const L = 30

  it('opening a connection costs at least the dial and the noise handshake: the first message arrives ≥ 4L after the send', async () => {
    const [a, b] = await linked(2, { latencyMs: L }) as [TestNode, TestNode]
    const atB = arrivals(b)
    const t0 = performance.now()
    await a.transport.sendTo(b.peer, V2, new Uint8Array([1]))
    await waitFor(() => atB.length === 1, { what: 'the first message' })
    // dial (L), noise XX: initiator's e (L), responder's e,ee,s,es (L), then the first data (L)
    expect(atB[0]!.at - t0).toBeGreaterThanOrEqual(4 * L)
  })

  it('a ping-pong on an open connection takes ≥ 2L per round trip', async () => {
    const [a, b] = await linked(2, { latencyMs: L }) as [TestNode, TestNode]
    b.transport.handle(V2, bytes => { b.transport.sendTo(a.peer, V2, bytes).catch(() => {}) })
    const atA = arrivals(a)
    await a.transport.sendTo(b.peer, V2, new Uint8Array([0]))
    await waitFor(() => atA.length === 1, { what: 'the warm-up echo' })
    for (let i = 1; i <= 5; i++) {
      const t0 = performance.now()
      await a.transport.sendTo(b.peer, V2, new Uint8Array([i]))
      await waitFor(() => atA.length === i + 1, { what: `echo ${i}` })
      expect(atA[i]!.tag).toBe(i)
      expect(atA[i]!.at - t0).toBeGreaterThanOrEqual(2 * L)
    }
  })

  it('20 frames written back to back on one framed stream all arrive, in order, each ≥ L after it was sent', async () => {
    const [a, b] = await linked(2, { latencyMs: L }) as [TestNode, TestNode]
    const atB = arrivals(b)
    await a.transport.sendTo(b.peer, V2, new Uint8Array([100]))
    await waitFor(() => atB.length === 1, { what: 'the warm-up frame' })
    const sentAt: number[] = []
    await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      sentAt.push(performance.now())
      await a.transport.sendTo(b.peer, V2, new Uint8Array([i]))
    }))
    await waitFor(() => atB.length === 21, { what: '20 frames' })
    const burst = atB.slice(1)
    expect(burst.map(m => m.tag)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    burst.forEach((m, i) => { expect(m.at - sentAt[i]!).toBeGreaterThanOrEqual(L) })
  })
})

describe('bandwidth', () => {
  /** Opens `from`'s connection to each of `to` with a 1-byte message, so that the measured sends find them open. */
  async function warm (from: TestNode, to: TestNode[], got: Array<Array<{ tag: number }>>): Promise<void> {
    for (const t of to) await from.transport.sendTo(t.peer, V2, new Uint8Array([0]))
    await waitFor(() => got.every(g => g.length === 1), { what: 'the warm-up messages' })
  }
  const block = (tag: number): Uint8Array => new Uint8Array(MiB).fill(tag)

  it('1 MiB over a 10 Mbit/s uplink arrives ≥ 0.8 s after it was sent', async () => {
    const [a, b] = await linked(2, { uploadMbps: 10 }) as [TestNode, TestNode]
    const atB = arrivals(b)
    await warm(a, [b], [atB])
    const t0 = performance.now()
    await a.transport.sendTo(b.peer, V2, block(1))
    await waitFor(() => atB.length === 2, { what: 'the 1 MiB message' })
    expect(atB[1]!.bytes).toBe(MiB)
    expect(atB[1]!.at - t0).toBeGreaterThanOrEqual(800)
  })

  it("a node's connections share its uplink: 1 MiB to each of two peers over 10 Mbit/s, the second arrives ≥ 1.6 s after", async () => {
    const [a, b, c] = await linked(3, { uploadMbps: 10 }) as [TestNode, TestNode, TestNode]
    const atB = arrivals(b)
    const atC = arrivals(c)
    await warm(a, [b, c], [atB, atC])
    const t0 = performance.now()
    await Promise.all([a.transport.sendTo(b.peer, V2, block(1)), a.transport.sendTo(c.peer, V2, block(2))])
    await waitFor(() => atB.length === 2 && atC.length === 2, { what: 'both 1 MiB messages' })
    expect([atB[1]!.bytes, atC[1]!.bytes]).toEqual([MiB, MiB])
    expect(Math.max(atB[1]!.at, atC[1]!.at) - t0).toBeGreaterThanOrEqual(1600)
  })

  it("a node's downlink is shared too: 1 MiB from each of two peers over a 10 Mbit/s downlink, the second arrives ≥ 1.6 s after", async () => {
    const [a, b, c] = await linked(3, { downloadMbps: 10 }) as [TestNode, TestNode, TestNode]
    const atC = arrivals(c)
    await a.transport.sendTo(c.peer, V2, new Uint8Array([0]))
    await b.transport.sendTo(c.peer, V2, new Uint8Array([0]))
    await waitFor(() => atC.length === 2, { what: 'the warm-up messages' })
    const t0 = performance.now()
    await Promise.all([a.transport.sendTo(c.peer, V2, block(1)), b.transport.sendTo(c.peer, V2, block(2))])
    await waitFor(() => atC.length === 4, { what: 'both 1 MiB messages' })
    expect(atC.slice(2).map(m => m.bytes)).toEqual([MiB, MiB])
    expect(atC[3]!.at - t0).toBeGreaterThanOrEqual(1600)
  })
})

describe('closes, resets and stops', () => {
  const L = 40

  /** Records when and how a connection closed. */
  function closing (conn: Connection): { at?: number, error?: Error } {
    const seen: { at?: number, error?: Error } = {}
    conn.addEventListener('close', (evt: StreamCloseEvent) => {
      seen.at = performance.now()
      if (evt.error !== undefined) seen.error = evt.error
    }, { once: true })
    return seen
  }

  async function connected (): Promise<[TestNode, TestNode, Connection]> {
    const [a, b] = await linked(2, { latencyMs: L }) as [TestNode, TestNode]
    const atB = arrivals(b)
    await a.transport.sendTo(b.peer, V2, new Uint8Array([1]))
    await waitFor(() => atB.length === 1, { what: 'the first message' })
    return [a, b, connectionOf(b, a)]
  }

  it('a hang-up reaches the other side as a close, ≥ L later', async () => {
    const [a, b, atB] = await connected()
    const seen = closing(atB)
    const t0 = performance.now()
    await a.node.hangUp(b.node.peerId)
    await waitFor(() => b.node.getConnections(a.node.peerId).length === 0, { what: "B's connection to close" })
    expect(seen.at! - t0).toBeGreaterThanOrEqual(L)
    expect(seen.error).toBeUndefined()
  })

  it('an aborted connection reaches the other side as a reset, ≥ L later', async () => {
    const [a, b, atB] = await connected()
    const seen = closing(atB)
    const t0 = performance.now()
    connectionOf(a, b).abort(new Error('test abort'))
    await waitFor(() => b.node.getConnections(a.node.peerId).length === 0, { what: "B's connection to reset" })
    expect(seen.at! - t0).toBeGreaterThanOrEqual(L)
    expect(seen.error?.name).toBe('StreamResetError')
  })

  it('a stream reset crosses the link too', async () => {
    const [a, b] = await connected()
    let remote: { at?: number, status?: string } = {}
    const opened = new Promise<void>(resolve => {
      void b.node.handle('/test/reset/1.0.0', stream => {
        stream.addEventListener('close', () => { remote = { at: performance.now(), status: stream.status } })
        resolve()
      })
    })
    const stream = await rawStream(a, b, '/test/reset/1.0.0')
    stream.send(new Uint8Array([1]))
    await opened
    const t0 = performance.now()
    stream.abort(new Error('test abort'))
    await waitFor(() => remote.at !== undefined, { what: "B's stream to reset" })
    expect(remote.status).toBe('reset')
    expect(remote.at! - t0).toBeGreaterThanOrEqual(L)
  })

  it("stopping a node closes its connections (the peer sees it ≥ L later) and it can't be dialled any more", async () => {
    const [a, b, atB] = await connected()
    const seen = closing(atB)
    const t0 = performance.now()
    await a.node.stop()
    await waitFor(() => b.node.getConnections(a.node.peerId).length === 0, { what: "B's connection to close" })
    expect(seen.at! - t0).toBeGreaterThanOrEqual(L)
    const err = await b.transport.sendTo(a.peer, V2, new Uint8Array([2])).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PeerUnreachableError)
  })
})

describe('link options', () => {
  it.each([
    [{ latencyMs: -1 }, 'link.latencyMs'],
    [{ latencyMs: Number.NaN }, 'link.latencyMs'],
    [{ latencyMs: Infinity }, 'link.latencyMs'],
    [{ latencyMs: '25' }, 'link.latencyMs'],
    [{ uploadMbps: 0 }, 'link.uploadMbps'],
    [{ uploadMbps: -10 }, 'link.uploadMbps'],
    [{ uploadMbps: Infinity }, 'link.uploadMbps'],
    [{ uploadMbps: '10' }, 'link.uploadMbps'],
    [{ downloadMbps: 0 }, 'link.downloadMbps'],
    [{ bandwidthMbps: 10 }, 'link.bandwidthMbps'],
    [25, 'link'],
    [null, 'link']
  ] as Array<[unknown, string]>)('createNode refuses link %p with InvalidConfigError naming %s', async (link, field) => {
    const err = await createNode({ identity: freshIdentity(), transport: 'memory', link } as unknown as NodeInit).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as InvalidConfigError).field).toBe(field)
  })

  it('createNode refuses a link on TCP', async () => {
    const err = await createNode({ identity: freshIdentity(), transport: 'tcp', port: 0, link: { latencyMs: 5 } }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as InvalidConfigError).field).toBe('link')
  })

  it.each([
    [{ latencyMs: -5 }, 'latencyMs'],
    [{ uploadMbps: 0 }, 'uploadMbps'],
    [{ downloadMbps: -1 }, 'downloadMbps'],
    [{ highWaterMarkBytes: 0 }, 'highWaterMarkBytes'],
    [{ highWaterMarkBytes: 1.5 }, 'highWaterMarkBytes'],
    [{ latency: 5 }, 'latency']
  ] as Array<[unknown, string]>)('emulatedMemory refuses %p with InvalidConfigError naming %s', (init, field) => {
    let err: unknown
    try {
      emulatedMemory(init as never)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as InvalidConfigError).field).toBe(field)
  })

  it('latency 0 and unlimited bandwidth keep @libp2p/memory: such a node reaches a node without link, an emulated one does not', async () => {
    const plain = await startNodes(1, { transport: 'memory' })
    const zero = await startNodes(1, { transport: 'memory', node: { link: { latencyMs: 0, uploadMbps: null } } })
    const slow = await startNodes(1, { transport: 'memory', node: { link: { latencyMs: 5 } } })
    nodes = [...plain, ...zero, ...slow]
    const [p, z, s] = nodes as [TestNode, TestNode, TestNode]
    const atP = arrivals(p)
    await z.transport.sendTo(p.peer, V2, new Uint8Array([1]))
    await waitFor(() => atP.length === 1, { what: 'the message over @libp2p/memory' })
    const err = await s.transport.sendTo(p.peer, V2, new Uint8Array([2])).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PeerUnreachableError)
  })
})
