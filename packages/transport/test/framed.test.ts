/**
 * The framed protocols (`pokt/raintree/v2.0.0` and the like): one long-lived stream per peer and protocol carrying
 * length-prefixed frames, negotiated with a fallback to v1 (one message per stream).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { MessageTooLargeError, PeerUnreachableError, type ConnectionType } from '@pokt-p2p/types'
import { waitFor } from '@pokt-p2p/testing'
import {
  encodeFrame, encodeFrameHeader, MalformedFrameError, RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID, ReadTimeoutError,
  SendAbortedError, StreamAbortedError
} from '../src/index.js'
import { collect, figures, rawStream, startNodes, stopAll, streamsOpened, streamsTo, type TestNode } from './helpers.js'
import type { Libp2p } from 'libp2p'

const V1 = RAINTREE_PROTOCOL_ID
const V2 = RAINTREE_STREAM_PROTOCOL_ID
const BOTH = [V2, V1] as const

let nodes: TestNode[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: Uint8Array): string => new TextDecoder().decode(b)

/** Records the protocols of every `dialProtocol` call of a node (what it offered in multistream-select). */
function recordDials (node: Libp2p): string[][] {
  const offered: string[][] = []
  const original = node.dialProtocol.bind(node)
  node.dialProtocol = (async (peer, protocols, options) => {
    offered.push(typeof protocols === 'string' ? [protocols] : [...protocols])
    return await original(peer, protocols, options)
  }) as Libp2p['dialProtocol']
  return offered
}

/** A promise and the function that settles it, for handlers that block until a test lets them go. */
function gate (): { promise: Promise<void>, open: () => void } {
  let open!: () => void
  const promise = new Promise<void>(resolve => { open = resolve })
  return { promise, open }
}

