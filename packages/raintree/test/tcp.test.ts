/** End-to-end over real libp2p TCP loopback nodes from `@pokt-p2p/transport` (noise + yamux, one stream per message). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createPeer, type Identity, type Peer } from '@pokt-p2p/types'
import { Libp2pMessageTransport, createNode, multiaddrToServiceUrl, type Libp2p } from '@pokt-p2p/transport'
import { createRainTreeRouter, type RainTreeMode, type RainTreeRouter } from '../src/index.js'
import { envelope, loadReferenceTables, referenceKeys, sortedIdentities } from './helpers.js'

interface TcpNode { identity: Identity, node: Libp2p, transport: Libp2pMessageTransport, peer: Peer }

/** Starts one node per identity, appending to `out` as they start (so a failure still leaves them stoppable). */
async function startTcpNodes (ids: Identity[], out: TcpNode[]): Promise<void> {
  await Promise.all(ids.map(async identity => {
    const node = await createNode({ identity, transport: 'tcp', hostname: '127.0.0.1', port: 0, allowLoopback: true })
    await node.start()
    const transport = new Libp2pMessageTransport(node)
    out.push({ identity, node, transport, peer: createPeer(identity.publicKey, '') })
  }))
  // the service URL is the real listen address; keep `out` in identity (= address) order
  out.sort((a, b) => ids.indexOf(a.identity) - ids.indexOf(b.identity))
  for (const n of out) n.peer = createPeer(n.identity.publicKey, multiaddrToServiceUrl(n.node.getMultiaddrs()[0]!))
}

async function stopTcpNodes (nodes: TcpNode[]): Promise<void> {
  await Promise.all(nodes.map(async n => { await n.transport.close(); await n.node.stop() }))
}

function routersOver (nodes: TcpNode[], mode: RainTreeMode): { routers: RainTreeRouter[], delivered: number[] } {
  const peers = nodes.map(n => n.peer)
  const routers = nodes.map(n => createRainTreeRouter({ mode, selfAddress: n.identity.address, transport: n.transport, peers }))
  const delivered = routers.map(() => 0)
  routers.forEach((r, i) => r.events.on('message', () => { delivered[i]!++ }))
  return { routers, delivered }
}

/** Polls router stats until `expectedMessages` were written and read and nothing changed for `quietMs`. */
async function quiescence (routers: RainTreeRouter[], expectedMessages: number, timeoutMs = 15_000, quietMs = 150): Promise<void> {
  const snapshot = (): string => routers.map(r => `${r.stats.reads}/${r.stats.writes}/${r.stats.sendFailures}`).join(',')
  const deadline = Date.now() + timeoutMs
  let last = ''
  let since = Date.now()
  for (;;) {
    const reads = routers.reduce((s, r) => s + r.stats.reads, 0)
    const writes = routers.reduce((s, r) => s + r.stats.writes + r.stats.sendFailures, 0)
    const snap = snapshot()
    if (snap !== last) { last = snap; since = Date.now() }
    if (reads >= expectedMessages && writes >= expectedMessages && Date.now() - since >= quietMs) return
    if (Date.now() > deadline) throw new Error(`no quiescence: reads ${reads}, writes ${writes}, expected ${expectedMessages}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

describe('reference mode over TCP: per-node {reads, writes} = the reference tables', () => {
  const nodes: TcpNode[] = []
  beforeAll(async () => { await startTcpNodes(referenceKeys().slice(0, 27), nodes) }, 30_000)
  afterAll(async () => { await stopTcpNodes(nodes) }, 30_000)

  it.each(loadReferenceTables().map(t => [t.nodes, t] as const))('N=%i', async (n, table) => {
    const { routers } = routersOver(nodes.slice(0, n), 'reference')
    await Promise.all(routers.map(async r => { await r.start() }))
    try {
      await routers[table.originator - 1]!.broadcast(envelope(`tcp ref ${n}`))
      await quiescence(routers, table.totalMessages)
      expect(routers.map((r, i) => ({ index: i + 1, reads: r.stats.reads, writes: r.stats.writes }))).toEqual(table.perNode)
      expect(routers.reduce((s, r) => s + r.stats.sendFailures, 0)).toBe(0)
    } finally {
      await Promise.all(routers.map(async r => { await r.stop() }))
    }
  }, 30_000)
})

describe('complete mode over TCP: every node exactly once', () => {
  const nodes: TcpNode[] = []
  beforeAll(async () => { await startTcpNodes(sortedIdentities(100), nodes) }, 30_000)
  afterAll(async () => { await stopTcpNodes(nodes) }, 30_000)

  it.each([8, 27, 100])('N=%i', async n => {
    const { routers, delivered } = routersOver(nodes.slice(0, n), 'complete')
    await Promise.all(routers.map(async r => { await r.start() }))
    try {
      await routers[0]!.broadcast(envelope(`tcp complete ${n}`))
      await quiescence(routers, n - 1)
      expect(delivered).toEqual(routers.map((_, i) => (i === 0 ? 0 : 1)))
      expect(routers.reduce((s, r) => s + r.stats.writes, 0)).toBe(n - 1)
      expect(routers.reduce((s, r) => s + r.stats.sendFailures, 0)).toBe(0)
    } finally {
      await Promise.all(routers.map(async r => { await r.stop() }))
    }
  }, 30_000)
})
