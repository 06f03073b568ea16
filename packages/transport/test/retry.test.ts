import { afterEach, describe, expect, it } from '@jest/globals'
import { PeerUnreachableError } from '@pokt-p2p/types'
import { RAINTREE_PROTOCOL_ID } from '../src/index.js'
import { waitFor } from '@pokt-p2p/testing'
import { collect, figures, startNodes, stopAll, type TestNode } from './helpers.js'
import type { Libp2p } from 'libp2p'

let nodes: TestNode[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

/**
 * libp2p closes one of two connections that crossed (both peers dialled at once) under the streams opened on it.
 * That race cannot be produced on demand, so this aborts the real streams the first `dialProtocol` calls return.
 */
function closeFirstStreams (node: Libp2p, count: number): void {
  const original = node.dialProtocol.bind(node)
  let left = count
  node.dialProtocol = (async (...args: Parameters<Libp2p['dialProtocol']>) => {
    const stream = await original(...args)
    if (left-- > 0) stream.abort(new Error('connection closed under the stream'))
    return stream
  }) as Libp2p['dialProtocol']
}

const MARKER = [0xff, 0xfe]

/**
 * Sends a marker from `a` to `b` on a later stream of the same connection and waits until `b` has it. Whatever the
 * earlier streams carried was on the wire before it, so what `b` has by then is everything it will get.
 */
async function sendMarker (a: TestNode, b: TestNode, atB: Array<{ bytes: Uint8Array }>): Promise<void> {
  await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.from(MARKER))
  await waitFor(() => atB.some(m => [...m.bytes].join() === MARKER.join()), { timeoutMs: 15_000, what: 'the marker' })
  expect(a.node.getConnections(b.node.peerId)).toHaveLength(1)
}

describe('a stream closed before its first byte', () => {
  it('is retried once on a fresh stream, and the message arrives exactly once', async () => {
    nodes = await startNodes(2)
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    closeFirstStreams(a.node, 1)
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(1, 2, 3))
    expect(figures(a)).toMatchObject({ retries: 1, sent: 1 })
    await sendMarker(a, b, atB)
    expect(atB.map(m => [...m.bytes].join()).sort()).toEqual([[1, 2, 3].join(), MARKER.join()].sort())
  })

  it('is retried only once: a second closed stream is a PeerUnreachableError', async () => {
    nodes = await startNodes(2)
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    closeFirstStreams(a.node, 2)
    await expect(a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))).rejects.toThrow(PeerUnreachableError)
    expect(figures(a).retries).toBe(1)
    await sendMarker(a, b, atB)
    expect(atB.map(m => [...m.bytes].join())).toEqual([MARKER.join()])
  })
})
