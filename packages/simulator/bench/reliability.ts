/**
 * The reliability benchmark (not a test): the share of live nodes a complete-mode broadcast reaches with fail-stop
 * dead nodes, without and with RainTree's ACK / adjust / resend layer, over 20 seeds each, side by side in one run;
 * then the time cost of the dead at N = 10,000 (50 ms links): time to 99 % and 100 % of the live nodes, against the
 * same network with no dead. Run: `pnpm --filter @pokt-p2p/simulator bench:reliability [max N]` (default 100,000).
 */
import { simulate } from '../src/index.js'
import { machine, measureCpu } from './host.js'

const maxNodes = Number(process.argv[2] ?? 100_000)
const SIZES = [27, 100, 1000, 10_000, 100_000].filter(n => n <= maxNodes)
const DEAD = [0.01, 0.1, 0.33]
const SEEDS = 20
const LATENCY_MS = 50

function pct (x: number): string {
  return `${(100 * x).toFixed(1)} %`
}

async function coverage (nodes: number, dead: number, ack: boolean): Promise<{ mean: number, worst: number }> {
  let sum = 0
  let worst = 1
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = await simulate({ nodes, dead, seed, latency: LATENCY_MS, payloadBytes: 64, ack })
    const share = r.liveReached / r.live
    sum += share
    worst = Math.min(worst, share)
  }
  return { mean: sum / SEEDS, worst }
}

console.log(machine())
console.log(`share of live nodes reached, complete mode, ${LATENCY_MS} ms links, ${SEEDS} seeds each: mean (worst)\n`)
const cpu = measureCpu()
const header = ['N', ...DEAD.flatMap(d => [`${pct(d)} dead, no ACK`, `${pct(d)} dead, ACK`])]
console.log(`| ${header.join(' | ')} |`)
console.log(`|${header.map(() => '---:').join('|')}|`)
for (const nodes of SIZES) {
  const cells = [nodes.toLocaleString('en-US')]
  for (const dead of DEAD) {
    for (const ack of [false, true]) {
      const { mean, worst } = await coverage(nodes, dead, ack)
      cells.push(`${pct(mean)} (${pct(worst)})`)
    }
  }
  console.log(`| ${cells.join(' | ')} |`)
}

const N = Math.min(10_000, maxNodes)
console.log(`\ntime to 99 % / 100 % of the live nodes at N = ${N.toLocaleString('en-US')}, ${LATENCY_MS} ms links, ACKs on (seed 1)\n`)
const base = await simulate({ nodes: N, latency: LATENCY_MS, payloadBytes: 64, ack: true })
console.log('| dead | p99 ms | × no-fault | p100 ms | × no-fault | data messages | ACKs |')
console.log('|---:|---:|---:|---:|---:|---:|---:|')
for (const dead of [0, ...DEAD]) {
  const r = dead === 0 ? base : await simulate({ nodes: N, dead, latency: LATENCY_MS, payloadBytes: 64, ack: true })
  const ratio = (x: number | null, y: number | null): string => (x === null || y === null ? '—' : (x / y).toFixed(2))
  console.log(`| ${pct(dead)} | ${r.coverageMs.p99 ?? '—'} | ${ratio(r.coverageMs.p99, base.coverageMs.p99)} | ` +
    `${r.coverageMs.p100 ?? '—'} | ${ratio(r.coverageMs.p100, base.coverageMs.p100)} | ${r.dataMessages} | ${r.messagesByClass.ack ?? 0} |`)
}
console.log(`\n${cpu()}`)
