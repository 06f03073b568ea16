import { createPeer, testIdentity, type Identity, type Peer } from '@pokt-p2p/types'
import type { Libp2p } from 'libp2p'
import { createNode, Libp2pMessageTransport, memoryMultiaddr, multiaddrToServiceUrl, type Libp2pTransportInit, type NodeInit } from '../src/index.js'

export interface TestNode {
  identity: Identity
  node: Libp2p
  transport: Libp2pMessageTransport
  /** this node as a pocket peer, with its real listen address as service URL */
  peer: Peer
}

let nextSeed = 1000

/** Unique deterministic identities per test file run (memory addresses are process-global). */
export function freshIdentity (): Identity {
  return testIdentity(nextSeed++)
}

/** Starts `n` nodes on 127.0.0.1:0 (or memory) with transports; stop them with {@link stopAll}. */
export async function startNodes (n: number, opts: {
  transport?: 'tcp' | 'memory'
  node?: Partial<NodeInit>
  init?: Libp2pTransportInit | ((i: number) => Libp2pTransportInit)
} = {}): Promise<TestNode[]> {
  const kind = opts.transport ?? 'tcp'
  const out: TestNode[] = []
  for (let i = 0; i < n; i++) {
    const identity = freshIdentity()
    const node = await createNode({ identity, transport: kind, hostname: '127.0.0.1', port: 0, allowLoopback: true, ...opts.node })
    await node.start()
    const init = typeof opts.init === 'function' ? opts.init(i) : opts.init
    const transport = new Libp2pMessageTransport(node, {
      ...(kind === 'memory' ? { resolveAddresses: (p: Peer) => [memoryMultiaddr(p.address)] } : {}),
      ...init
    })
    const serviceUrl = kind === 'memory' ? '' : multiaddrToServiceUrl(node.getMultiaddrs()[0]!)
    out.push({ identity, node, transport, peer: createPeer(identity.publicKey, serviceUrl) })
  }
  return out
}

export async function stopAll (nodes: TestNode[]): Promise<void> {
  await Promise.all(nodes.map(async n => { await n.transport.close(); await n.node.stop() }))
}

/** Resolves when `predicate` holds, polling; rejects after `ms` (a safety net: generous, so load cannot trip it). */
export async function waitFor (predicate: () => boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** Collects inbound messages of one protocol on a node. */
export function collect (n: TestNode, protocol: string): Array<{ bytes: Uint8Array, from: string }> {
  const got: Array<{ bytes: Uint8Array, from: string }> = []
  n.transport.handle(protocol, (bytes, from) => { got.push({ bytes, from: from.address }) })
  return got
}
