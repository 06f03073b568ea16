import { afterEach, describe, expect, it } from '@jest/globals'
import { PeerUnreachableError } from '@pokt-p2p/types'
import { RAINTREE_PROTOCOL_ID } from '../src/index.js'
import { collect, startNodes, stopAll, waitFor, type TestNode } from './helpers.js'
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

describe('a stream closed before its first byte', () => {
  it('is retried once on a fresh stream, and the message arrives exactly once', async () => {
    nodes = await startNodes(2)
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    closeFirstStreams(a.node, 1)
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(1, 2, 3))
    await waitFor(() => atB.length === 1)
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(atB).toHaveLength(1)
    expect(a.transport.stats).toMatchObject({ retries: 1, sent: 1 })
  })

  it('is retried only once: a second closed stream is a PeerUnreachableError', async () => {
    nodes = await startNodes(2)
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    closeFirstStreams(a.node, 2)
    await expect(a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, Uint8Array.of(1))).rejects.toThrow(PeerUnreachableError)
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(atB).toHaveLength(0)
    expect(a.transport.stats.retries).toBe(1)
  })
})
