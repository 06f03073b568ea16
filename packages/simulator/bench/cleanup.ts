/**
 * The clean-up benchmark (not a test): the share of live nodes a complete-mode broadcast reaches, with ACK / adjust /
 * resend on, without and with the clean-up layer (IGYW), over 20 seeds, on a network with 5 % of the nodes crashing
 * right after receiving, 5 % each missing 3 random peers from their view, and 1 % loss; what it costs (control and
 * data messages per node) and how long full coverage takes against the same network without faults.
 * Run: `pnpm --filter @pokt-p2p/simulator bench:cleanup [max N]` (default 100,000).
 */
import { simulate, type SimulationOptions } from '../src/index.js'
import { machine, measureCpu } from './host.js'

const maxNodes = Number(process.argv[2] ?? 100_000)
const SIZES = [27, 100, 1000, 10_000, 100_000].filter(n => n <= maxNodes)
const SEEDS = 20
const LATENCY_MS = 50
const FAULTS: Partial<SimulationOptions> = { crashAfterReceive: 0.05, viewMiss: { peers: 3, fraction: 0.05 }, loss: 0.01 }

function pct (x: number): string {
  return `${(100 * x).toFixed(2)} %`
}

function s (ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`
}

console.log(machine())
console.log(`complete mode, ACK on, ${LATENCY_MS} ms links, 1 KiB payload, ${SEEDS} seeds; faults: 5 % crash after receiving, ` +
  '5 % miss 3 peers, 1 % loss\n')
const cpu = measureCpu()
const header = ['N', 'live reached, clean-up off: mean (worst)', 'clean-up on: mean (worst)', 'seeds 100 % off / on',
  'control msgs / node (on)', 'data msgs / node (on)', 'full coverage, on: mean (worst)', 'no faults, on', 'no-fault control / node']
console.log(`| ${header.join(' | ')} |`)
console.log(`|${header.map(() => '---:').join('|')}|`)
for (const nodes of SIZES) {
  const base = { nodes, latency: LATENCY_MS, ack: true }
  const noFault = await simulate({ ...base, cleanup: true })
  const share = { off: 0, on: 0 }
  const worst = { off: 1, on: 1 }
  const full = { off: 0, on: 0 }
  let control = 0
  let data = 0
  let p100Sum = 0
  let p100Worst = 0
  let p100Count = 0
  for (let seed = 1; seed <= SEEDS; seed++) {
    for (const cleanup of [false, true]) {
      const r = await simulate({ ...base, ...FAULTS, seed, cleanup })
      const key = cleanup ? 'on' : 'off'
      const x = r.liveReached / r.live
      share[key] += x / SEEDS
      worst[key] = Math.min(worst[key], x)
      if (r.liveReached === r.live) full[key]++
      if (cleanup) {
        control += r.controlMessages / nodes / SEEDS
        data += r.dataMessages / nodes / SEEDS
        if (r.coverageMs.p100 !== null) {
          p100Sum += r.coverageMs.p100
          p100Worst = Math.max(p100Worst, r.coverageMs.p100)
          p100Count++
        }
      }
    }
  }
  console.log(`| ${nodes.toLocaleString('en-US')} | ${pct(share.off)} (${pct(worst.off)}) | ${pct(share.on)} (${pct(worst.on)}) | ` +
    `${full.off} / ${full.on} | ${control.toFixed(2)} | ${data.toFixed(3)} | ` +
    `${p100Count === 0 ? '—' : s(p100Sum / p100Count)} (${s(p100Worst)}) | ${s(noFault.coverageMs.p100)} | ` +
    `${(noFault.controlMessages / nodes).toFixed(2)} |`)
}
console.log(`\n${cpu()}`)
