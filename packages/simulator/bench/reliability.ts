/**
 * The reliability benchmark (not a test): the share of live nodes a complete-mode broadcast reaches with fail-stop
 * dead nodes, without and with RainTree's ACK / adjust / resend layer, over 20 seeds each, side by side in one run;
 * then the time cost of the dead at N = 10,000 (50 ms links, 20 seeds): time to 99 % and 100 % of the live nodes,
 * against the same network with no dead. Run: `pnpm --filter @pokt-p2p/simulator bench:reliability [max N]` (default 100,000).
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
console.log(`\ntime to 99 % / 100 % of the live nodes at N = ${N.toLocaleString('en-US')}, ${LATENCY_MS} ms links, ACKs on, ` +
  `${SEEDS} seeds: each seed's time over the same network's without dead (goal: p99 ≤ 1.5×, p100 ≤ 3×), mean (worst)\n`)
console.log('| dead | p99 × no-fault | p100 × no-fault | p99 ms, worst | p100 ms, worst | no-fault p99 / p100 ms | data msgs / live node | ACKs / live node |')
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|')
const baseBySeed = new Map<number, Awaited<ReturnType<typeof simulate>>>()
for (const dead of DEAD) {
  let p99Sum = 0; let p100Sum = 0; let p99Worst = 0; let p100Worst = 0; let p99Ms = 0; let p100Ms = 0
  let data = 0; let acks = 0; let base99 = 0; let base100 = 0
  for (let seed = 1; seed <= SEEDS; seed++) {
    const base = baseBySeed.get(seed) ?? await simulate({ nodes: N, seed, latency: LATENCY_MS, payloadBytes: 64, ack: true })
    baseBySeed.set(seed, base)
    const r = await simulate({ nodes: N, dead, seed, latency: LATENCY_MS, payloadBytes: 64, ack: true })
    if (r.coverageMs.p99 === null || r.coverageMs.p100 === null || base.coverageMs.p99 === null || base.coverageMs.p100 === null) {
      throw new Error(`seed ${seed}, ${pct(dead)} dead: a run did not reach every live node`)
    }
    const p99 = r.coverageMs.p99 / base.coverageMs.p99
    const p100 = r.coverageMs.p100 / base.coverageMs.p100
    p99Sum += p99; p100Sum += p100
    p99Worst = Math.max(p99Worst, p99); p100Worst = Math.max(p100Worst, p100)
    p99Ms = Math.max(p99Ms, r.coverageMs.p99); p100Ms = Math.max(p100Ms, r.coverageMs.p100)
    base99 = base.coverageMs.p99; base100 = base.coverageMs.p100
    data += r.dataMessages / r.live; acks += (r.messagesByClass.ack ?? 0) / r.live
  }
  console.log(`| ${pct(dead)} | ${(p99Sum / SEEDS).toFixed(2)} (${p99Worst.toFixed(2)}) | ${(p100Sum / SEEDS).toFixed(2)} (${p100Worst.toFixed(2)}) | ` +
    `${p99Ms} | ${p100Ms} | ${base99} / ${base100} | ${(data / SEEDS).toFixed(3)} | ${(acks / SEEDS).toFixed(3)} |`)
}
console.log(`\n${cpu()}`)
