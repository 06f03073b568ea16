/**
 * createNode's per-connection fixes of two per-message costs of noise and yamux (src/stack-tuning.ts): noise's
 * length decoder answers "need more bytes" without throwing, and yamux streams send their window updates once half
 * the receive window is used. Checked: that they are applied to the pinned versions (a release that changes the
 * internals they rely on turns them off silently, and these tests fail), that noise still splits every chunking
 * into the same frames, and that flow control still works both ways, also against a node on stock noise and yamux.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { identify } from '@libp2p/identify'
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { StreamState, YamuxStream } from '@libp2p/yamux/stream'
import { createPeer, defaultComponentLogger, MemoryMetrics, type ConnectionType } from '@pokt-p2p/types'
import { waitFor } from '@pokt-p2p/testing'
import { createLibp2p } from 'libp2p'
import type { Connection, MessageStream, Stream } from '@libp2p/interface'
import { memoryMultiaddr, messageTransport, privateKeyOf, RAINTREE_STREAM_PROTOCOL_ID } from '../src/index.js'
import { cheapNoiseReads, lazyWindowUpdates, updateLazily } from '../src/stack-tuning.js'
import { chunk, freshIdentity, startNodes, stopAll, streamsTo, type TestNode } from './helpers.js'

const V2 = RAINTREE_STREAM_PROTOCOL_ID
let nodes: TestNode[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

/** The internals the tuning relies on, as the tests read them. */
interface Internals {
  /** the noise-encrypted connection the muxer reads and writes */
  muxer?: { maConn?: MessageStream & { decoder?: { lengthDecoder?: { (data: Uint8Array): number, bytes?: number } } } }
}
interface Window { sendWindowCapacity: number, recvWindow: number, recvWindowCapacity: number }

function encrypted (connection: Connection): NonNullable<NonNullable<Internals['muxer']>['maConn']> {
  const stream = (connection as unknown as Internals).muxer?.maConn
  if (stream === undefined) throw new Error('no muxer under the connection: the libp2p internals changed')
  return stream
}

const window = (s: Stream): Window => s as unknown as Window

/** One noise frame as noise writes it: a 2-byte big-endian length, then the bytes. */
function noiseFrame (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + body.length)
  out[0] = body.length >> 8
  out[1] = body.length & 0xff
  out.set(body, 2)
  return out
}

