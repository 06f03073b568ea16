import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer, type Server, type Socket } from 'node:net'
import { MemoryMetrics, MessageTooLargeError, NotStartedError, PeerUnreachableError, createPeer, DEFAULT_MAX_MESSAGE_BYTES } from '@pokt-p2p/types'
import {
  BACKGROUND_PROTOCOL_ID, DEFAULT_MAX_STREAM_WINDOW_BYTES, messageTransport, RAINTREE_PROTOCOL_ID, ReadTimeoutError,
  SendAbortedError, SendTimeoutError, StreamAbortedError, UnresolvableHostError, multiaddrToServiceUrl, peerIdOf
} from '../src/index.js'
import { waitFor } from '@pokt-p2p/testing'
import { collect, figures, freshIdentity, startNodes, stopAll, type TestNode } from './helpers.js'
import type { Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

let nodes: TestNode[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

describe('Libp2pMessageTransport over TCP loopback', () => {
  it('two nodes exchange messages and see each other\'s pocket address', async () => {
    nodes = await startNodes(2)
    const [a, b] = nodes as [TestNode, TestNode]
    const atA = collect(a, RAINTREE_PROTOCOL_ID)
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.from([1, 2, 3]))
    await b.transport.sendTo(a.peer, RAINTREE_PROTOCOL_ID, Uint8Array.from([4, 5]))
    await waitFor(() => atA.length === 1 && atB.length === 1)
    expect(atB[0]).toEqual({ bytes: Uint8Array.from([1, 2, 3]), from: a.identity.address })
    expect(atA[0]).toEqual({ bytes: Uint8Array.from([4, 5]), from: b.identity.address })
    expect(a.transport.localAddress).toBe(a.identity.address)
    expect(figures(a)).toMatchObject({ sent: 1, received: 1, bytesSent: 3, bytesReceived: 2 })
  })

  it('ten nodes: every node sends to every other, each message arrives once with the sender\'s address', async () => {
    nodes = await startNodes(10)
    const inbox = nodes.map(n => collect(n, RAINTREE_PROTOCOL_ID))
    const payload = (from: number, to: number): Uint8Array => new TextEncoder().encode(`${from}->${to}`)
    // each node sends its 9 messages one after the other (10 dials in flight, not 90: on a loaded 2-core CI box 90
    // simultaneous handshakes can pass libp2p's 6 s per-address dial timeout)
    await Promise.all(nodes.map(async (a, i) => {
      for (const [j, b] of nodes.entries()) {
        if (i !== j) await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, payload(i, j))
      }
    }))
    await waitFor(() => inbox.every(box => box.length === 9), { timeoutMs: 30_000, what: 'all 90 messages' })
    nodes.forEach((b, j) => {
      const got = inbox[j]!.map(m => `${m.from}:${new TextDecoder().decode(m.bytes)}`).sort()
      const want = nodes.flatMap((a, i) => i === j ? [] : [`${a.identity.address}:${i}->${j}`]).sort()
      expect(got).toEqual(want)
    })
  }, 120_000) // 90 sends (10 dials in flight): seconds unloaded, several times that on a loaded 2-core machine

  it('delivers an empty message and a message of exactly the cap', async () => {
    nodes = await startNodes(2, { init: { maxMessageBytes: 100_000 } })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    const exact = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251)
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, new Uint8Array(0))
    await waitFor(() => atB.length === 1)
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, exact)
    await waitFor(() => atB.length === 2)
    expect(atB[0]!.bytes).toHaveLength(0)
    expect(atB[1]!.bytes).toEqual(exact)
  })

  it('keeps protocols apart and replaces a handler on re-registration', async () => {
    nodes = await startNodes(2)
    const [a, b] = nodes as [TestNode, TestNode]
    const first: Uint8Array[] = []
    const second: Uint8Array[] = []
    const background: Uint8Array[] = []
    b.transport.handle(RAINTREE_PROTOCOL_ID, bytes => { first.push(bytes) })
    b.transport.handle(RAINTREE_PROTOCOL_ID, bytes => { second.push(bytes) })
    b.transport.handle(BACKGROUND_PROTOCOL_ID, bytes => { background.push(bytes) })
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))
    await a.transport.sendTo(b.peer, BACKGROUND_PROTOCOL_ID, Uint8Array.of(2))
    await waitFor(() => second.length === 1 && background.length === 1)
    expect(first).toEqual([])
    expect(second).toEqual([Uint8Array.of(1)])
    expect(background).toEqual([Uint8Array.of(2)])
  })

  it('after unhandle, sends on that protocol fail with PeerUnreachableError', async () => {
    nodes = await startNodes(2)
    const [a, b] = nodes as [TestNode, TestNode]
    collect(b, RAINTREE_PROTOCOL_ID)
    b.transport.unhandle(RAINTREE_PROTOCOL_ID)
    await expect(a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))).rejects.toBeInstanceOf(PeerUnreachableError)
  })

  it('a handler that throws is counted and reported, and later messages still arrive', async () => {
    const errors: Error[] = []
    nodes = await startNodes(2, { init: i => i === 1 ? { onError: e => errors.push(e) } : {} })
    const [a, b] = nodes as [TestNode, TestNode]
    let calls = 0
    b.transport.handle(RAINTREE_PROTOCOL_ID, async () => { calls++; throw new Error('boom') })
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(2))
    await waitFor(() => calls === 2)
    await waitFor(() => figures(b).handlerErrors === 2)
    expect(errors.map(e => e.message)).toEqual(['boom', 'boom'])
    expect(figures(b).received).toBe(2)
  })

  // Regressions: bursts on a brand-new connection used to exceed yamux's early-stream limit (10, which aborts the
  // connection) and the receiver's per-connection stream limit (32, which resets streams).
  it('100 concurrent sends on a fresh connection all arrive (3 fresh pairs)', async () => {
    for (let round = 0; round < 3; round++) {
      const pair = await startNodes(2)
      nodes.push(...pair)
      const [a, b] = pair as [TestNode, TestNode]
      const atB = collect(b, RAINTREE_PROTOCOL_ID)
      await Promise.all(Array.from({ length: 100 }, async (_, i) => {
        await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(i))
      }))
      await waitFor(() => atB.length === 100)
      expect(atB.map(m => m.bytes[0]).sort((x, y) => x! - y!)).toEqual(Array.from({ length: 100 }, (_, i) => i))
      expect(figures(b).rejectedOther).toBe(0)
      expect(a.node.getConnections(b.node.peerId)).toHaveLength(1)
    }
  })
})

