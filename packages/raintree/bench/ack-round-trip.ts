/**
 * ACK round trips over real libp2p TCP loopback nodes, all in one process (not a test): what the floor of the ACK
 * timeout (`minTimeoutMs` of `ack`) must outlast. N routers with ACKs on and a timeout so long that nothing is ever
 * resent; every data message asking for an ACK is timed from the sender's write to the ACK reaching the sender's
 * handler (what the router itself measures). Prints the distribution, and how many of the round trips a given floor
 * would have taken for a dead peer (a resend).
 *
 * Run: `pnpm --filter @pokt-p2p/raintree bench:ack [N] [broadcasts]` (default 100 nodes, 30 broadcasts). To measure
 * under load, run it while another one-process network runs, e.g.
 * `node packages/cli/dist/bin.js localnet --nodes 100 --transport tcp` in a loop.
 */
import { performance } from 'node:perf_hooks'
import {
  MemoryMetrics, RainTreeControl, createAny, createPeer, decodeRainTreeMessage, encodePocketEnvelope, generateNonce,
  type MessageTransport, type Peer
} from '@pokt-p2p/types'
import { createNode, messageTransport, multiaddrToServiceUrl, type Libp2p, type Libp2pMessageTransport } from '@pokt-p2p/transport'
import { testIdentities, waitFor } from '@pokt-p2p/testing'
import { RAINTREE_METRICS, RoundTripEstimator, rainTree } from '../src/index.js'

const N = Number(process.argv[2] ?? 100)
const BROADCASTS = Number(process.argv[3] ?? 30)
const PAYLOAD = 1024

interface Node { node: Libp2p, transport: Libp2pMessageTransport, peer: Peer, address: string }

const ids = testIdentities(N, { first: 7000 })
const nodes: Node[] = await Promise.all(ids.map(async identity => {
  const node = await createNode({ identity, transport: 'tcp', hostname: '127.0.0.1', port: 0, allowLoopback: true })
  await node.start()
  const transport = messageTransport({ sendTimeoutMs: 60_000, readTimeoutMs: 60_000 })({ node, metrics: new MemoryMetrics() })
  return { node, transport, peer: createPeer(identity.publicKey, multiaddrToServiceUrl(node.getMultiaddrs()[0]!)), address: identity.address }
}))
const peers = nodes.map(n => n.peer)

// data message handed to the transport → its ACK back at the sender, by `sender/receiver/nonce`; and from the moment
// the transport had written it (a new connection's dial and handshakes excluded)
const sentAt = new Map<string, number>()
const writtenAt = new Map<string, number>()
const rtts: number[] = []
const written: number[] = []
/** per sender, in the order their messages were written: the round trip from the written message */
const bySender = new Map<string, Array<{ at: number, rtt: number }>>()
let pending = 0
function timed (n: Node): MessageTransport {
  return {
    localAddress: n.transport.localAddress,
    handle: (protocol, handler) => {
      n.transport.handle(protocol, async (bytes, from, on) => {
        if (bytes[0] === 0x20) {
          const m = decodeRainTreeMessage(bytes)
          const key = `${n.address}/${from.address}/${m.nonce}`
          const t0 = sentAt.get(key)
          if (m.control === RainTreeControl.ACK && t0 !== undefined) {
            const now = performance.now()
            rtts.push(now - t0)
            const at = writtenAt.get(key) ?? now
            written.push(Math.max(0, now - at))
            let list = bySender.get(n.address)
            if (list === undefined) bySender.set(n.address, list = [])
            list.push({ at, rtt: Math.max(0, now - at) })
            sentAt.delete(key)
            writtenAt.delete(key)
            pending--
          }
        }
        await handler(bytes, from, on)
      })
    },
    unhandle: protocol => { n.transport.unhandle(protocol) },
    sendTo: async (peer, protocol, bytes, options) => {
      let key: string | undefined
      if (bytes[0] !== 0x20) {
        const m = decodeRainTreeMessage(bytes)
        if (m.ackRequested) {
          key = `${n.address}/${peer.address}/${lastNonce}`
          sentAt.set(key, performance.now())
          pending++
        }
      }
      const on = await n.transport.sendTo(peer, protocol, bytes, options)
      if (key !== undefined && sentAt.has(key)) writtenAt.set(key, performance.now())
      return on
    }
  }
}

