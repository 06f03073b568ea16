/**
 * One hop on an open connection (benchmark, not a test): two nodes, 1 KiB messages, over the memory transport and
 * loopback TCP, v1 (`pokt/raintree/v1.0.0`: a new stream per message) against v2 (`pokt/raintree/v2.0.0`: frames
 * on one long-lived stream), side by side in one run.
 *
 * - ping-pong: A sends, B's handler sends the message back, A waits for it; a hop is half the round trip.
 * - burst: A sends BURST messages at once; time until B has them all.
 *
 * Run: `pnpm --filter @pokt-p2p/transport bench` once the workspace dependencies are built (or
 * `turbo run bench --filter @pokt-p2p/transport`, which builds them first).
 */
import { cpus, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { createPeer, MemoryMetrics, testIdentity, type ConnectionType, type Peer } from '@pokt-p2p/types'
import {
  createNode, memoryMultiaddr, messageTransport, multiaddrToServiceUrl, RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID,
  type Libp2pMessageTransport
} from '../src/index.js'

const PAYLOAD = 1024
const BURST = 2000
/** ping-pong: at least this many round trips and this long, after the warm-up */
const MIN_ROUND_TRIPS = 300
const MIN_MS = 1500
const WARMUP = 100
const GOAL_US = 500

interface Side { transport: Libp2pMessageTransport, peer: Peer, metrics: MemoryMetrics }

let seed = 1
async function pair (kind: ConnectionType): Promise<[Side, Side]> {
  const sides: Side[] = []
  for (let i = 0; i < 2; i++) {
    const identity = testIdentity(seed++)
    const node = await createNode({ identity, transport: kind, hostname: '127.0.0.1', port: 0, allowLoopback: true })
    await node.start()
    const metrics = new MemoryMetrics()
    const transport = messageTransport(kind === 'memory' ? { resolveAddresses: p => [memoryMultiaddr(p.address)] } : {})({ node, metrics })
    const serviceUrl = kind === 'memory' ? '' : multiaddrToServiceUrl(node.getMultiaddrs()[0]!)
    sides.push({ transport, peer: createPeer(identity.publicKey, serviceUrl), metrics })
  }
  return sides as [Side, Side]
}

interface Row { transport: ConnectionType, protocol: string, meanUs: number, medianUs: number, p99Us: number, roundTrips: number, burstPerSec: number, burstMiBps: number, streams: number }

async function measure (kind: ConnectionType, protocol: string): Promise<Row> {
  const [a, b] = await pair(kind)
  const payload = new Uint8Array(PAYLOAD).fill(7)

  // B echoes every message back to A on the same protocol; A resolves the pending round trip
  let pong: (() => void) | undefined
  let received = 0
  let burstDone: (() => void) | undefined
  b.transport.handle(protocol, bytes => {
    if (bytes[0] === 1) {
      if (++received === BURST) burstDone?.()
      return
    }
    b.transport.sendTo(a.peer, protocol, bytes).catch(err => { console.error('echo failed', err) })
  })
  a.transport.handle(protocol, () => { pong?.() })

  // the connection is opened by a first message, outside the measurement
  const roundTrip = async (): Promise<void> => {
    const back = new Promise<void>(resolve => { pong = resolve })
    await a.transport.sendTo(b.peer, protocol, payload)
    await back
  }
  for (let i = 0; i < WARMUP; i++) await roundTrip()
  const hops: number[] = []
  const t0 = performance.now()
  while (hops.length < MIN_ROUND_TRIPS || performance.now() - t0 < MIN_MS) {
    const start = performance.now()
    await roundTrip()
    hops.push((performance.now() - start) / 2)
  }
  hops.sort((x, y) => x - y)

  const burst = new Uint8Array(PAYLOAD).fill(1)
  const all = new Promise<void>(resolve => { burstDone = resolve })
  const b0 = performance.now()
  await Promise.all(Array.from({ length: BURST }, async () => { await a.transport.sendTo(b.peer, protocol, burst) }))
  await all
  const seconds = (performance.now() - b0) / 1000

  const streams = a.metrics.value('pokt_transport_streams_opened_total') + b.metrics.value('pokt_transport_streams_opened_total')
  for (const side of [a, b]) {
    await side.transport.close()
    await side.transport.node.stop()
  }
  return {
    transport: kind,
    protocol,
    meanUs: 1000 * hops.reduce((s, h) => s + h, 0) / hops.length,
    medianUs: 1000 * hops[Math.floor(hops.length / 2)]!,
    p99Us: 1000 * hops[Math.floor(hops.length * 0.99)]!,
    roundTrips: hops.length,
    burstPerSec: BURST / seconds,
    burstMiBps: BURST * PAYLOAD / seconds / (1024 * 1024),
    streams
  }
}

function table (rows: Row[]): void {
  const header = ['transport', 'protocol', 'hop mean µs', 'hop median µs', 'hop p99 µs', 'round trips', `burst of ${BURST} msg/s`, 'burst MiB/s', 'streams opened']
  const cells = rows.map(r => [r.transport, r.protocol, r.meanUs.toFixed(0), r.medianUs.toFixed(0), r.p99Us.toFixed(0), String(r.roundTrips),
    r.burstPerSec.toFixed(0), r.burstMiBps.toFixed(1), String(r.streams)])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map(c => c[i]!.length)))
  const line = (c: string[]): string => '| ' + c.map((v, i) => i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)).join(' | ') + ' |'
  console.log(line(header))
  console.log('|' + widths.map((w, i) => i < 2 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':').join('|') + '|')
  for (const c of cells) console.log(line(c))
}

const rows: Row[] = []
for (const kind of ['memory', 'tcp'] as const) {
  for (const protocol of [RAINTREE_PROTOCOL_ID, RAINTREE_STREAM_PROTOCOL_ID]) rows.push(await measure(kind, protocol))
}
console.log(`\none hop on an open connection, ${PAYLOAD}-byte messages; Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadavg().map(l => l.toFixed(1)).join(' ')}\n`)
table(rows)
console.log(`\ngoal: a v2 hop ≤ ${GOAL_US} µs (mean): ${rows.filter(r => r.protocol === RAINTREE_STREAM_PROTOCOL_ID)
  .map(r => `${r.transport} ${r.meanUs.toFixed(0)} µs ${r.meanUs <= GOAL_US ? 'met' : 'NOT met'}`).join(', ')}`)