describe('inbound limits', () => {
  it('rejects a message of 4x the default cap while reading: stream reset, receiver holds at most cap + one window', async () => {
    const errors: Error[] = []
    nodes = await startNodes(2, {
      // the sender's own cap is raised so the receiver's limit is what is tested
      init: i => i === 0 ? { maxMessageBytes: 64 * 1024 * 1024 } : { onError: e => errors.push(e) }
    })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    const big = new Uint8Array(4 * DEFAULT_MAX_MESSAGE_BYTES + 1)
    const err = await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, big).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PeerUnreachableError)
    expect((err as Error).message).toMatch(/reset/)
    await waitFor(() => errors.length === 1)
    expect(errors[0]).toBeInstanceOf(MessageTooLargeError)
    const seen = (errors[0] as MessageTooLargeError).size
    expect(seen).toBeGreaterThan(DEFAULT_MAX_MESSAGE_BYTES)
    expect(seen).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGE_BYTES + DEFAULT_MAX_STREAM_WINDOW_BYTES)
    expect(seen).toBeLessThan(big.length / 2)
    expect(figures(b)).toMatchObject({ rejectedOversize: 1, received: 0, bytesReceived: 0 })
    expect(atB).toHaveLength(0)
    // the connection survives: a normal message still goes through
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(7))
    await waitFor(() => atB.length === 1)
  })

  it('refuses to send a message over the sender\'s own cap without touching the network', async () => {
    nodes = await startNodes(2, { init: { maxMessageBytes: 1000 } })
    const [a, b] = nodes as [TestNode, TestNode]
    collect(b, RAINTREE_PROTOCOL_ID)
    await expect(a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, new Uint8Array(1001))).rejects.toBeInstanceOf(MessageTooLargeError)
    expect(a.node.getConnections()).toHaveLength(0)
  })

  it('drops a sender that writes part of a message and stalls, after the read timeout', async () => {
    const errors: Error[] = []
    nodes = await startNodes(2, { init: i => i === 1 ? { readTimeoutMs: 300, onError: e => errors.push(e) } : {} })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    const target = await dialTarget(b)
    // the receiver's deadline starts after the dial started: the error comes at least 300 ms (less timer rounding) later
    const started = Date.now()
    const stream = await a.node.dialProtocol(target, RAINTREE_PROTOCOL_ID)
    stream.send(new Uint8Array(1000)) // and never close
    await waitFor(() => errors.length === 1, { timeoutMs: 15_000, what: 'the read timeout' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(errors[0]).toBeInstanceOf(ReadTimeoutError)
    expect((errors[0] as ReadTimeoutError).bytesRead).toBe(1000)
    expect(figures(b)).toMatchObject({ rejectedTimeout: 1, received: 0 })
    await waitFor(() => isReset(stream), { timeoutMs: 15_000, what: 'sender stream reset' })
    expect(atB).toHaveLength(0)
  })

  it('the read deadline is absolute: a sender trickling bytes is still dropped', async () => {
    const errors: Error[] = []
    nodes = await startNodes(2, { init: i => i === 1 ? { readTimeoutMs: 300, onError: e => errors.push(e) } : {} })
    const [a, b] = nodes as [TestNode, TestNode]
    collect(b, RAINTREE_PROTOCOL_ID)
    const stream = await a.node.dialProtocol(await dialTarget(b), RAINTREE_PROTOCOL_ID)
    const trickle = setInterval(() => { if (stream.writeStatus === 'writable') stream.send(Uint8Array.of(1)) }, 20)
    try {
      await waitFor(() => errors.length === 1, { timeoutMs: 15_000, what: 'the read timeout' })
    } finally {
      clearInterval(trickle)
    }
    expect(errors[0]).toBeInstanceOf(ReadTimeoutError)
    expect(figures(b).rejectedTimeout).toBe(1)
  })

  it('a stream reset by the sender mid-message is counted as rejectedOther, never delivered', async () => {
    const errors: Error[] = []
    nodes = await startNodes(2, { init: i => i === 1 ? { onError: e => errors.push(e) } : {} })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    const stream = await a.node.dialProtocol(await dialTarget(b), RAINTREE_PROTOCOL_ID)
    stream.send(new Uint8Array(500))
    // reset only once B has negotiated the stream: from then on its handler runs and reads, whatever the timing
    await waitFor(() => b.node.getConnections(a.node.peerId).some(c => c.streams.some(st => st.direction === 'inbound' && st.protocol === RAINTREE_PROTOCOL_ID)),
      { timeoutMs: 15_000, what: 'B to accept the stream' })
    stream.abort(new Error('sender gave up'))
    await waitFor(() => errors.length === 1)
    expect(errors[0]).toBeInstanceOf(StreamAbortedError)
    expect(figures(b)).toMatchObject({ rejectedOther: 1, received: 0 })
    expect(atB).toHaveLength(0)
  })
})

