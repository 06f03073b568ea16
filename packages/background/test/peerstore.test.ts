/**
 * Issue 15 item 4: every connection, even one that never spoke a pocket protocol, added a permanent entry to the
 * background peerstore. Now a peer enters only with a valid pocket message (or when this node dialled it and
 * identify lists a pocket protocol), and discovered peers are capped at `maxDiscoveredPeers`, least recently seen
 * evicted first; the initial peers are pinned.
 */
import { describe, expect, it } from '@jest/globals'
import { waitFor } from '@pokt-p2p/testing'
import { BACKGROUND_PROTOCOL_ID, BACKGROUND_STREAM_PROTOCOL_ID, createNode, serviceUrlToMultiaddr } from '@pokt-p2p/transport'
import { encodeBackgroundMessage, testIdentity } from '@pokt-p2p/types'
import { DEFAULT_DHT_PROTOCOL, type BackgroundRouter } from '../src/index.js'
import { envelope, makeRouter, TEST_INIT, type TestNode } from './helpers.js'
import { stoppedAfterEach } from './stopped-after-each.js'

const { cleanup, node } = stoppedAfterEach()

async function routerOf (n: TestNode, init = TEST_INIT): Promise<BackgroundRouter> {
  const r = makeRouter(n, [], init)
  cleanup.push(async () => { await r.stop() })
  await r.start()
  return r
}

const addresses = (r: BackgroundRouter): string[] => r.getPeerstore().getPeerList().map(p => p.address).sort()

describe('admission to the background peerstore', () => {
  it('takes no peer that only connects, even one that lists the pocket protocols', async () => {
    const victim = await node(7101)
    const router = await routerOf(victim)
    let identified = 0
    victim.node.addEventListener('peer:identify', () => { identified++ })
    // two outsiders: a bare libp2p node, and one that claims the background and DHT protocols
    for (const [seed, claims] of [[7102, false], [7103, true]] as const) {
      const outsider = await createNode({ identity: testIdentity(seed), hostname: '127.0.0.1', port: 0, allowLoopback: true })
      await outsider.start()
      cleanup.push(async () => { await outsider.stop() })
      if (claims) {
        for (const p of [BACKGROUND_PROTOCOL_ID, DEFAULT_DHT_PROTOCOL]) await outsider.handle(p, stream => { stream.abort(new Error('no')) })
      }
      await outsider.dial(await serviceUrlToMultiaddr(victim.peer.serviceUrl))
    }
    await waitFor(() => identified >= 2, { timeoutMs: 20_000, what: () => `identify of both outsiders (${identified})` })
    expect(router.getPeerstore().size).toBe(0)
  }, 30_000)

  it('takes the sender of a valid unicast message, not of an invalid one', async () => {
    const victim = await node(7111)
    const router = await routerOf(victim)
    const honest = await node(7112)
    const junk = await node(7113)
    const drops: string[] = []
    router.events.on('drop', d => { drops.push(d.from ?? '') })
    await junk.transport.sendTo(victim.peer, [BACKGROUND_STREAM_PROTOCOL_ID, BACKGROUND_PROTOCOL_ID], encodeBackgroundMessage(new Uint8Array([1, 2, 3])))
    await honest.transport.sendTo(victim.peer, [BACKGROUND_STREAM_PROTOCOL_ID, BACKGROUND_PROTOCOL_ID], encodeBackgroundMessage(envelope('hello')))
    await waitFor(() => router.getPeerstore().size >= 1 && drops.length >= 1, { timeoutMs: 20_000, what: 'the valid message admitted and the invalid one dropped' })
    expect(drops).toEqual([junk.peer.address])
    expect(addresses(router)).toEqual([honest.peer.address])
    // its listen address is filled in from identify, not left empty
    await waitFor(() => router.getPeerstore().getPeer(honest.peer.address)?.serviceUrl === honest.peer.serviceUrl, { timeoutMs: 20_000, what: 'the service URL' })
  }, 30_000)

  it('keeps at most maxDiscoveredPeers discovered peers, evicting the least recently seen, never an initial peer', async () => {
    const victim = await node(7121)
    const pinned = await node(7122)
    const init = { ...TEST_INIT, maxDiscoveredPeers: 2 }
    const router = makeRouter(victim, [pinned.peer], init)
    cleanup.push(async () => { await router.stop() })
    await router.start()
    const senders = [await node(7123), await node(7124), await node(7125)]
    const send = async (from: TestNode): Promise<void> => {
      await from.transport.sendTo(victim.peer, [BACKGROUND_STREAM_PROTOCOL_ID], encodeBackgroundMessage(envelope('hi')))
    }
    const has = (n: TestNode): boolean => router.getPeerstore().has(n.peer.address)
    await send(senders[0]!)
    await waitFor(() => has(senders[0]!), { timeoutMs: 20_000, what: 'sender 0' })
    await send(senders[1]!)
    await waitFor(() => has(senders[1]!), { timeoutMs: 20_000, what: 'sender 1' })
    await send(senders[0]!) // seen again: sender 1 is now the least recently seen
    await waitFor(() => victim.metrics.value('pokt_background_messages_total', 'unicast_received') >= 3, { timeoutMs: 20_000, what: 'the third message' })
    await send(senders[2]!)
    await waitFor(() => has(senders[2]!), { timeoutMs: 20_000, what: 'sender 2' })
    expect(addresses(router)).toEqual([pinned.peer.address, senders[0]!.peer.address, senders[2]!.peer.address].sort())
    expect(victim.metrics.value('pokt_background_peers_evicted_total')).toBe(1)
  }, 30_000)
})