describe.each<ConnectionType>(['memory', 'tcp'])('framed protocol over %s', transport => {
  it('100 messages to one peer open exactly one stream and arrive in order, each once', async () => {
    nodes = await startNodes(2, { transport })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, V2)
    b.transport.handle(V1, () => {})
    const sent = await Promise.all(Array.from({ length: 100 }, async (_, i) => await a.transport.sendTo(b.peer, BOTH, text(`m${i}`))))
    expect(new Set(sent)).toEqual(new Set([V2]))
    await waitFor(() => atB.length === 100, { what: '100 frames at B' })
    expect(atB.map(m => str(m.bytes))).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`))
    expect(atB.every(m => m.from === a.identity.address)).toBe(true)
    // later sends, one at a time, reuse the same stream
    for (let i = 100; i < 110; i++) expect(await a.transport.sendTo(b.peer, BOTH, text(`m${i}`))).toBe(V2)
    await waitFor(() => atB.length === 110, { what: '110 frames at B' })
    expect(atB.map(m => str(m.bytes)).slice(100)).toEqual(Array.from({ length: 10 }, (_, i) => `m${100 + i}`))
    expect(streamsOpened(a)).toBe(1)
    expect(streamsOpened(a, V2)).toBe(1)
    expect(streamsOpened(b)).toBe(0)
    expect(streamsTo(a, b, V2)).toHaveLength(1)
    expect(figures(a)).toMatchObject({ sent: 110, retries: 0 })
    expect(figures(b)).toMatchObject({ received: 110, bytesReceived: atB.reduce((n, m) => n + m.bytes.byteLength, 0), rejectedOther: 0 })
  })

  it('B answers A on the stream A opened: one stream carries both directions', async () => {
    nodes = await startNodes(2, { transport })
    const [a, b] = nodes as [TestNode, TestNode]
    const atA = collect(a, V2)
    const atB = collect(b, V2)
    expect(await a.transport.sendTo(b.peer, BOTH, text('ping'))).toBe(V2)
    await waitFor(() => atB.length === 1, { what: 'the ping' })
    expect(await b.transport.sendTo(a.peer, BOTH, text('pong'))).toBe(V2)
    await waitFor(() => atA.length === 1, { what: 'the pong' })
    expect(atA).toEqual([{ bytes: text('pong'), from: b.identity.address }])
    expect(streamsOpened(a) + streamsOpened(b)).toBe(1)
    expect(streamsTo(b, a, V2)).toHaveLength(1)
    expect(streamsTo(b, a, V2)[0]!.direction).toBe('inbound')
  })
})

describe('protocol negotiation and fallback', () => {
  it('a receiver that speaks only v1 gets v1 messages from a sender offering [v2, v1]; the choice is remembered until the connection closes', async () => {
    nodes = await startNodes(2, { transport: 'memory' })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, V1)
    const offered = recordDials(a.node)
    expect(await a.transport.sendTo(b.peer, BOTH, text('one'))).toBe(V1)
    expect(await a.transport.sendTo(b.peer, BOTH, text('two'))).toBe(V1)
    await waitFor(() => atB.length === 2, { what: 'two v1 messages' })
    expect(atB.map(m => str(m.bytes)).sort()).toEqual(['one', 'two'])
    // the first send offered both, the second only what the peer chose
    expect(offered).toEqual([[V2, V1], [V1]])
    expect(streamsOpened(a, V1)).toBe(2)
    expect(streamsOpened(a, V2)).toBe(0)

    await a.node.hangUp(b.node.peerId)
    await waitFor(() => a.node.getConnections(b.node.peerId).length === 0, { what: 'the hang-up' })
    expect(await a.transport.sendTo(b.peer, BOTH, text('three'))).toBe(V1)
    expect(offered.at(-1)).toEqual([V2, V1])
    await waitFor(() => atB.length === 3, { what: 'the third message' })
  })

  it('the choice is remembered per list of protocols, by content: a frozen list, its copy, and an array changed between sends', async () => {
    nodes = await startNodes(2, { transport: 'memory' })
    const [a, b] = nodes as [TestNode, TestNode]
    collect(b, V1)
    const offered = recordDials(a.node)
    const frozen = Object.freeze([V2, V1])
    expect(await a.transport.sendTo(b.peer, frozen, text('one'))).toBe(V1)
    // the same content in another array finds the choice (one protocol offered)
    expect(await a.transport.sendTo(b.peer, [V2, V1], text('two'))).toBe(V1)
    expect(await a.transport.sendTo(b.peer, frozen, text('three'))).toBe(V1)
    expect(offered).toEqual([[V2, V1], [V1], [V1]])
    // an array whose content changed between sends is another list: negotiated as it is now
    const changing = [V2, V1]
    expect(await a.transport.sendTo(b.peer, changing, text('four'))).toBe(V1)
    changing.splice(0, 2, 'pokt/unknown/v9.0.0', V1)
    expect(await a.transport.sendTo(b.peer, changing, text('five'))).toBe(V1)
    expect(offered.slice(3)).toEqual([[V1], ['pokt/unknown/v9.0.0', V1]])
  })

  it('concurrent first sends negotiate once', async () => {
    nodes = await startNodes(2, { transport: 'memory' })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, V1)
    const offered = recordDials(a.node)
    const results = await Promise.all(Array.from({ length: 10 }, async (_, i) => await a.transport.sendTo(b.peer, BOTH, text(`${i}`))))
    expect(results).toEqual(Array(10).fill(V1))
    expect(offered.filter(o => o.length === 2)).toHaveLength(1)
    await waitFor(() => atB.length === 10, { what: 'ten v1 messages' })
  })

  it('a mixed network of v1-only and v2 nodes: everyone reaches everyone, on v2 exactly between v2 nodes', async () => {
    // nodes 0-1 speak only v1, as the Go reference: they handle v1 and offer only v1; nodes 2-3 handle both and
    // offer [v2, v1]
    const N = 4
    nodes = await startNodes(N, { transport: 'memory' })
    const v2 = (i: number): boolean => i >= 2
    const inbox = nodes.map((n, i) => {
      const got: string[] = []
      n.transport.handle(V1, bytes => { got.push(`v1:${str(bytes)}`) })
      if (v2(i)) n.transport.handle(V2, bytes => { got.push(`v2:${str(bytes)}`) })
      return got
    })
    const chosen = await Promise.all(nodes.flatMap((a, i) => nodes.map(async (b, j) =>
      i === j ? undefined : await a.transport.sendTo(b.peer, v2(i) ? BOTH : V1, text(`${i}->${j}`)))))
    chosen.forEach((protocol, k) => {
      const [i, j] = [Math.floor(k / N), k % N]
      if (i !== j) expect([i, j, protocol]).toEqual([i, j, v2(i) && v2(j) ? V2 : V1])
    })
    await waitFor(() => inbox.every(got => got.length === N - 1), { what: 'a message from every other node at every node' })
    inbox.forEach((got, j) => {
      const expected = nodes.flatMap((_, i) => i === j ? [] : [`${v2(i) && v2(j) ? 'v2' : 'v1'}:${i}->${j}`])
      expect(got.sort()).toEqual(expected.sort())
    })
  })

  it('a single protocol id keeps the one-message-per-stream path on v1 and resolves with it', async () => {
    nodes = await startNodes(2, { transport: 'memory' })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, V1)
    collect(b, V2)
    expect(await a.transport.sendTo(b.peer, V1, text('x'))).toBe(V1)
    expect(await a.transport.sendTo(b.peer, [V1], text('y'))).toBe(V1)
    await waitFor(() => atB.length === 2, { what: 'two v1 messages' })
    expect(streamsOpened(a, V1)).toBe(2)
    expect(streamsOpened(a, V2)).toBe(0)
  })

  it('a peer that stops handling v2 gets v1 on the next send: its streams close and the remembered choice is renegotiated', async () => {
    nodes = await startNodes(2, { transport: 'memory' })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB1 = collect(b, V1)
    const atB2 = collect(b, V2)
    expect(await a.transport.sendTo(b.peer, BOTH, text('on v2'))).toBe(V2)
    await waitFor(() => atB2.length === 1, { what: 'the v2 frame' })
    b.transport.unhandle(V2)
    await waitFor(() => streamsTo(a, b, V2).length === 0, { what: 'the v2 stream to close' })
    expect(await a.transport.sendTo(b.peer, BOTH, text('on v1'))).toBe(V1)
    await waitFor(() => atB1.length === 1, { what: 'the v1 message' })
    expect(str(atB1[0]!.bytes)).toBe('on v1')
  })

  it('an empty protocol list is refused', async () => {
    nodes = await startNodes(2, { transport: 'memory' })
    const [a, b] = nodes as [TestNode, TestNode]
    await expect(a.transport.sendTo(b.peer, [], text('x'))).rejects.toThrow(/at least one protocol/)
  })
})

describe('hostile or broken frames', () => {
  const CAP = 4096
  const TIMEOUT = 300

  async function setup (): Promise<{ a: TestNode, b: TestNode, c: TestNode, errors: Error[], atB: Array<{ bytes: Uint8Array, from: string }> }> {
    const errors: Error[] = []
    nodes = await startNodes(3, {
      transport: 'memory',
      init: i => i === 1 ? { maxMessageBytes: CAP, readTimeoutMs: TIMEOUT, onError: e => errors.push(e) } : {}
    })
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode]
    return { a, b, c, errors, atB: collect(b, V2) }
  }

  /** The node still works: another peer's frame arrives. */
  async function stillWorks (c: TestNode, b: TestNode, atB: Array<{ bytes: Uint8Array }>): Promise<void> {
    const before = atB.length
    expect(await c.transport.sendTo(b.peer, BOTH, text('still here'))).toBe(V2)
    await waitFor(() => atB.length === before + 1, { what: 'a frame from another peer' })
    expect(str(atB.at(-1)!.bytes)).toBe('still here')
  }

  it('an over-size length prefix resets the stream before any byte of the body is read: tooLarge', async () => {
    const { a, b, c, errors, atB } = await setup()
    const raw = await rawStream(a, b, V2)
    raw.send(encodeFrame(text('fine')))
    // only the prefix: the rejection cannot wait for a body that never comes
    raw.send(encodeFrameHeader(CAP + 1))
    await waitFor(() => errors.length === 1 && raw.status === 'reset', { what: 'the rejection and the reset' })
    expect(errors[0]).toBeInstanceOf(MessageTooLargeError)
    expect(errors[0]).toMatchObject({ size: CAP + 1, limit: CAP })
    expect(atB.map(m => str(m.bytes))).toEqual(['fine'])
    expect(figures(b)).toMatchObject({ received: 1, rejectedOversize: 1, rejectedTimeout: 0, rejectedOther: 0 })

    // a huge length is refused from its first bytes, before the prefix is even complete
    const raw2 = await rawStream(a, b, V2)
    raw2.send(encodeFrameHeader(2 ** 40).subarray(0, 2))
    await waitFor(() => errors.length === 2 && raw2.status === 'reset', { what: 'the second rejection' })
    expect(errors[1]).toBeInstanceOf(MessageTooLargeError)
    expect(figures(b).rejectedOversize).toBe(2)
    await stillWorks(c, b, atB)
  })

  it('a frame that stalls mid-body is reset at the read deadline (timeout); idle time between frames is fine', async () => {
    const { a, b, c, errors, atB } = await setup()
    const idle = await rawStream(a, b, V2)
    idle.send(encodeFrame(text('before the pause')))
    await waitFor(() => atB.length === 1, { what: 'the first frame' })
    const stalled = await rawStream(a, b, V2)
    const frame = encodeFrame(new Uint8Array(100).fill(7))
    stalled.send(frame.subarray(0, 40))
    await waitFor(() => errors.length === 1 && stalled.status === 'reset', { what: 'the read deadline' })
    expect(errors[0]).toBeInstanceOf(ReadTimeoutError)
    expect(figures(b)).toMatchObject({ rejectedTimeout: 1, rejectedOversize: 0, rejectedOther: 0 })
    // `idle` has now been quiet for longer than the deadline, between two frames: it still carries the next one
    expect(idle.status).toBe('open')
    idle.send(encodeFrame(text('after the pause')))
    await waitFor(() => atB.length === 2, { what: 'the frame after the pause' })
    expect(str(atB[1]!.bytes)).toBe('after the pause')
    await stillWorks(c, b, atB)
  })

  it('a malformed length prefix (not minimal) resets the stream: other', async () => {
    const { a, b, c, errors, atB } = await setup()
    const raw = await rawStream(a, b, V2)
    raw.send(Uint8Array.of(0x81, 0x00, 1))
    await waitFor(() => errors.length === 1 && raw.status === 'reset', { what: 'the rejection' })
    expect(errors[0]).toBeInstanceOf(MalformedFrameError)
    expect(figures(b)).toMatchObject({ rejectedOther: 1, received: 0 })
    await stillWorks(c, b, atB)
  })

  it('a stream closed or reset mid-frame: the partial frame is rejected (other), the whole ones before it delivered', async () => {
    const { a, b, c, errors, atB } = await setup()
    const closed = await rawStream(a, b, V2)
    closed.send(encodeFrame(text('whole')))
    closed.send(encodeFrame(text('cut short')).subarray(0, 4))
    await closed.close()
    await waitFor(() => errors.length === 1, { what: 'the truncated frame' })
    expect(errors[0]).toBeInstanceOf(StreamAbortedError)
    const reset = await rawStream(a, b, V2)
    reset.send(encodeFrame(text('whole 2')))
    await waitFor(() => atB.length === 2, { what: 'the second whole frame' })
    reset.send(encodeFrame(text('cut short')).subarray(0, 4))
    reset.abort(new Error('test reset'))
    await waitFor(() => errors.length === 2, { what: 'the reset frame' })
    expect(errors[1]).toBeInstanceOf(StreamAbortedError)
    expect(atB.map(m => str(m.bytes))).toEqual(['whole', 'whole 2'])
    expect(figures(b)).toMatchObject({ received: 2, rejectedOther: 2 })
    await stillWorks(c, b, atB)
  })
})

describe('stream lifecycle', () => {
  it('a stream killed under the sender is reopened by the next send, which is delivered', async () => {
    nodes = await startNodes(2, { transport: 'memory' })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, V2)
    await a.transport.sendTo(b.peer, BOTH, text('first'))
    await waitFor(() => atB.length === 1, { what: 'the first frame' })
    const [stream] = streamsTo(a, b, V2)
    stream!.abort(new Error('killed by the test'))
    expect(await a.transport.sendTo(b.peer, BOTH, text('second'))).toBe(V2)
    await waitFor(() => atB.length === 2, { what: 'the second frame' })
    expect(atB.map(m => str(m.bytes))).toEqual(['first', 'second'])
    expect(streamsOpened(a, V2)).toBe(2)
  })

  it('a stream that refuses the first byte of a frame is replaced once (no duplicate possible); a second refusal is a PeerUnreachableError', async () => {
    nodes = await startNodes(2, { transport: 'memory' })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, V2)
    await a.transport.sendTo(b.peer, V2, text('first'))
    // a stream that still looks open but refuses writes, as one whose closing is not yet seen
    const refuse = (): void => {
      for (const s of streamsTo(a, b, V2)) {
        s.send = () => { throw Object.assign(new Error('Cannot write to a stream that is closed'), { name: 'StreamStateError' }) }
      }
    }
    refuse()
    await a.transport.sendTo(b.peer, V2, text('second'))
    expect(figures(a).retries).toBe(1)
    await waitFor(() => atB.length === 2, { what: 'the retried frame' })
    expect(atB.map(m => str(m.bytes))).toEqual(['first', 'second'])

    // both the current stream and the fresh one refuse
    refuse()
    const original = a.node.dialProtocol.bind(a.node)
    a.node.dialProtocol = (async (...args: Parameters<Libp2p['dialProtocol']>) => {
      const s = await original(...args)
      s.send = () => { throw Object.assign(new Error('Cannot write to a stream that is closed'), { name: 'StreamStateError' }) }
      return s
    }) as Libp2p['dialProtocol']
    await expect(a.transport.sendTo(b.peer, V2, text('third'))).rejects.toBeInstanceOf(PeerUnreachableError)
    expect(figures(a).retries).toBe(2)
  })

  it('a frame that breaks mid-write is a PeerUnreachableError, not retried; the next send opens a new stream', async () => {
    // B's handler holds the first frame, so B stops reading and A's 1 MiB frame cannot leave A's write buffer
    nodes = await startNodes(2, {
      transport: 'memory',
      node: { maxStreamWindowBytes: 256 * 1024 },
      init: { maxConcurrentHandlersPerStream: 1 }
    })
    const [a, b] = nodes as [TestNode, TestNode]
    const held = gate()
    const got: string[] = []
    b.transport.handle(V2, async bytes => {
      got.push(bytes.byteLength > 100 ? `big ${bytes.byteLength}` : str(bytes))
      if (got.length === 1) await held.promise
    })
    await a.transport.sendTo(b.peer, V2, text('holds the handler'))
    await waitFor(() => got.length === 1, { what: 'the first frame at the handler' })
    const big = a.transport.sendTo(b.peer, V2, new Uint8Array(1024 * 1024)).catch((e: unknown) => e)
    await waitFor(() => (streamsTo(a, b, V2)[0]?.writeBufferLength ?? 0) > 0, { what: 'the big frame to be stuck in the write buffer' })
    // B resets the stream while the frame is being written
    streamsTo(b, a, V2)[0]!.abort(new Error('reset by the test'))
    const err = await big
    expect(err).toBeInstanceOf(PeerUnreachableError)
    expect(String((err as Error).message)).toMatch(/mid-frame/)
    expect(figures(a).retries).toBe(0)
    held.open()
    expect(await a.transport.sendTo(b.peer, V2, text('after'))).toBe(V2)
    await waitFor(() => got.includes('after'), { what: 'the frame after the reset' })
    expect(got).toEqual(['holds the handler', 'after'])
    expect(streamsOpened(a, V2)).toBe(2)
  })

  it('an idle stream is closed at both ends after streamIdleTimeoutMs; the next send reopens it', async () => {
    nodes = await startNodes(2, { transport: 'memory', init: { streamIdleTimeoutMs: 150 } })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, V2)
    await a.transport.sendTo(b.peer, BOTH, text('before'))
    await waitFor(() => atB.length === 1, { what: 'the first frame' })
    const [stream] = streamsTo(a, b, V2)
    await waitFor(() => stream!.status === 'closed' && streamsTo(a, b, V2).length === 0 && streamsTo(b, a, V2).length === 0,
      { what: 'the idle stream to close at both ends' })
    expect(await a.transport.sendTo(b.peer, BOTH, text('after'))).toBe(V2)
    await waitFor(() => atB.length === 2, { what: 'the frame after the idle close' })
    expect(atB.map(m => str(m.bytes))).toEqual(['before', 'after'])
    expect(streamsOpened(a, V2)).toBe(2)
    expect(figures(b)).toMatchObject({ rejectedOther: 0, rejectedTimeout: 0 })
  })

  it('close() closes every framed stream', async () => {
    nodes = await startNodes(3, { transport: 'memory' })
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode]
    collect(b, V2)
    collect(c, V2)
    await a.transport.sendTo(b.peer, V2, text('x'))
    await a.transport.sendTo(c.peer, V2, text('y'))
    expect(streamsTo(a, b, V2)).toHaveLength(1)
    await a.transport.close()
    await waitFor(() => streamsTo(a, b, V2).length === 0 && streamsTo(a, c, V2).length === 0 &&
      streamsTo(b, a, V2).length === 0 && streamsTo(c, a, V2).length === 0, { what: 'the streams to close' })
  })
})

describe('bounds', () => {
  it('back-pressure: a blocked handler holds the sender\'s sends, which wait (none lost) and then arrive in order', async () => {
    const K = 4
    nodes = await startNodes(2, {
      transport: 'memory',
      node: { maxStreamWindowBytes: 256 * 1024 },
      init: { maxConcurrentHandlersPerStream: K, maxConcurrentSendsPerPeer: 64 }
    })
    const [a, b] = nodes as [TestNode, TestNode]
    const held = gate()
    const got: number[] = []
    let running = 0
    let maxRunning = 0
    b.transport.handle(V2, async bytes => {
      got.push(bytes[0]!)
      running++
      maxRunning = Math.max(maxRunning, running)
      await held.promise
      running--
    })
    const N = 40
    let resolved = 0
    const sends = Array.from({ length: N }, async (_, i) => {
      const body = new Uint8Array(64 * 1024).fill(i)
      await a.transport.sendTo(b.peer, V2, body)
      resolved++
    })
    // B has K frames at its handler and stopped reading; A's write buffer holds the frame that does not fit the window
    await waitFor(() => got.length === K && (streamsTo(a, b, V2)[0]?.writeBufferLength ?? 0) > 0, { what: 'the sender to be held' })
    expect(resolved).toBeLessThan(N)
    expect(got).toHaveLength(K)
    expect(figures(a).sent).toBe(resolved)
    held.open()
    await Promise.all(sends)
    await waitFor(() => got.length === N, { what: 'every frame' })
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i))
    expect(maxRunning).toBe(K)
    expect(streamsOpened(a, V2)).toBe(1)
  })

  it('maxConcurrentSends bounds the sends in flight over all peers: a further send waits for a slot', async () => {
    // C and D take v1 streams and never close them, so each send to them holds its slot (until the send timeout)
    nodes = await startNodes(4, { transport: 'memory', init: { maxConcurrentSends: 2 } })
    const [a, b, c, d] = nodes as [TestNode, TestNode, TestNode, TestNode]
    const atB = collect(b, V1)
    const open: Array<{ abort: (e: Error) => void }> = []
    for (const n of [c, d]) await n.node.handle(V1, stream => { open.push(stream) })
    await a.transport.sendTo(c.peer, V1, text('c'))
    await a.transport.sendTo(d.peer, V1, text('d'))
    const controller = new AbortController()
    const waiting = a.transport.sendTo(b.peer, V1, text('b'), { signal: controller.signal }).catch((e: unknown) => e)
    controller.abort()
    const err = await waiting
    expect(err).toBeInstanceOf(SendAbortedError)
    expect((err as Error).message).toMatch(/maxConcurrentSends/)
    // the slots come back when those streams close
    await waitFor(() => open.length === 2, { what: 'the held streams' })
    for (const s of open) s.abort(new Error('released by the test'))
    await a.transport.sendTo(b.peer, V1, text('b'))
    await waitFor(() => atB.length === 1, { what: 'the message to B' })
  })
})