describe('send failures', () => {
  let server: Server | undefined
  const sockets: Socket[] = []
  afterEach(async () => {
    sockets.forEach(s => s.destroy())
    await new Promise<void>(resolve => server === undefined ? resolve() : server.close(() => resolve()))
    server = undefined
  })

  /** A TCP port that accepts connections and never answers: dials hang in the handshake. */
  async function blackHole (): Promise<number> {
    server = createServer(socket => { sockets.push(socket) })
    await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', () => resolve()))
    return (server.address() as { port: number }).port
  }

  it('times out after sendTimeoutMs against a peer that never answers', async () => {
    nodes = await startNodes(1, { init: { sendTimeoutMs: 300 } })
    const port = await blackHole()
    const target = createPeer(freshIdentity().publicKey, `127.0.0.1:${port}`)
    const started = Date.now()
    const err = await nodes[0]!.transport.sendTo(target, RAINTREE_PROTOCOL_ID, Uint8Array.of(1)).catch((e: unknown) => e)
    // the send timer, not anything else, ended it: a SendTimeoutError is only thrown once that timer fired
    expect(err).toBeInstanceOf(SendTimeoutError)
    expect((err as SendTimeoutError).timeoutMs).toBe(300)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
  })

  it('stops when the caller\'s signal aborts, with SendAbortedError', async () => {
    nodes = await startNodes(1)
    const port = await blackHole()
    const target = createPeer(freshIdentity().publicKey, `127.0.0.1:${port}`)
    const controller = new AbortController()
    const sending = nodes[0]!.transport.sendTo(target, RAINTREE_PROTOCOL_ID, Uint8Array.of(1), { signal: controller.signal }).catch((e: unknown) => e)
    // abort mid-handshake: once the black hole accepted the connection
    await waitFor(() => sockets.length === 1, { timeoutMs: 15_000, what: 'the dial to reach the black hole' })
    controller.abort(new Error('caller stop'))
    const err = await sending
    expect(err).toBeInstanceOf(SendAbortedError)
    expect((err as Error).cause).toEqual(new Error('caller stop'))
    // an already-aborted signal fails at once
    await expect(nodes[0]!.transport.sendTo(target, RAINTREE_PROTOCOL_ID, Uint8Array.of(1), { signal: AbortSignal.abort() }))
      .rejects.toBeInstanceOf(SendAbortedError)
  })

  it('a closed port, an unresolvable service URL and self are PeerUnreachableError', async () => {
    nodes = await startNodes(1)
    const t = nodes[0]!.transport
    const port = await blackHole()
    await new Promise<void>(resolve => server!.close(() => resolve()))
    server = undefined
    const id = freshIdentity()
    await expect(t.sendTo(createPeer(id.publicKey, `127.0.0.1:${port}`), RAINTREE_PROTOCOL_ID, Uint8Array.of(1)))
      .rejects.toBeInstanceOf(PeerUnreachableError)
    const bad = await t.sendTo(createPeer(id.publicKey, 'no-such-host.invalid:1'), RAINTREE_PROTOCOL_ID, Uint8Array.of(1)).catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(PeerUnreachableError)
    expect((bad as Error).cause).toBeInstanceOf(UnresolvableHostError)
    await expect(t.sendTo(nodes[0]!.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))).rejects.toBeInstanceOf(PeerUnreachableError)
  })

  it('a peer record pairing one node\'s key with another node\'s address is refused by the handshake', async () => {
    nodes = await startNodes(3)
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    const impostor = createPeer(c.identity.publicKey, b.peer.serviceUrl) // claims to be C, lives at B
    await expect(a.transport.sendTo(impostor, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))).rejects.toBeInstanceOf(PeerUnreachableError)
    expect(atB).toHaveLength(0)
  })

  it('a closed transport refuses to send', async () => {
    nodes = await startNodes(2)
    const [a, b] = nodes as [TestNode, TestNode]
    await a.transport.close()
    await expect(a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))).rejects.toBeInstanceOf(NotStartedError)
  })

  it('handlers registered before start work once the node starts', async () => {
    const { createNode } = await import('../src/index.js')
    const [b] = await startNodes(1)
    nodes = [b!]
    const idA = freshIdentity()
    const nodeA = await createNode({ identity: idA, hostname: '127.0.0.1', port: 0, allowLoopback: true })
    const metrics = new MemoryMetrics()
    const ta = messageTransport()({ node: nodeA, metrics })
    const got: string[] = []
    ta.handle(RAINTREE_PROTOCOL_ID, (_bytes, from) => { got.push(from.address) })
    await nodeA.start()
    nodes.push({ identity: idA, node: nodeA, transport: ta, metrics, peer: createPeer(idA.publicKey, multiaddrToServiceUrl(nodeA.getMultiaddrs()[0]!)) })
    await b!.transport.sendTo(nodes[1]!.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))
    await waitFor(() => got.length === 1)
    expect(got).toEqual([b!.identity.address])
  })
})

async function dialTarget (n: TestNode): Promise<Multiaddr> {
  const ma = n.node.getMultiaddrs()[0]!
  expect(ma.toString()).toContain(`/p2p/${peerIdOf(n.peer).toString()}`)
  return ma
}

function isReset (stream: Stream): boolean {
  return stream.status === 'reset' || stream.status === 'aborted'
}
