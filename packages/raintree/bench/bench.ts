/**
 * RainTree benchmark (not a test): for N ∈ {27, 81, 243, 729, 2187} and both modes, prints messages, nodes
 * reached, depth and throughput — over the pure core (simulator over global indices) and over real routers on the
 * InProcessNetwork. Run: `pnpm --filter @pokt-p2p/raintree bench` (or `pnpm bench` at the root).
 */
import { performance } from 'node:perf_hooks'
import { createAny, createPeer, encodePocketEnvelope, type Peer } from '@pokt-p2p/types'
import { InProcessNetwork, testIdentities } from '@pokt-p2p/testing'
import { rainTree, simulateBroadcast, type RainTreeMode } from '../src/index.js'

const SIZES = [27, 81, 243, 729, 2187]
const MODES: RainTreeMode[] = ['reference', 'complete']

function fmt (n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0)
}

function table (title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |'
  console.log(`\n${title}\n`)
  console.log(line(header))
  console.log('|' + widths.map((w, i) => (i < 2 ? '-'.repeat(w + 1) + '-' : '-'.repeat(w + 1) + ':')).join('|') + '|')
  for (const r of rows) console.log(line(r))
}

function coreRows (): string[][] {
  const rows: string[][] = []
  for (const n of SIZES) {
    for (const mode of MODES) {
      const sim = simulateBroadcast(n, 0, mode)
      // repeat until ≥ 250 ms of work, for a stable rate
      let runs = 0
      let routed = 0
      const t0 = performance.now()
      while (performance.now() - t0 < 250) {
        routed += simulateBroadcast(n, runs % n, mode).messages
        runs++
      }
      const seconds = (performance.now() - t0) / 1000
      rows.push([String(n), mode, String(sim.messages), `${sim.reached}/${n}`, String(n - sim.reached), String(sim.depth),
        `${fmt(routed / seconds)}/s`])
    }
  }
  return rows
}

async function routerRows (): Promise<string[][]> {
  const rows: string[][] = []
  const ids = testIdentities(Math.max(...SIZES), { first: 1_000_000 })
  let nonce = 1n
  for (const n of SIZES) {
    for (const mode of MODES) {
      const net = new InProcessNetwork()
      const peers: Peer[] = ids.slice(0, n).map(id => createPeer(id.publicKey))
      const routers = ids.slice(0, n).map(id => rainTree({ mode })({
        selfAddress: id.address, transport: net.createTransport({ address: id.address, publicKey: id.publicKeyHex }), peers
      }))
      const reached = new Uint8Array(n)
      reached[0] = 1
      routers.forEach((r, i) => r.events.on('message', () => { reached[i] = 1 }))
      await Promise.all(routers.map(async r => { await r.start() }))
      // three broadcasts (fresh nonce each); report the fastest, so JIT warm-up does not dominate
      let best = Infinity
      let messages = 0
      let got = 0
      for (let run = 0; run < 3; run++) {
        reached.fill(0)
        reached[0] = 1
        const before = net.stats.messages
        const data = encodePocketEnvelope(createAny('type.googleapis.com/bench.Payload', new Uint8Array(256)), nonce++)
        const t0 = performance.now()
        await routers[0]!.broadcast(data)
        await net.idle()
        const seconds = (performance.now() - t0) / 1000
        if (seconds < best) best = seconds
        messages = net.stats.messages - before
        got = reached.reduce((s, x) => s + x, 0)
      }
      rows.push([String(n), mode, String(messages), `${got}/${n}`, String(n - got), `${(best * 1000).toFixed(1)} ms`,
        `${fmt(messages / best)}/s`])
      await Promise.all(routers.map(async r => { await r.stop() }))
    }
  }
  return rows
}

console.log(`RainTree benchmark — node ${process.version}, ${new Date().toISOString()}`)
table('Pure core (simulateBroadcast over one sorted list, originator rotating)',
  ['N', 'mode', 'messages', 'reached', 'missed', 'depth', 'core throughput (messages routed)'], coreRows())
table('Routers over the InProcessNetwork (encode, decode, check, events; best of 3 broadcasts from val_1, 256-byte payload)',
  ['N', 'mode', 'messages', 'reached', 'missed', 'wall time', 'throughput (messages)'], await routerRows())