describe.each<ConnectionType>(['memory', 'tcp'])('createNode over %s', kind => {
  it('tunes every connection: noise reads without throwing, yamux streams (inbound and outbound) update lazily', async () => {
    nodes = await startNodes(2, { transport: kind })
    const [a, b] = nodes as [TestNode, TestNode]
    b.transport.handle(V2, () => {})
    await a.transport.sendTo(b.peer, V2, new Uint8Array(10))
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const [connection] = from.node.getConnections(to.node.peerId)
      const decode = encrypted(connection!).decoder?.lengthDecoder
      // with fewer than 2 bytes the tuned decoder answers 0 where noise's own throws
      expect(decode?.(new Uint8Array(1))).toBe(0)
      expect(decode?.bytes).toBe(2)
      const [stream] = streamsTo(from, to, V2)
      expect(stream).toBeInstanceOf(YamuxStream)
      expect(Object.hasOwn(stream!, 'sendWindowUpdate')).toBe(true)
    }
  })

  it('a framed stream that received under half its window sent no update; past half, the sender got its credit back', async () => {
    // a window that cannot grow (yamux doubles it at an update within 4 round trips of the last), for exact figures
    nodes = await startNodes(2, { transport: kind, node: { maxStreamWindowBytes: 256 * 1024 } })
    const [a, b] = nodes as [TestNode, TestNode]
    let got = 0
    b.transport.handle(V2, () => { got++ })
    const body = new Uint8Array(1024)
    await a.transport.sendTo(b.peer, V2, body)
    await waitFor(() => got === 1, { what: 'the first frame' })
    const [sending] = streamsTo(a, b, V2)
    const [receiving] = streamsTo(b, a, V2)
    // the first frame carried the SYN, which B answered at once (ACK) with the credit used so far
    await waitFor(() => window(sending!).sendWindowCapacity === window(receiving!).recvWindowCapacity, { what: 'the ACK' })
    const before = window(receiving!).recvWindowCapacity
    // 100 frames of 1 KiB (+ prefix and yamux header): not half the window, so no update went back
    for (let i = 0; i < 100; i++) await a.transport.sendTo(b.peer, V2, body)
    await waitFor(() => got === 101, { what: '100 frames' })
    const left = window(receiving!).recvWindowCapacity
    expect(left).toBeLessThanOrEqual(before - 100 * 1024)
    expect(window(receiving!).recvWindow - left).toBeLessThan(window(receiving!).recvWindow / 2)
    expect(window(sending!).sendWindowCapacity).toBe(left)
    // past half the window B sends one update, which gives A its whole window back
    for (let i = 0; i < 40; i++) await a.transport.sendTo(b.peer, V2, body)
    await waitFor(() => got === 141, { what: '40 more frames' })
    expect(window(receiving!).recvWindow - window(receiving!).recvWindowCapacity).toBeLessThan(40 * 1100)
    await waitFor(() => window(sending!).sendWindowCapacity === window(receiving!).recvWindowCapacity, { what: 'the window update' })
  })

  // Also the regression test of the unread-bytes rule: on a new stream the first frames arrive before libp2p calls
  // the protocol handler; yamux 8 granted credit for them anyway, the read buffer passed 4 MiB and the stream was
  // aborted, losing the frames in it (438 of 600 one way, over memory) while every send had resolved.
  it('a burst of small frames and 3 MiB frames on a new connection, both ways at once: every frame arrives, whole and in order', async () => {
    nodes = await startNodes(2, { transport: kind })
    const [a, b] = nodes as [TestNode, TestNode]
    const big = (seed: number): Uint8Array => new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31 + seed) & 0xff)
    const received = new Map<TestNode, Uint8Array[]>([[a, []], [b, []]])
    for (const n of [a, b]) n.transport.handle(V2, bytes => { received.get(n)!.push(bytes.slice()) })
    const sent = new Map<TestNode, Uint8Array[]>([[a, []], [b, []]])
    await Promise.all([[a, b], [b, a]].map(async ([from, to]) => {
      const sends: Array<Promise<string>> = []
      for (let i = 0; i < 600; i++) {
        const bytes = i % 200 === 199 ? big(i) : new Uint8Array(1024).fill(i & 0xff)
        sent.get(to!)!.push(bytes)
        sends.push(from!.transport.sendTo(to!.peer, V2, bytes))
      }
      await Promise.all(sends)
    }))
    await waitFor(() => received.get(a)!.length === 600 && received.get(b)!.length === 600, { what: 'every frame' })
    for (const n of [a, b]) {
      const got = received.get(n)!
      const want = sent.get(n)!
      for (let i = 0; i < want.length; i++) expect(Buffer.compare(got[i]!, want[i]!)).toBe(0)
    }
  }, 60_000)
})

