import { describe, expect, it } from '@jest/globals'
import { waitFor } from '@pokt-p2p/testing'
import { createNode, messageTransport } from '@pokt-p2p/transport'
import { createPeer, generateIdentity, InvalidConfigError, testIdentity, type Peer } from '@pokt-p2p/types'
import { background, backgroundServices, BACKGROUND_TOPIC, type BackgroundRouter, type GossipSubLike } from './lifecycle-types.js'
import { count, envelope, makeRouter, same, TEST_INIT, type TestNode } from './helpers.js'
import { stoppedAfterEach } from './stopped-after-each.js'

const { cleanup, node } = stoppedAfterEach()

function router (n: TestNode, peers: Peer[], init = TEST_INIT): BackgroundRouter {
  const r = makeRouter(n, peers, init)
  cleanup.push(async () => { await r.stop() })
  return r
}

/** `promise`, or a rejection naming `what` after `ms` (a safety net far beyond the expected time, not a budget). */
async function settlesWithin<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`${what} did not settle within ${ms} ms`)) }, ms) })
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** A peer nobody listens for: port 1 on loopback refuses at once. */
function unreachable (): Peer {
  return createPeer(generateIdentity().publicKey, '127.0.0.1:1')
}

describe('lifecycle', () => {
  it('survives stop/start cycles and works after each restart', async () => {
    const a = await node(4001); const b = await node(4002)
    const ra = router(a, [b.peer]); const rb = router(b, [a.peer])
    await rb.start()
    const pubsub = (a.node.services as { pubsub: GossipSubLike }).pubsub
    for (let cycle = 0; cycle < 3; cycle++) {
      await ra.start()
      await waitFor(() => ra.meshPeerCount() === 1 && rb.meshPeerCount() === 1, { timeoutMs: 20_000, what: `mesh after restart ${cycle}` })
      const data = envelope(`cycle ${cycle}`)
      const got = ra.events.once('message', { signal: AbortSignal.timeout(15_000), filter: m => same(m.data, data) })
      await rb.broadcast(data)
      expect((await got).from).toBe(b.peer.address)
      await ra.stop()
      expect(ra.isStarted()).toBe(false)
      // everything the router installed is gone; the node (owned by the test) keeps running
      expect(pubsub.getTopics()).not.toContain(BACKGROUND_TOPIC)
      expect(pubsub.topicValidators.has(BACKGROUND_TOPIC)).toBe(false)
      expect(a.node.status).toBe('started')
    }
    expect(count(a, 'messages', 'delivered')).toBe(3)
  }, 120_000)

  it('emits gossip:peers as the topic and the mesh change, with the counts the diagnostics return', async () => {
    const a = await node(4070); const b = await node(4071)
    const ra = router(a, [b.peer]); const rb = router(b, [a.peer])
    const seen: Array<{ topicPeers: number, meshPeers: number }> = []
    ra.events.on('gossip:peers', p => { seen.push(p) })
    const meshed = (r: BackgroundRouter): Promise<unknown> =>
      r.events.once('gossip:peers', { filter: p => p.topicPeers === 1 && p.meshPeers === 1, signal: AbortSignal.timeout(20_000) })
    // both sides: a GRAFT that arrives after its receiver left would leave the sender's mesh link dangling
    const both = Promise.all([meshed(ra), meshed(rb)])
    await Promise.all([ra.start(), rb.start()])
    await both
    expect([ra.topicPeerCount(), ra.meshPeerCount()]).toEqual([1, 1])
    // only changes are emitted
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toEqual(seen[i - 1])
    // B leaves: its unsubscription and its PRUNE reach A
    const left = ra.events.once('gossip:peers', { filter: p => p.topicPeers === 0 && p.meshPeers === 0, signal: AbortSignal.timeout(20_000) })
    await rb.stop()
    await left
    expect([ra.topicPeerCount(), ra.meshPeerCount()]).toEqual([0, 0])
  })

  it('starts and stops a node it was given unstarted', async () => {
    const identity = testIdentity(4010)
    const n = await createNode({ identity, hostname: '127.0.0.1', port: 0, allowLoopback: true, services: { ...backgroundServices(TEST_INIT) } })
    const transport = messageTransport()({ node: n })
    const r = background(TEST_INIT)({ node: n, transport })
    cleanup.push(async () => { await r.stop(); await n.stop() })
    const started = r.events.once('bootstrap:succeeded')
    await r.start()
    expect(n.status).toBe('started')
    expect(await started).toMatchObject({ connected: [], failed: [] }) // nothing to dial: the first node of a network
    await r.stop()
    expect(n.status).toBe('stopped')
  })

  it('dials every initial peer with bounded retries and reports each failure', async () => {
    const a = await node(4020); const b = await node(4021)
    const rb = router(b, [])
    await rb.start()
    const down = [unreachable(), unreachable()]
    const init = { ...TEST_INIT, bootstrapRetries: 3, bootstrapBackoffMs: 20 }
    // self first: the reference stopped at self and never dialled the rest
    const ra = router(a, [a.peer, ...down, b.peer], init)
    const events: string[] = []
    ra.events.on('bootstrap:started', e => { events.push(`started ${e.peers.length}`) })
    const outcome = ra.events.once('bootstrap:succeeded')
    await ra.start()
    const result = await outcome
    expect(events).toEqual(['started 3'])
    expect(result.connected).toEqual([b.peer.address])
    expect(result.failed.map(f => f.target).sort()).toEqual(down.map(p => p.address).sort())
    expect(result.failed.every(f => f.attempts === 3 && f.error.message.length > 0)).toBe(true)
    expect(count(a, 'bootstrap_dial_failures')).toBe(6)
    // B takes A in with A's first valid message (a connection alone admits nobody: see peerstore.test.ts)
    await ra.send(envelope('hello B'), b.peer.address)
    await waitFor(() => rb.getPeerstore().has(a.peer.address), { timeoutMs: 15_000, what: 'B to add A' })
  })

  it('bootstrapPeerLimit dials only the peers following self in address order, wrapping', async () => {
    const a = await node(4040)
    const others = Array.from({ length: 5 }, unreachable)
    const ring = [...others, a.peer].sort((x, y) => x.address < y.address ? -1 : 1)
    const self = ring.findIndex(p => p.address === a.peer.address)
    const expected = [1, 2].map(k => ring[(self + k) % ring.length]!.address)
    const ra = router(a, others, { ...TEST_INIT, bootstrapPeerLimit: 2, bootstrapRetries: 1 })
    const started = ra.events.once('bootstrap:started')
    await ra.start()
    expect((await started).peers).toEqual(expected)
    expect(() => router(a, others, { ...TEST_INIT, bootstrapPeerLimit: 0 })).toThrow(InvalidConfigError)
  })

  it('reports bootstrap failure when no peer is reachable, without failing start', async () => {
    const a = await node(4030)
    const down = [unreachable(), createPeer(generateIdentity().publicKey, 'no-such-host.invalid:42069')]
    const ra = router(a, down, { ...TEST_INIT, bootstrapRetries: 2, bootstrapBackoffMs: 10 })
    const failed = ra.events.once('bootstrap:failed')
    await ra.start()
    expect(ra.isStarted()).toBe(true)
    const { failed: reasons } = await failed
    expect(reasons).toHaveLength(2)
    for (const f of reasons) expect(f.attempts).toBe(2)
  })

  it('stop aborts a bootstrap that is still backing off', async () => {
    const a = await node(4040)
    // an hour of backoff: unless stop aborts it, start and stop cannot settle within the test
    const hour = 3_600_000
    const ra = router(a, [unreachable()], { ...TEST_INIT, bootstrapRetries: 5, bootstrapBackoffMs: hour, bootstrapBackoffMaxMs: hour })
    const starting = ra.start()
    await waitFor(() => count(a, 'bootstrap_dial_failures') === 1, { timeoutMs: 15_000, what: 'first attempt to fail' })
    await settlesWithin(Promise.all([ra.stop(), starting]), 20_000, 'stop and start (the backoff is an hour)')
    expect(ra.isStarted()).toBe(false)
    expect(count(a, 'bootstrap_dial_failures')).toBe(1)
  })

  it('rejects bad options and nodes without the background services', async () => {
    expect(() => background({ bootstrapRetries: 0 })).toThrow(InvalidConfigError)
    expect(() => background({ heartbeatIntervalMs: 1.5 })).toThrow(InvalidConfigError)
    expect(() => background({ dhtProtocol: '' })).toThrow(InvalidConfigError)
    const n = await createNode({ identity: testIdentity(4050), hostname: '127.0.0.1', port: 0 })
    expect(() => background()({ node: n, transport: messageTransport()({ node: n }) })).toThrow(InvalidConfigError)
  })

  it('broadcast and send need a started router', async () => {
    const a = await node(4060)
    const ra = router(a, [])
    await expect(ra.broadcast(envelope('x'))).rejects.toThrow('not started')
  })
})
