import { createNode, messageTransport, type Libp2pMessageTransport } from '@pokt-p2p/transport'
import {
  createAny, createPeer, encodePocketEnvelope, generateNonce, MemoryMetrics, testIdentity,
  type ComponentLogger, type Identity, type Peer
} from '@pokt-p2p/types'
import { background, backgroundServices, type BackgroundInit, type BackgroundRouter } from '../src/index.js'
import type { Libp2p } from '@libp2p/interface'

/**
 * Loopback settings every test network needs, plus fast timers. The dial deadline stays generous: on a loaded 2-core
 * machine a hub answering a dozen noise handshakes at once takes seconds per dial, and a dial that times out fails
 * the bootstrap the tests check (unreachable test peers refuse at once, so they do not wait for it).
 */
export const TEST_INIT: BackgroundInit = {
  privateAddresses: true,
  ipColocationWhitelist: ['127.0.0.1'],
  heartbeatIntervalMs: 100,
  discoveryIntervalMs: 1000,
  bootstrapBackoffMs: 50,
  bootstrapBackoffMaxMs: 400,
  dialTimeoutMs: 15_000
}

export interface TestNode {
  identity: Identity
  node: Libp2p
  transport: Libp2pMessageTransport
  /** this node as a pocket peer, with its real loopback service URL */
  peer: Peer
  /** the node's metrics: gossipsub's and (given to {@link makeRouter}'s router) the router's */
  metrics: MemoryMetrics
}

/** A started libp2p node on 127.0.0.1 with an ephemeral port, carrying the background services. */
export async function startNode (seed: number, init: BackgroundInit = TEST_INIT, services?: Record<string, (c: any) => unknown>): Promise<TestNode> {
  const identity = testIdentity(seed)
  const metrics = new MemoryMetrics()
  const node = await createNode({
    identity, hostname: '127.0.0.1', port: 0, allowLoopback: true, services: services ?? { ...backgroundServices(init, { metrics }) }
  })
  await node.start()
  const port = node.getMultiaddrs()[0]?.getComponents().find(c => c.name === 'tcp')?.value
  if (port === undefined) {
    await node.stop()
    throw new Error('node has no TCP listen address')
  }
  const transport = messageTransport()({ node })
  return { identity, node, transport, peer: createPeer(identity.publicKey, `127.0.0.1:${port}`), metrics }
}

/** The background router of `n`, counting into the node's metrics; `logger` replaces the default one. */
export function makeRouter (n: TestNode, peers: Peer[], init: BackgroundInit = TEST_INIT, logger?: ComponentLogger): BackgroundRouter {
  return background(init)({ node: n.node, transport: n.transport, peers, metrics: n.metrics, ...(logger === undefined ? {} : { logger }) })
}

export async function stopNode (n: TestNode): Promise<void> {
  await n.transport.close()
  await n.node.stop()
}

/** A counter of the background router's (or gossipsub's) in `n`'s metrics, e.g. `count(a, 'messages', 'delivered')`. */
export function count (n: TestNode, metric: 'messages' | 'dropped' | 'bootstrap_dial_failures' | 'dht_lookups', label?: string): number {
  return n.metrics.value(`pokt_background_${metric}_total`, label)
}

/** A valid PocketEnvelope with a fresh random nonce. */
export function envelope (text: string): Uint8Array {
  return encodePocketEnvelope(createAny('type.googleapis.com/test.Background', new TextEncoder().encode(text)), generateNonce())
}

export function same (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0
}

/** Resolves with the indices of `routers` that received `data`, once all of `expected` did (or rejects on timeout). */
export function collect (routers: BackgroundRouter[], data: Uint8Array): { seen: Set<number>, stop: () => void } {
  const seen = new Set<number>()
  const offs = routers.map((r, i) => r.events.on('message', m => { if (same(m.data, data)) seen.add(i) }))
  return { seen, stop: () => { offs.forEach(off => { off() }) } }
}