describe('interoperability', () => {
  it('a tuned node and a node on stock noise and yamux exchange 2 MiB of small frames and a 3 MiB frame, both ways', async () => {
    nodes = await startNodes(1, { transport: 'memory' })
    const [tuned] = nodes as [TestNode]
    const id = freshIdentity()
    const node = await createLibp2p({
      privateKey: privateKeyOf(id),
      addresses: { listen: [memoryMultiaddr(id.address).toString()] },
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), ping: ping() }
    })
    await node.start()
    const metrics = new MemoryMetrics()
    const stock: TestNode = {
      identity: id,
      node,
      metrics,
      transport: messageTransport({ resolveAddresses: p => [memoryMultiaddr(p.address)] })({ node, metrics }),
      peer: createPeer(id.publicKey, '')
    }
    nodes.push(stock)
    const counts = new Map<TestNode, number>([[tuned, 0], [stock, 0]])
    const bytes = new Map<TestNode, number>([[tuned, 0], [stock, 0]])
    for (const n of [tuned, stock]) {
      n.transport.handle(V2, body => {
        counts.set(n, counts.get(n)! + 1)
        bytes.set(n, bytes.get(n)! + body.byteLength)
      })
    }
    // streams open and read at both ends first (a stock receiver still has yamux 8's gap before its handler runs)
    await tuned.transport.sendTo(stock.peer, V2, new Uint8Array(1))
    await stock.transport.sendTo(tuned.peer, V2, new Uint8Array(1))
    await waitFor(() => counts.get(tuned) === 1 && counts.get(stock) === 1, { what: 'the first frames' })
    const N = 2048
    await Promise.all([[tuned, stock], [stock, tuned]].map(async ([from, to]) => {
      const sends: Array<Promise<string>> = []
      for (let i = 0; i < N; i++) sends.push(from!.transport.sendTo(to!.peer, V2, new Uint8Array(1024)))
      sends.push(from!.transport.sendTo(to!.peer, V2, new Uint8Array(3 * 1024 * 1024)))
      await Promise.all(sends)
    }))
    await waitFor(() => counts.get(tuned) === N + 2 && counts.get(stock) === N + 2, { what: 'every frame' })
    expect(bytes.get(tuned)).toBe(1 + N * 1024 + 3 * 1024 * 1024)
    expect(bytes.get(stock)).toBe(1 + N * 1024 + 3 * 1024 * 1024)
    // only the tuned side's streams were changed
    expect(Object.hasOwn(streamsTo(tuned, stock, V2)[0]!, 'sendWindowUpdate')).toBe(true)
    expect(Object.hasOwn(streamsTo(stock, tuned, V2)[0]!, 'sendWindowUpdate')).toBe(false)
  }, 60_000)
})

describe('cheapNoiseReads', () => {
  /** A decoder set up as noise's (`@libp2p/noise` utils.js), with noise's own length decoder behaviour. */
  function noiseDecoder (): LengthPrefixedDecoder & { lengthDecoder: { (d: Uint8Array): number, bytes?: number } } {
    const uint16BEDecode = Object.assign((data: { byteLength: number, subarray: () => Uint8Array }): number => {
      if (data.byteLength < 2) throw new RangeError('Could not decode int16BE')
      const b = data.subarray()
      return (b[0]! << 8) + b[1]!
    }, { bytes: 2 })
    return new LengthPrefixedDecoder({ lengthDecoder: uint16BEDecode, maxBufferSize: 16 * 1024 * 1024, encodingLength: () => 2 }) as never
  }

  it('splits any chunking of any frames (empty ones included) into the frames noise\'s own decoder gives', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (bodies, cuts) => {
        const stream = bodies.map(noiseFrame)
        const wire = Buffer.concat(stream)
        const own = noiseDecoder()
        const tuned = noiseDecoder()
        expect(cheapNoiseReads({ decoder: tuned } as unknown as MessageStream)).toBe(true)
        const read = (d: LengthPrefixedDecoder): string[] => chunk(wire, cuts).flatMap(c => [...d.decode(c)].map(f => Buffer.from(f.subarray()).toString('hex')))
        const want = bodies.filter(b => b.length > 0).map(b => Buffer.from(b).toString('hex'))
        expect(read(own)).toEqual(want)
        expect(read(tuned)).toEqual(want)
      }), { numRuns: 300 })
  })

  it('leaves a connection that does not look like noise\'s alone', () => {
    expect(cheapNoiseReads({} as unknown as MessageStream)).toBe(false)
    const varint = new LengthPrefixedDecoder()
    expect(cheapNoiseReads({ decoder: varint } as unknown as MessageStream)).toBe(false)
  })
})

