import {
  MemoryMetrics, createAny, createPeer, encodePocketEnvelope, type DropReason, type Identity, type Peer
} from '@pokt-p2p/types'
import { InProcessNetwork, testIdentities } from '@pokt-p2p/testing'
import { RAINTREE_METRICS, rainTree, type RainTreeMode, type RainTreeRouter, type RainTreeInit } from '../src/index.js'

/** The Go reference's per-node tables (one copy, in `@pokt-p2p/testing`). */
export { referenceTables as loadReferenceTables, type ReferenceTable } from '@pokt-p2p/testing'

let harnessKeys: Identity[] | undefined
/** The reference harness's keys: GetPrivKeySeed(42..83), sorted ascending by address (val_i = i-th). */
export function referenceKeys (): Identity[] {
  harnessKeys ??= testIdentities(42, { first: 42 })
  return harnessKeys
}

/**
 * `n` identities in ascending address order: the first `n` of the reference harness's keys (so val_i of the
 * reference tables is index i − 1), then, beyond 42, a disjoint deterministic set.
 */
export function sortedIdentities (n: number): Identity[] {
  if (n <= 42) return referenceKeys().slice(0, n)
  return testIdentities(n, { first: 1000 })
}

let nonce = 1n
export function envelope (text = 'hello'): Uint8Array {
  return encodePocketEnvelope(createAny('type.googleapis.com/test.RainTree', new TextEncoder().encode(text)), nonce++)
}

/** What a router counted, read from the `MemoryMetrics` injected into it (what its `stats` used to hold). */
export interface RainTreeFigures {
  reads: number
  writes: number
  demotes: number
  delivered: number
  sendFailures: number
  dropped: Record<DropReason, number>
}

/** The figures in `metrics` (a `MemoryMetrics` injected into one router). */
export function figures (metrics: MemoryMetrics): RainTreeFigures {
  const dropped = (reason: DropReason): number => metrics.value(RAINTREE_METRICS.dropped, reason)
  return {
    reads: metrics.value(RAINTREE_METRICS.reads),
    writes: metrics.value(RAINTREE_METRICS.writes),
    demotes: metrics.value(RAINTREE_METRICS.demotes),
    delivered: metrics.value(RAINTREE_METRICS.delivered),
    sendFailures: metrics.value(RAINTREE_METRICS.sendFailures),
    dropped: {
      tooLarge: dropped('tooLarge'),
      decode: dropped('decode'),
      empty: dropped('empty'),
      envelope: dropped('envelope'),
      nonce: dropped('nonce'),
      unknownSender: dropped('unknownSender'),
      internal: dropped('internal')
    }
  }
}

export interface InProcessRainTree {
  net: InProcessNetwork
  ids: Identity[]
  peers: Peer[]
  routers: RainTreeRouter[]
  /** `metrics[i]` is the `MemoryMetrics` of `routers[i]` */
  metrics: MemoryMetrics[]
  /** payloads delivered to `message` listeners, per router */
  delivered: number[]
}

export async function inProcessRainTree (
  n: number, mode: RainTreeMode, init: Omit<RainTreeInit, 'mode'> = {}
): Promise<InProcessRainTree> {
  const ids = sortedIdentities(n)
  const peers = ids.map((id, i) => createPeer(id.publicKey, `node${i + 1}.consensus:42069`))
  const net = new InProcessNetwork()
  const metrics = ids.map(() => new MemoryMetrics())
  const routers = ids.map((id, i) => rainTree({ ...init, mode })({
    selfAddress: id.address,
    transport: net.createTransport({ address: id.address, publicKey: id.publicKeyHex }),
    peers,
    metrics: metrics[i]
  }))
  const delivered = routers.map(() => 0)
  routers.forEach((r, i) => r.events.on('message', () => { delivered[i]!++ }))
  await Promise.all(routers.map(async r => { await r.start() }))
  return { net, ids, peers, routers, metrics, delivered }
}
