/** What only this package's tests need: real libp2p nodes with transports, and their figures by the old names. */
import { createPeer, MemoryMetrics, type ComponentLogger, type ConnectionType, type Identity, type Peer } from '@pokt-p2p/types'
import { testIdentities } from '@pokt-p2p/testing'
import type { Libp2p } from 'libp2p'
import type { Stream } from '@libp2p/interface'
import {
  createNode, Libp2pMessageTransport, memoryMultiaddr, messageTransport, multiaddrToServiceUrl,
  type Libp2pTransportInit, type NodeInit
} from '../src/index.js'

export interface TestNode {
  identity: Identity
  node: Libp2p
  transport: Libp2pMessageTransport
  /** the transport's metrics */
  metrics: MemoryMetrics
  /** this node as a pocket peer, with its real listen address as service URL */
  peer: Peer
}

let nextSeed = 1000

/**
 * The next unused test identity: nodes of one process must not share one, since a memory node listens on
 * `/memory/<its address>` in a process-wide registry.
 */
export function freshIdentity (): Identity {
  return testIdentities(1, { first: nextSeed++ })[0]!
}

/** Starts `n` nodes on 127.0.0.1:0 (or memory) with transports; stop them with {@link stopAll}. */
export async function startNodes (n: number, opts: {
  transport?: ConnectionType
  node?: Partial<NodeInit>
  init?: Libp2pTransportInit | ((i: number) => Libp2pTransportInit)
  /** the transports' logger (e.g. `captureLogs().logger`) */
  logger?: ComponentLogger
} = {}): Promise<TestNode[]> {
  const kind = opts.transport ?? 'tcp'
  const out: TestNode[] = []
  for (let i = 0; i < n; i++) {
    const identity = freshIdentity()
    const node = await createNode({ identity, transport: kind, hostname: '127.0.0.1', port: 0, allowLoopback: true, ...opts.node })
    await node.start()
    const init = typeof opts.init === 'function' ? opts.init(i) : opts.init
    const metrics = new MemoryMetrics()
    const transport = messageTransport({
      ...(kind === 'memory' ? { resolveAddresses: (p: Peer) => [memoryMultiaddr(p.address)] } : {}),
      ...init
    })({ node, metrics, ...(opts.logger === undefined ? {} : { logger: opts.logger }) })
    const serviceUrl = kind === 'memory' ? '' : multiaddrToServiceUrl(node.getMultiaddrs()[0]!)
    out.push({ identity, node, transport, metrics, peer: createPeer(identity.publicKey, serviceUrl) })
  }
  return out
}

export async function stopAll (nodes: TestNode[]): Promise<void> {
  await Promise.all(nodes.map(async n => { await n.transport.close(); await n.node.stop() }))
}

/** A transport's figures under the names its former `stats` object had, read from its `pokt_transport_*` metrics. */
export interface TransportFigures {
  received: number
  sent: number
  bytesReceived: number
  bytesSent: number
  rejectedOversize: number
  rejectedTimeout: number
  rejectedOther: number
  handlerErrors: number
  retries: number
}

/** The figures of `n` now (a snapshot: read again for later values). */
export function figures (n: TestNode): TransportFigures {
  const m = n.metrics
  return {
    received: m.value('pokt_transport_messages_total', 'received'),
    sent: m.value('pokt_transport_messages_total', 'sent'),
    bytesReceived: m.value('pokt_transport_bytes_total', 'received'),
    bytesSent: m.value('pokt_transport_bytes_total', 'sent'),
    rejectedOversize: m.value('pokt_transport_rejected_total', 'tooLarge'),
    rejectedTimeout: m.value('pokt_transport_rejected_total', 'timeout'),
    rejectedOther: m.value('pokt_transport_rejected_total', 'other'),
    handlerErrors: m.value('pokt_transport_handler_errors_total'),
    retries: m.value('pokt_transport_retries_total')
  }
}

/** Collects inbound messages of one protocol on a node. */
export function collect (n: TestNode, protocol: string): Array<{ bytes: Uint8Array, from: string }> {
  const got: Array<{ bytes: Uint8Array, from: string }> = []
  n.transport.handle(protocol, (bytes, from) => { got.push({ bytes, from: from.address }) })
  return got
}

/** Streams `n` opened (`pokt_transport_streams_opened_total`), on one protocol or in all. */
export function streamsOpened (n: TestNode, protocol?: string): number {
  return n.metrics.value('pokt_transport_streams_opened_total', protocol)
}

/** The libp2p streams of `protocol` open between `n` and `peer` (both directions), as `n` sees them. */
export function streamsTo (n: TestNode, peer: TestNode, protocol: string): Stream[] {
  return n.node.getConnections(peer.node.peerId).flatMap(c => c.streams).filter(s => s.protocol === protocol)
}

/** A raw libp2p stream from `from` to `to` on `protocol`, for writing hand-made bytes. */
export async function rawStream (from: TestNode, to: TestNode, protocol: string): Promise<Stream> {
  const addr = to.peer.serviceUrl === ''
    ? memoryMultiaddr(to.identity.address).encapsulate(`/p2p/${to.node.peerId.toString()}`)
    : to.node.getMultiaddrs()[0]!
  return await from.node.dialProtocol(addr, protocol)
}

/** Splits `bytes` at the given cut points (random chunking, for fuzzing a reader). */
export function chunk (bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map(c => c % (bytes.length + 1)))].sort((x, y) => x - y)
  const out: Uint8Array[] = []
  let prev = 0
  for (const p of [...points, bytes.length]) {
    if (p > prev) out.push(bytes.subarray(prev, p))
    prev = p
  }
  return out
}