describe('lazyWindowUpdates', () => {
  /** yamux's frame types (`@libp2p/yamux` frame.ts, not exported) */
  const DATA = 0
  const WINDOW_UPDATE = 1

  /** An established inbound yamux stream on its own, its frames handed to `sendFrame`. */
  function established (sendFrame: ConstructorParameters<typeof YamuxStream>[0]['sendFrame']): YamuxStream {
    return new YamuxStream({
      id: '2',
      streamId: 2,
      state: StreamState.Established,
      direction: 'inbound',
      log: defaultComponentLogger().forComponent('test:yamux'),
      getRTT: () => -1,
      sendFrame
    })
  }

  /**
   * An established inbound yamux stream on its own, its frames recorded (or refused once `refuse` is set); its reader
   * asks for half-window updates while `lazy.now` holds.
   */
  function lone (lazy = { now: true }): { stream: YamuxStream, sent: Array<{ type: number, length: number }>, refuse: () => void } {
    const sent: Array<{ type: number, length: number }> = []
    let refusing = false
    const stream = established(header => {
      if (refusing) throw new Error('Cannot write to a stream that is closed')
      sent.push({ type: header.type, length: header.length })
      return true
    })
    expect(lazyWindowUpdates(stream)).toBe(true)
    updateLazily(stream, () => lazy.now)
    return { stream, sent, refuse: () => { refusing = true } }
  }

  const data = (stream: YamuxStream, n: number): void => {
    stream.handleData({ header: { type: DATA, flag: 0, streamID: 2, length: n }, data: new Uint8Array(n) } as never)
  }
  const settle = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

  it('holds the update back while no reader took the bytes, and sends it once one does', async () => {
    const { stream, sent } = lone()
    data(stream, 200 * 1024)
    data(stream, 50 * 1024)
    // 250 KiB of the 256 KiB window used, nothing read: no credit given back
    expect(sent).toEqual([])
    expect(stream.readBufferLength).toBe(250 * 1024)
    const got: number[] = []
    stream.addEventListener('message', evt => { got.push(evt.data.byteLength) })
    await settle()
    expect(got).toEqual([250 * 1024])
    expect(sent).toEqual([{ type: WINDOW_UPDATE, length: 250 * 1024 }])
    // with a reader, under half the window: no update; past half: one
    data(stream, 100 * 1024)
    expect(sent).toHaveLength(1)
    data(stream, 30 * 1024)
    expect(sent).toEqual([{ type: WINDOW_UPDATE, length: 250 * 1024 }, { type: WINDOW_UPDATE, length: 130 * 1024 }])
  })

  it('an update held back that cannot be sent when a reader comes (the connection closed) aborts the stream, throwing nothing', async () => {
    const { stream, sent, refuse } = lone()
    data(stream, 200 * 1024)
    refuse()
    const closed = new Promise<Error | undefined>(resolve => { stream.addEventListener('close', evt => { resolve(evt.error) }) })
    stream.addEventListener('message', () => {})
    await settle()
    expect(sent).toEqual([])
    expect(stream.status).toBe('aborted')
    expect((await closed)?.message).toMatch(/closed/)
  })

  it('while its reader does not ask for half-window updates (mid-message), each data frame gets its update', async () => {
    const lazy = { now: false }
    const { stream, sent } = lone(lazy)
    stream.addEventListener('message', () => {})
    data(stream, 3)
    data(stream, 1000)
    expect(sent).toEqual([{ type: WINDOW_UPDATE, length: 3 }, { type: WINDOW_UPDATE, length: 1000 }])
    lazy.now = true
    data(stream, 1000)
    expect(sent).toHaveLength(2)
    // mid-message again: the next frame's update gives back what was held too
    lazy.now = false
    data(stream, 5)
    expect(sent.at(-1)).toEqual({ type: WINDOW_UPDATE, length: 1005 })
  })

  it('a stream whose reader never asked (any protocol but the framed ones) updates after every data frame it reads', () => {
    const sent: number[] = []
    const stream = established(header => { sent.push(header.length); return true })
    expect(lazyWindowUpdates(stream)).toBe(true)
    stream.addEventListener('message', () => {})
    data(stream, 10)
    data(stream, 20)
    expect(sent).toEqual([10, 20])
  })

  it('leaves anything that is not a yamux stream alone', () => {
    expect(lazyWindowUpdates({})).toBe(false)
    expect(lazyWindowUpdates(undefined)).toBe(false)
  })
})
