/**
 * Test-side protobuf writer for kad-dht `Message`s (kad-dht does not export its codec): enough to build the replies a
 * hostile DHT server sends, and the random messages the property tests scan.
 */
import { randomBytes } from 'node:crypto'
import { lpStream } from '@libp2p/utils'
import { createNode } from '@pokt-p2p/transport'
import { createPeer, testIdentity, type Peer } from '@pokt-p2p/types'
import type { Libp2p } from '@libp2p/interface'

export function varint (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return out
}

/** A length-delimited field. */
export function bytesField (field: number, value: Uint8Array): Uint8Array {
  return Uint8Array.from([...varint(field * 8 + 2), ...varint(value.length), ...value])
}

/** A varint field. */
export function varintField (field: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(field * 8), ...varint(value)])
}

export function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A made-up ed25519 peer id (identity multihash of a random "key") with one loopback TCP address. */
export function fakePeer (port: number): Uint8Array {
  const id = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...randomBytes(32)])
  const addr = Uint8Array.from([0x04, 127, 0, 0, 1, 0x06, port >> 8, port & 0xff]) // /ip4/127.0.0.1/tcp/port
  return concat([bytesField(1, id), bytesField(2, addr), varintField(3, 0)])
}

/** A FIND_NODE (type 4) reply naming `peers` made-up peers (`closerPeers`, field 8), without its length prefix. */
export function findNodeReply (peers: number, port = 1): Uint8Array {
  const parts = [varintField(1, 4)]
  for (let i = 0; i < peers; i++) parts.push(bytesField(8, fakePeer(port)))
  return concat(parts)
}

export interface HostileDht {
  node: Libp2p
  peer: Peer
  /** requests it has answered */
  answered: number
  stop: () => Promise<void>
}

/**
 * A real libp2p node on loopback TCP that speaks only `protocol` (announced by identify, so kad-dht adds it to its
 * routing table) and answers every request, whatever it asks, with `reply`.
 */
export async function hostileDht (seed: number, protocol: string, reply: Uint8Array): Promise<HostileDht> {
  const identity = testIdentity(seed)
  const node = await createNode({ identity, hostname: '127.0.0.1', port: 0, allowLoopback: true })
  await node.start()
  const port = node.getMultiaddrs()[0]?.getComponents().find(c => c.name === 'tcp')?.value
  const hostile: HostileDht = {
    node,
    peer: createPeer(identity.publicKey, `127.0.0.1:${port}`),
    answered: 0,
    stop: async () => { await node.stop() }
  }
  await node.handle(protocol, async stream => {
    try {
      const lp = lpStream(stream, { maxDataLength: 4 * 1024 * 1024 })
      await lp.read() // kad-dht sends one request per stream
      await lp.write(reply)
      hostile.answered++
      await stream.close()
    } catch {
      stream.abort(new Error('done'))
    }
  }, { runOnLimitedConnection: true })
  return hostile
}
