import { readFileSync } from 'node:fs'
import {
  InProcessNetwork, createAny, createPeer, encodePocketEnvelope, testIdentity, type Identity, type Peer
} from '@pokt-p2p/types'
import { createRainTreeRouter, type RainTreeMode, type RainTreeRouter, type RainTreeInit } from '../src/index.js'

export interface ReferenceTable {
  nodes: number
  originator: number
  maxNumLevels: number
  totalMessages: number
  perNode: Array<{ index: number, reads: number, writes: number }>
}

/** The reference's per-node tables: the Go implementation's test data, kept as a fixture of this package. */
export function loadReferenceTables (): ReferenceTable[] {
  const url = new URL('./fixtures/raintree-reference-tables.json', import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { tables: ReferenceTable[] }).tables
}

let harnessKeys: Identity[] | undefined
/** The reference harness's keys: GetPrivKeySeed(42..83), sorted ascending by address (val_i = i-th). */
export function referenceKeys (): Identity[] {
  harnessKeys ??= Array.from({ length: 42 }, (_, i) => testIdentity(42 + i))
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
  return harnessKeys
}

/** `n` identities in ascending address order: the harness keys first, then more deterministic seeds. */
export function sortedIdentities (n: number): Identity[] {
  if (n <= 42) return referenceKeys().slice(0, n)
  return Array.from({ length: n }, (_, i) => testIdentity(1000 + i))
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
}

let nonce = 1n
export function envelope (text = 'hello'): Uint8Array {
  return encodePocketEnvelope(createAny('type.googleapis.com/test.RainTree', new TextEncoder().encode(text)), nonce++)
}

export interface InProcessRainTree {
  net: InProcessNetwork
  ids: Identity[]
  peers: Peer[]
  routers: RainTreeRouter[]
  /** payloads delivered to `message` listeners, per router */
  delivered: number[]
}

export async function inProcessRainTree (
  n: number, mode: RainTreeMode, init: Omit<RainTreeInit, 'mode'> = {}
): Promise<InProcessRainTree> {
  const ids = sortedIdentities(n)
  const peers = ids.map((id, i) => createPeer(id.publicKey, `node${i + 1}.consensus:42069`))
  const net = new InProcessNetwork()
  const routers = ids.map(id => createRainTreeRouter({
    ...init,
    mode,
    selfAddress: id.address,
    transport: net.createTransport({ address: id.address, publicKey: id.publicKeyHex }),
    peers
  }))
  const delivered = routers.map(() => 0)
  routers.forEach((r, i) => r.events.on('message', () => { delivered[i]!++ }))
  await Promise.all(routers.map(async r => { await r.start() }))
  return { net, ids, peers, routers, delivered }
}
