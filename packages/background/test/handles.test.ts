/** Stop releases everything: no socket, server or timer is left behind (what `--detectOpenHandles` would report). */
import { describe, expect, it } from '@jest/globals'
import { waitFor } from '@pokt-p2p/testing'
import { envelope, makeRouter, same, startNode, stopNode } from './helpers.js'

const count = (): Record<string, number> => {
  const c: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) c[r] = (c[r] ?? 0) + 1
  return c
}

describe('resources', () => {
  it('after start, traffic and stop of two routers and their nodes, no socket, server or timer remains', async () => {
    const before = count()
    const a = await startNode(4101)
    const b = await startNode(4102)
    const ra = makeRouter(a, [b.peer])
    const rb = makeRouter(b, [a.peer])
    await Promise.all([ra.start(), rb.start()])
    await waitFor(() => ra.meshPeerCount() === 1 && rb.meshPeerCount() === 1, { timeoutMs: 20_000, what: 'mesh' })
    const data = envelope('handles')
    const got = rb.events.once('message', { signal: AbortSignal.timeout(15_000), filter: m => same(m.data, data) })
    await ra.broadcast(data)
    await got
    await ra.send(envelope('direct'), b.peer.address)
    await Promise.all([ra.stop(), rb.stop()])
    await Promise.all([stopNode(a), stopNode(b)])
    // closed sockets are released on the next turns of the event loop
    await waitFor(() => {
      const now = count()
      return ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'].every(k => (now[k] ?? 0) <= (before[k] ?? 0))
    }, { timeoutMs: 15_000, what: () => `resources back to ${JSON.stringify(before)}, now ${JSON.stringify(count())}` })
    expect((count().TCPServerWrap ?? 0)).toBeLessThanOrEqual(before.TCPServerWrap ?? 0)
  }, 60_000)
})