/** the nonce of the envelope being broadcast (the bench sends one at a time) */
let lastNonce = 0n

// no resend ever: every round trip is measured, however late (BENCH_ACK_MS sets another fixed timeout, to see what
// resends and adjusts a given timeout makes)
const ackMs = Number(process.env.BENCH_ACK_MS ?? 120_000)
const ack = { initialTimeoutMs: ackMs, minTimeoutMs: ackMs, maxTimeoutMs: ackMs }
const routerMetrics = new MemoryMetrics()
const routers = nodes.map(n => rainTree({ ack })({ selfAddress: n.address, transport: timed(n), peers, metrics: routerMetrics }))
let delivered = 0
let failed = 0
routers.forEach(r => r.events.on('message', () => { delivered++ }))
routers.forEach(r => r.events.on('send:failed', ({ error }) => {
  failed++
  console.error(`send failed: ${error.message}`)
}))
await Promise.all(routers.map(async r => { await r.start() }))

const started = performance.now()
for (let b = 0; b < BROADCASTS; b++) {
  lastNonce = generateNonce()
  const before = delivered
  await routers[b % N]!.broadcast(encodePocketEnvelope(createAny('type.googleapis.com/bench.Ack', new Uint8Array(PAYLOAD)), lastNonce))
  const from = rtts.length
  // every node has it and every ACK is back (or 30 s passed: said, and the next broadcast goes)
  await waitFor(() => delivered - before >= N - 1 && pending === 0, { timeoutMs: 30_000, what: 'the broadcast and its ACKs' })
    .catch(() => { console.error(`broadcast ${b}: ${delivered - before} delivered, ${pending} ACKs missing after 30 s`) })
  if (process.env.BENCH_VERBOSE !== undefined) {
    console.error(`broadcast ${b}: max round trip ${Math.max(...rtts.slice(from)).toFixed(1)} ms`)
  }
}
const wall = performance.now() - started

console.log(`N = ${N} TCP nodes in one process, ${BROADCASTS} broadcasts of ${PAYLOAD} B, ${rtts.length} ACK round trips, ${failed} failed sends, ` +
  `${routerMetrics.value(RAINTREE_METRICS.resends)} resends, ${routerMetrics.value(RAINTREE_METRICS.adjusts)} adjusts (ACK timeout ${ackMs} ms), ${(wall / 1000).toFixed(1)} s`)
for (const [what, xs] of [['from the send call (dial included)', rtts], ['from the written message', written]] as const) {
  xs.sort((a, b) => a - b)
  const q = (p: number): string => (xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN).toFixed(1)
  console.log(`round trip ${what}, ms: p50 ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, p99.9 ${q(0.999)}, max ${q(1)}`)
  for (const floor of [100, 200, 250, 500, 1000]) {
    const late = xs.filter(t => t > floor).length
    console.log(`  over ${floor} ms: ${late} of ${xs.length} (${(100 * late / xs.length).toFixed(2)} %)`)
  }
}

// what each floor would have done: every sender's estimator (the router's own class) fed its round trips in the order
// its messages were written; a round trip above the timeout in effect is a resend to a live peer (and, as in the
// router, is not sampled)
console.log('spurious resends by floor (the router\'s estimator replayed over each sender\'s round trips):')
for (const floor of [100, 200, 250, 500, 1000]) {
  let late = 0
  let total = 0
  for (const list of bySender.values()) {
    const estimator = new RoundTripEstimator({ minTimeoutMs: floor })
    for (const { rtt } of [...list].sort((a, b) => a.at - b.at)) {
      total++
      if (rtt > estimator.timeoutMs()) late++
      else estimator.sample(rtt)
    }
  }
  console.log(`  minTimeoutMs ${floor}: ${late} of ${total} (${(100 * late / total).toFixed(2)} %)`)
}

await Promise.all(routers.map(async r => { await r.stop() }))
await Promise.all(nodes.map(async n => { await n.transport.close(); await n.node.stop() }))
