/**
 * Messages over emulated links (benchmark, not a test): two nodes on the emulated memory transport
 * (`createNode({ transport: 'memory', link })`) with a one-way latency of 25 ms, and what a message costs in
 * latencies:
 *
 * - connection set-up: the first v2 message to a peer with no connection (dial, noise, yamux, protocol selection);
 * - one v1 message on an open connection (`pokt/raintree/v1.0.0`: a new stream per message);
 * - one v2 frame on an open stream (`pokt/raintree/v2.0.0`);
 * - a burst of 20 v2 frames written at once: until the last has arrived, and from the first arrival to the last;
 * - the same burst over `@libp2p/memory` with its `latency` option (each buffer delayed in turn), for comparison;
 * - a 4 MiB v2 message over a 500 Mbit/s uplink, the same with unlimited bandwidth, and with no link at all (the
 *   CPU's share: noise, yamux, framing).
 *
 * Each case runs RUNS times (the set-up on a new pair of nodes each time); times are from the first `sendTo` call
 * to the receiving handler, `performance.now()`. The model's ideal is what the link alone costs.
 *
 * Run: `tsc -p tsconfig.bench.json && node dist-bench/bench/link.js` (from packages/transport, once the workspace
 * dependencies are built).
 */
import { cpus, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { identify } from '@libp2p/identify'
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { createPeer, testIdentity, type Peer } from '@pokt-p2p/types'
import {
  createNode, memoryMultiaddr, messageTransport, privateKeyOf, RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID,
  type LinkOptions, type Libp2pMessageTransport
} from '../src/index.js'

const L = 25
const RUNS = 20
const BURST = 20
const BLOCK = 4 * 1024 * 1024
const MBPS = 500

const V1 = RAINTREE_PROTOCOL_ID
const V2 = RAINTREE_STREAM_PROTOCOL_ID

interface Side { node: Libp2p, transport: Libp2pMessageTransport, peer: Peer, arrivals: number[] }

let seed = 5000

/** A node as `createNode` makes it, but on `@libp2p/memory` with its own `latency` option (not offered by createNode). */
async function libp2pMemoryNode (seedOf: number, latency: number): Promise<Libp2p> {
  const identity = testIdentity(seedOf)
  return await createLibp2p({
    start: false,
    privateKey: privateKeyOf(identity),
    addresses: { listen: [memoryMultiaddr(identity.address).toString()] },
    transports: [memory({ latency })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() }
  })
}

async function pair (link: LinkOptions | { libp2pMemoryLatency: number }): Promise<[Side, Side]> {
  const sides: Side[] = []
  for (let i = 0; i < 2; i++) {
    const s = seed++
    const identity = testIdentity(s)
    const node = 'libp2pMemoryLatency' in link
      ? await libp2pMemoryNode(s, link.libp2pMemoryLatency)
      : await createNode({ identity, transport: 'memory', allowLoopback: true, link })
    await node.start()
    const transport = messageTransport({ resolveAddresses: p => [memoryMultiaddr(p.address)] })({ node })
    const arrivals: number[] = []
    for (const protocol of [V1, V2]) transport.handle(protocol, () => { arrivals.push(performance.now()) })
    sides.push({ node, transport, peer: createPeer(identity.publicKey), arrivals })
  }
  return sides as [Side, Side]
}

async function stop (sides: Side[]): Promise<void> {
  for (const s of sides) {
    await s.transport.close()
    await s.node.stop()
  }
}

/** Resolves once `side` has received `count` messages in all. */
async function arrived (side: Side, count: number): Promise<void> {
  while (side.arrivals.length < count) await new Promise(resolve => setTimeout(resolve, 1))
}

/** Sends `messages` from a to b at once and returns [last arrival − first send, last arrival − first arrival] in ms. */
async function send (a: Side, b: Side, protocol: string, messages: Uint8Array[]): Promise<[number, number]> {
  const before = b.arrivals.length
  const t0 = performance.now()
  await Promise.all(messages.map(async m => await a.transport.sendTo(b.peer, protocol, m)))
  await arrived(b, before + messages.length)
  const got = b.arrivals.slice(before)
  return [got.at(-1)! - t0, got.at(-1)! - got[0]!]
}

interface Row { name: string, samples: number[], ideal: string }

const one = (): Uint8Array[] => [new Uint8Array(1024).fill(1)]
const burst = (): Uint8Array[] => Array.from({ length: BURST }, () => new Uint8Array(1024).fill(2))

async function measure (): Promise<Row[]> {
  const rows: Row[] = []
  const latency: LinkOptions = { latencyMs: L }

  const setup: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const [a, b] = await pair(latency)
    setup.push((await send(a, b, V2, one()))[0])
    await stop([a, b])
  }
  rows.push({ name: 'connection set-up + first v2 message', samples: setup, ideal: `≥ 4 L = ${4 * L}` })

  const [a, b] = await pair(latency)
  await send(a, b, V2, one())
  await send(a, b, V1, one())
  const v1: number[] = []
  const v2: number[] = []
  const burstLast: number[] = []
  const burstSpread: number[] = []
  for (let r = 0; r < RUNS; r++) {
    v1.push((await send(a, b, V1, one()))[0])
    v2.push((await send(a, b, V2, one()))[0])
    const [last, spread] = await send(a, b, V2, burst())
    burstLast.push(last)
    burstSpread.push(spread)
  }
  await stop([a, b])
  rows.push({ name: 'v1 message, open connection (stream per message)', samples: v1, ideal: `L = ${L}` })
  rows.push({ name: 'v2 frame, open stream', samples: v2, ideal: `L = ${L}` })
  rows.push({ name: `burst of ${BURST} v2 frames: last arrival`, samples: burstLast, ideal: `L = ${L}` })
  rows.push({ name: `burst of ${BURST} v2 frames: last − first arrival`, samples: burstSpread, ideal: '0' })

  const [c, d] = await pair({ libp2pMemoryLatency: L })
  await send(c, d, V2, one())
  const oldLast: number[] = []
  const oldSpread: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const [last, spread] = await send(c, d, V2, burst())
    oldLast.push(last)
    oldSpread.push(spread)
  }
  await stop([c, d])
  rows.push({ name: `same burst, @libp2p/memory latency ${L}: last arrival`, samples: oldLast, ideal: `(k buffers × ${L})` })
  rows.push({ name: `same burst, @libp2p/memory latency ${L}: last − first`, samples: oldSpread, ideal: '' })

  for (const uploadMbps of [MBPS, null, 'none'] as const) {
    const [e, f] = await pair(uploadMbps === 'none' ? {} : { latencyMs: L, uploadMbps })
    await send(e, f, V2, one())
    const big: number[] = []
    for (let r = 0; r < RUNS; r++) big.push((await send(e, f, V2, [new Uint8Array(BLOCK).fill(3)]))[0])
    await stop([e, f])
    if (uploadMbps === 'none') {
      rows.push({ name: '4 MiB v2 message, no link (@libp2p/memory: CPU only)', samples: big, ideal: '0' })
    } else {
      const wire = uploadMbps === null ? 0 : BLOCK * 8 / (uploadMbps * 1000)
      rows.push({
        name: `4 MiB v2 message, ${uploadMbps === null ? 'unlimited' : `${uploadMbps} Mbit/s`} uplink`,
        samples: big,
        ideal: uploadMbps === null ? `L = ${L}` : `${wire.toFixed(1)} + L = ${(wire + L).toFixed(1)}`
      })
    }
  }
  return rows
}

function table (rows: Row[]): void {
  const stats = rows.map(r => {
    const s = [...r.samples].sort((x, y) => x - y)
    return [r.name, s[Math.floor(s.length / 2)]!.toFixed(1), s[0]!.toFixed(1), s.at(-1)!.toFixed(1),
      (s[Math.floor(s.length / 2)]! / L).toFixed(2), r.ideal]
  })
  const header = ['case', 'median ms', 'min ms', 'max ms', 'median / L', 'link alone ms']
  const widths = header.map((h, i) => Math.max(h.length, ...stats.map(c => c[i]!.length)))
  const line = (c: string[]): string => '| ' + c.map((v, i) => i === 0 || i === 5 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)).join(' | ') + ' |'
  console.log(line(header))
  console.log('|' + widths.map((w, i) => i === 0 || i === 5 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':').join('|') + '|')
  for (const c of stats) console.log(line(c))
}

const rows = await measure()
console.log(`\nemulated links, L = ${L} ms one way, 1 KiB messages unless said, ${RUNS} runs each; Node ${process.version}, ` +
  `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadavg().map(l => l.toFixed(1)).join(' ')}\n`)
table(rows)
