/** End-to-end over real libp2p TCP loopback nodes from `@pokt-p2p/transport` (noise + yamux, one stream per message). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { MemoryMetrics, createPeer, type Identity, type MessageTransport, type Peer } from '@pokt-p2p/types'
import { createNode, messageTransport, multiaddrToServiceUrl, type Libp2p, type Libp2pMessageTransport } from '@pokt-p2p/transport'
import { waitFor } from '@pokt-p2p/testing'
import { rainTree, type RainTreeMode, type RainTreeRouter } from '../src/index.js'
import { envelope, figures, loadReferenceTables, referenceKeys, sortedIdentities } from './helpers.js'

/** One libp2p node with its transport, and the `MemoryMetrics` the transport counts in. */
interface TcpNode { identity: Identity, node: Libp2p, transport: Libp2pMessageTransport, metrics: MemoryMetrics, peer: Peer }

/**
 * Where every RainTree message of a TCP test network is, to tell when the network is idle: sends started and not yet
 * settled, inbound handlers running (a handler returns once its propagation sends settled), and messages written but
 * not yet taken off the wire by their receiver (transport `sent` minus everything receivers accounted for).
 */
class Traffic {
  sending = 0
  handling = 0
  /** each transport with the balance of its counters when wrapped (the nodes serve several tests) */
  readonly #transports: Array<{ metrics: MemoryMetrics, before: number }> = []

  /** `transport`, counted: the routers get this instead of the transport itself. */
  wrap ({ transport, metrics }: TcpNode): MessageTransport {
    this.#transports.push({ metrics, before: balance(metrics) })
    return {
      localAddress: transport.localAddress,
      handle: (protocol, handler) => {
        transport.handle(protocol, async (bytes, from, on) => {
          this.handling++
          try { await handler(bytes, from, on) } finally { this.handling-- }
        })
      },
      unhandle: protocol => { transport.unhandle(protocol) },
      sendTo: async (peer, protocol, bytes, options) => {
        this.sending++
        try { return await transport.sendTo(peer, protocol, bytes, options) } finally { this.sending-- }
      }
    }
  }

  onTheWire (): number {
    return this.#transports.reduce((n, { metrics, before }) => n + balance(metrics) - before, 0)
  }

  /**
   * Nothing in flight. The balance goes negative when a send failed at the sender (its deadline passed) although
   * the receiver got the message; that run fails on its send failures anyway, so it is not waited out.
   */
  idle (): boolean {
    return this.sending === 0 && this.handling === 0 && this.onTheWire() <= 0
  }

  /** Resolves once nothing is in flight anywhere (call after the broadcast that starts it all resolved). */
  async quiescence (timeoutMs = 90_000): Promise<void> {
    await waitFor(() => this.idle(), {
      timeoutMs,
      what: () => `quiescence: ${this.sending} sends, ${this.handling} handlers, ${this.onTheWire()} on the wire`
    })
  }
}

/**
 * Messages a transport wrote minus the messages it took off the wire (delivered to a handler or rejected), from the
 * metrics it counts in.
 */
function balance (metrics: MemoryMetrics): number {
  return metrics.value('pokt_transport_messages_total', 'sent') -
    (metrics.value('pokt_transport_messages_total', 'received') + metrics.value('pokt_transport_rejected_total'))
}

/** Starts one node per identity, appending to `out` as they start (so a failure still leaves them stoppable). */
async function startTcpNodes (ids: Identity[], out: TcpNode[]): Promise<void> {
  await Promise.all(ids.map(async identity => {
    const node = await createNode({ identity, transport: 'tcp', hostname: '127.0.0.1', port: 0, allowLoopback: true })
    await node.start()
    // the transport's deadlines are not what these tests check: generous, so a loaded machine cannot fail a send
    const metrics = new MemoryMetrics()
    const transport = messageTransport({ sendTimeoutMs: 60_000, readTimeoutMs: 60_000 })({ node, metrics })
    out.push({ identity, node, transport, metrics, peer: createPeer(identity.publicKey, '') })
  }))
  // the service URL is the real listen address; keep `out` in identity (= address) order
  out.sort((a, b) => ids.indexOf(a.identity) - ids.indexOf(b.identity))
  for (const n of out) n.peer = createPeer(n.identity.publicKey, multiaddrToServiceUrl(n.node.getMultiaddrs()[0]!))
}

