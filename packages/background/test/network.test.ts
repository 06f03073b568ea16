/**
 * Acceptance: 12 nodes on real TCP loopback, 8 staked and 4 unstaked (2 of them DHT clients), each knowing only one
 * bootstrap peer. Every node must receive a broadcast from any other; after the hub everybody bootstrapped from is
 * gone, gossip still reaches everyone over connections the DHT found.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { waitFor } from '@pokt-p2p/testing'
import { collect, count, envelope, makeRouter, startNode, stopNode, TEST_INIT, type TestNode } from './helpers.js'
import type { BackgroundRouter, DiscoverySource } from '../src/index.js'
import type { Peer } from '@pokt-p2p/types'

const N = 12
const STAKED = 8 // nodes 0..7 staked, 8..11 unstaked
const CLIENTS = new Set([10, 11]) // unstaked client-only nodes: DHT client mode
const HUB = 0

const nodes: TestNode[] = []
const routers: BackgroundRouter[] = []
const discovered: Array<Map<string, DiscoverySource>> = []

function initOf (i: number): typeof TEST_INIT {
  return { ...TEST_INIT, heartbeatIntervalMs: 200, clientMode: CLIENTS.has(i) }
}

// The waits below are safety nets, generous because a loaded 2-core machine can slow this 12-node network several
// times over (bootstrap and meshes took 8 s unloaded, over 40 s under load); each names what it still lacks.

/** Per router: subscribed topic peers / mesh peers / connections, for failure messages. */
function network (): string {
  return routers.map((r, i) => `${i}: ${r.topicPeerCount()}/${r.meshPeerCount()}/${r.connectedPeerCount()}`).join(', ')
}

/** Broadcasts from `from` and resolves with the ms until every router in `expected` received it. */
async function broadcastAndTime (from: number, expected: number[], timeoutMs = 60_000): Promise<number> {
  const data = envelope(`from ${from} at ${Date.now()}`)
  const { seen, stop } = collect(routers, data)
  const t0 = performance.now()
  try {
    await (routers[from] as BackgroundRouter).broadcast(data)
    await waitFor(() => expected.every(i => seen.has(i)), { timeoutMs, what: () => `broadcast from ${from} to reach ${expected.filter(i => !seen.has(i)).join(',')} (topic/mesh/connections: ${network()})` })
    return performance.now() - t0
  } finally {
    stop()
  }
}

describe(`${N} nodes (${N - STAKED} unstaked) each knowing one bootstrap peer`, () => {
  beforeAll(async () => {
    for (let i = 0; i < N; i++) nodes.push(await startNode(1000 + i, initOf(i)))
    for (let i = 0; i < N; i++) {
      // the hub knows node 1; everyone else knows only the hub
      const bootstrap: Peer = (nodes[i === HUB ? 1 : HUB] as TestNode).peer
      const r = makeRouter(nodes[i] as TestNode, [bootstrap], initOf(i))
      const seen = new Map<string, DiscoverySource>()
      r.events.on('peer:discovered', d => { seen.set(d.peer.address, d.source) })
      discovered.push(seen)
      routers.push(r)
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(routers.map(async r => { await r.stop() }))
    await Promise.all(nodes.map(stopNode))
  }, 60_000)

  it('bootstraps every node, and the DHT connects them beyond the hub', async () => {
    const outcomes: Array<string | undefined> = routers.map(() => undefined)
    routers.forEach((r, i) => {
      r.events.on('bootstrap:succeeded', e => { outcomes[i] = `succeeded, failed: ${JSON.stringify(e.failed)}` })
      r.events.on('bootstrap:failed', e => { outcomes[i] = `failed: ${JSON.stringify(e.failed)}` })
    })
    const t0 = performance.now()
    // start resolves once the bootstrap settled, so every outcome is in
    await Promise.all(routers.map(async r => { await r.start() }))
    expect(outcomes).toEqual(routers.map(() => 'succeeded, failed: []'))
    // connection maintenance dials DHT-found peers until min(minConnections, N - 1) are connected
    await waitFor(() => routers.every(r => r.topicPeerCount() >= 4 && r.meshPeerCount() >= 2), { timeoutMs: 150_000, what: () => `at least 4 topic peers and 2 mesh peers each (topic/mesh/connections: ${network()})` })
    console.log(`bootstrap + mesh of ${N} nodes: ${Math.round(performance.now() - t0)} ms; connections ${routers.map(r => r.connectedPeerCount()).join(',')}; mesh ${routers.map(r => r.meshPeerCount()).join(',')}`)

    for (let i = 0; i < N; i++) {
      if (i === HUB) continue
      const r = routers[i] as BackgroundRouter
      // it started knowing only the hub; everyone else came from the DHT or from peers connecting to it
      expect(r.getPeerstore().size).toBeGreaterThan(1)
      for (const p of r.getPeerstore().getPeerList()) {
        if (p.address !== (nodes[HUB] as TestNode).peer.address) expect(discovered[i]?.has(p.address)).toBe(true)
      }
    }
    // the DHT itself found peers for the nodes that dial (servers and clients alike)
    expect(discovered.filter(d => [...d.values()].includes('dht')).length).toBeGreaterThanOrEqual(N / 2)
    // service URLs of discovered peers are their listen addresses (not ephemeral source ports)
    const byAddress = new Map(nodes.map(n => [n.peer.address, n.peer.serviceUrl]))
    for (const r of routers) {
      for (const p of r.getPeerstore().getPeerList()) if (p.serviceUrl !== '') expect(p.serviceUrl).toBe(byAddress.get(p.address))
    }
  }, 240_000)

  it('delivers a broadcast from any node (staked, unstaked, DHT client) to every other node', async () => {
    const timings: string[] = []
    for (const from of [3, 8, 11, 0]) {
      const others = routers.map((_, i) => i).filter(i => i !== from)
      const ms = await broadcastAndTime(from, others)
      timings.push(`${from}: ${ms.toFixed(1)} ms`)
    }
    console.log(`time to full delivery (11 receivers): ${timings.join(', ')}`)
    // emitSelf: the originator handled its own broadcast too
    expect(nodes.reduce((s, n) => s + count(n, 'messages', 'delivered'), 0)).toBe(4 * N)
    expect(nodes.reduce((s, n) => s + count(n, 'dropped'), 0)).toBe(0)
  }, 300_000)

  it('still delivers to everyone after the hub, the only bootstrap peer of 11 nodes, is gone', async () => {
    await (routers[HUB] as BackgroundRouter).stop()
    await stopNode(nodes[HUB] as TestNode)
    const alive = routers.map((_, i) => i).filter(i => i !== HUB)
    await waitFor(() => alive.every(i => (routers[i] as BackgroundRouter).meshPeerCount() >= 1), { timeoutMs: 60_000, what: () => `meshes without the hub (topic/mesh/connections: ${network()})` })
    const t0 = performance.now()
    for (const from of [5, 10]) {
      await broadcastAndTime(from, alive.filter(i => i !== from))
    }
    console.log(`after the hub left: 2 broadcasts fully delivered in ${Math.round(performance.now() - t0)} ms`)
  }, 200_000)
})
