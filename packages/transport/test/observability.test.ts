/** What an operator sees of the transport: one `pokt:transport` error line per failure, and the `pokt_transport_*` metrics. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:net'
import { MessageTooLargeError, PeerUnreachableError, createPeer } from '@pokt-p2p/types'
import { captureLogs, waitFor } from '@pokt-p2p/testing'
import { RAINTREE_PROTOCOL_ID, SendAbortedError } from '../src/index.js'
import { collect, figures, freshIdentity, startNodes, stopAll, type TestNode } from './helpers.js'

let nodes: TestNode[] = []
afterEach(async () => { await stopAll(nodes); nodes = [] })

/** A loopback port nothing listens on: a dial to it is refused. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

describe('logs', () => {
  it('a failed send produces exactly one pokt:transport error line, naming the peer address and the reason', async () => {
    const logs = captureLogs()
    nodes = await startNodes(1, { logger: logs.logger })
    const target = createPeer(freshIdentity().publicKey, `127.0.0.1:${await closedPort()}`)
    const err = await nodes[0]!.transport.sendTo(target, RAINTREE_PROTOCOL_ID, Uint8Array.of(1)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PeerUnreachableError)
    const errors = logs.lines.filter(l => l.namespace === 'pokt:transport:error')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.text).toContain(target.address)
    expect(errors[0]!.text).toContain((err as Error).message)
  })

  it('a send the caller aborted is logged, but not as an error', async () => {
    const logs = captureLogs()
    nodes = await startNodes(1, { logger: logs.logger })
    const target = createPeer(freshIdentity().publicKey, `127.0.0.1:${await closedPort()}`)
    await expect(nodes[0]!.transport.sendTo(target, RAINTREE_PROTOCOL_ID, Uint8Array.of(1), { signal: AbortSignal.abort() }))
      .rejects.toBeInstanceOf(SendAbortedError)
    expect(logs.lines.filter(l => l.namespace === 'pokt:transport:error')).toEqual([])
    expect(logs.lines.filter(l => l.namespace === 'pokt:transport' && l.text.includes(target.address))).toHaveLength(1)
  })

  it('a rejected inbound message produces one log line (not an error line) naming the sender and why', async () => {
    const logs = captureLogs()
    const errors: Error[] = []
    nodes = await startNodes(2, {
      transport: 'memory',
      logger: logs.logger,
      init: i => i === 0 ? { maxMessageBytes: 64 * 1024 } : { maxMessageBytes: 1000, onError: e => errors.push(e) }
    })
    const [a, b] = nodes as [TestNode, TestNode]
    collect(b, RAINTREE_PROTOCOL_ID)
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, new Uint8Array(32 * 1024)).catch(() => {})
    await waitFor(() => errors.length === 1, { what: 'the rejection' })
    const rejected = logs.lines.filter(l => l.namespace === 'pokt:transport' && l.text.startsWith('rejected'))
    expect(rejected).toHaveLength(1)
    expect(rejected[0]!.text).toContain(a.identity.address)
    expect(rejected[0]!.text).toContain('tooLarge')
    expect(logs.lines.filter(l => l.namespace === 'pokt:transport:error')).toEqual([])
  })
})

describe('metrics', () => {
  it('a sent and received message move messages and bytes by one message and its size, on each side', async () => {
    nodes = await startNodes(2, { transport: 'memory' })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    const before = [figures(a), figures(b)]
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, new Uint8Array(1234))
    await waitFor(() => atB.length === 1, { what: 'the message' })
    const [da, db] = [figures(a), figures(b)].map((f, i) => Object.fromEntries(
      Object.entries(f).map(([k, v]) => [k, v - before[i]![k as keyof typeof f]])))
    expect(da).toEqual({ ...zero, sent: 1, bytesSent: 1234 })
    expect(db).toEqual({ ...zero, received: 1, bytesReceived: 1234 })
    // the same figures under their metric names and labels
    expect(a.metrics.value('pokt_transport_messages_total', 'sent')).toBe(1)
    expect(b.metrics.value('pokt_transport_bytes_total', 'received')).toBe(1234)
  })

  it('an oversize inbound message moves rejected{reason=tooLarge} by one and nothing received', async () => {
    const errors: Error[] = []
    nodes = await startNodes(2, {
      transport: 'memory',
      init: i => i === 0 ? { maxMessageBytes: 64 * 1024 } : { maxMessageBytes: 1000, onError: e => errors.push(e) }
    })
    const [a, b] = nodes as [TestNode, TestNode]
    const atB = collect(b, RAINTREE_PROTOCOL_ID)
    await a.transport.sendTo(b.peer, RAINTREE_PROTOCOL_ID, new Uint8Array(32 * 1024)).catch(() => {})
    await waitFor(() => errors.length === 1, { what: 'the rejection' })
    expect(errors[0]).toBeInstanceOf(MessageTooLargeError)
    expect(figures(b)).toEqual({ ...zero, rejectedOversize: 1 })
    expect(b.metrics.value('pokt_transport_rejected_total', 'tooLarge')).toBe(1)
    expect(b.metrics.value('pokt_transport_rejected_total')).toBe(1)
    expect(atB).toHaveLength(0)
  })
})

const zero = {
  received: 0, sent: 0, bytesReceived: 0, bytesSent: 0, rejectedOversize: 0, rejectedTimeout: 0, rejectedOther: 0, handlerErrors: 0, retries: 0
}