async function stopTcpNodes (nodes: TcpNode[]): Promise<void> {
  await Promise.all(nodes.map(async n => { await n.transport.close(); await n.node.stop() }))
}

function routersOver (nodes: TcpNode[], mode: RainTreeMode): {
  routers: RainTreeRouter[], metrics: MemoryMetrics[], delivered: number[], traffic: Traffic, failures: string[]
} {
  const peers = nodes.map(n => n.peer)
  const traffic = new Traffic()
  // fresh router metrics per test (the nodes and their transports serve several tests)
  const metrics = nodes.map(() => new MemoryMetrics())
  // likewise the ACK timeouts: 100 nodes sharing one process's CPU answer late, and a resend is not what is checked
  const ack = { initialTimeoutMs: 60_000, minTimeoutMs: 60_000, maxTimeoutMs: 60_000 }
  const routers = nodes.map((n, i) => rainTree({ mode, ack })({
    selfAddress: n.identity.address, transport: traffic.wrap(n), peers, metrics: metrics[i]
  }))
  const delivered = routers.map(() => 0)
  routers.forEach((r, i) => r.events.on('message', () => { delivered[i]!++ }))
  // what failed and why, so that a failing run says it (the counters only say how many)
  const failures: string[] = []
  routers.forEach((r, i) => r.events.on('send:failed', ({ to, level, error }) => {
    failures.push(`node ${i + 1} → ${nodes.findIndex(n => n.identity.address === to) + 1} (level ${level}): ${error.name}: ${error.message}`)
  }))
  return { routers, metrics, delivered, traffic, failures }
}

// Generous: on a loaded 2-core machine the first broadcast over 100 fresh nodes opens 99 connections (noise
// handshakes); the quiescence wait fails first, with what is still in flight.
const TEST_TIMEOUT_MS = 120_000

describe('reference mode over TCP: per-node {reads, writes} = the reference tables', () => {
  const nodes: TcpNode[] = []
  beforeAll(async () => { await startTcpNodes(referenceKeys().slice(0, 27), nodes) }, 60_000)
  afterAll(async () => { await stopTcpNodes(nodes) }, 60_000)

  it.each(loadReferenceTables().map(t => [t.nodes, t] as const))('N=%i', async (n, table) => {
    const { routers, metrics, traffic, failures } = routersOver(nodes.slice(0, n), 'reference')
    await Promise.all(routers.map(async r => { await r.start() }))
    try {
      await routers[table.originator - 1]!.broadcast(envelope(`tcp ref ${n}`))
      await traffic.quiescence()
      expect(failures).toEqual([])
      expect(metrics.reduce((s, m) => s + figures(m).sendFailures, 0)).toBe(0)
      expect(metrics.map((m, i) => ({ index: i + 1, reads: figures(m).reads, writes: figures(m).writes }))).toEqual(table.perNode)
    } finally {
      await Promise.all(routers.map(async r => { await r.stop() }))
    }
  }, TEST_TIMEOUT_MS)
})

describe('complete mode over TCP: every node exactly once', () => {
  const nodes: TcpNode[] = []
  beforeAll(async () => { await startTcpNodes(sortedIdentities(100), nodes) }, 60_000)
  afterAll(async () => { await stopTcpNodes(nodes) }, 60_000)

  it.each([8, 27, 100])('N=%i', async n => {
    const { routers, metrics, delivered, traffic, failures } = routersOver(nodes.slice(0, n), 'complete')
    await Promise.all(routers.map(async r => { await r.start() }))
    try {
      await routers[0]!.broadcast(envelope(`tcp complete ${n}`))
      await traffic.quiescence()
      expect(failures).toEqual([])
      expect(metrics.reduce((s, m) => s + figures(m).sendFailures, 0)).toBe(0)
      expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
      expect(metrics.reduce((s, m) => s + figures(m).writes, 0)).toBe(n - 1)
    } finally {
      await Promise.all(routers.map(async r => { await r.stop() }))
    }
  }, TEST_TIMEOUT_MS)
})
