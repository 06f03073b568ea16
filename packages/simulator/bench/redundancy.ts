/**
 * The redundancy benchmark (not a test): what the RainTree redundancy layer (`redundancy: true`: the originator also
 * sends level-0 copies to as many other nodes as the tree sends to, spread evenly over its view) costs and gives,
 * side by side in one run. Complete mode, 50 ms links, 1 KiB payload, 20 seeds per cell.
 *
 * 1. Reach and cost, ACK off and on, redundancy off and on: the share of the live nodes reached (mean, worst) with
 *    10 % of the nodes dead, and with 5 % of the nodes each missing 3 random peers from their view; data messages
 *    and bytes per node, copies and the originator's upload, without faults.
 * 2. With clean-up on (the layer the copies are meant to help: a copy inside a lost range is a holder that repairs
 *    from there): time until every live node has the message with 10 % dead, ACK off and on, redundancy off and on.
 *
 * Run: `pnpm --filter @pokt-p2p/simulator bench:redundancy [max N]` (default 10,000).
 */
import { simulate, type SimulationOptions, type SimulationReport } from '../src/index.js'
import { machine, measureCpu } from './host.js'

const maxNodes = Number(process.argv[2] ?? 10_000)
const SIZES = [27, 100, 1000, 10_000].filter(n => n <= maxNodes)
const SEEDS = 20
const LATENCY_MS = 50
const DEAD = 0.1
const VIEW_MISS = { peers: 3, fraction: 0.05 }

function pct (x: number): string {
  return `${(100 * x).toFixed(2)} %`
}

function s (ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

function kib (bytes: number): string {
  return `${(bytes / 1024).toFixed(2)}`
}

/** Mean and worst of `f` over the seeds. */
async function overSeeds (
  options: SimulationOptions, f: (r: SimulationReport) => number, worstIs: 'min' | 'max'
): Promise<{ mean: number, worst: number, runs: SimulationReport[] }> {
  let sum = 0
  let worst = worstIs === 'min' ? Infinity : -Infinity
  const runs: SimulationReport[] = []
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = await simulate({ ...options, seed })
    const x = f(r)
    sum += x
    worst = worstIs === 'min' ? Math.min(worst, x) : Math.max(worst, x)
    runs.push(r)
  }
  return { mean: sum / SEEDS, worst, runs }
}

const share = (r: SimulationReport): number => r.liveReached / r.live

console.log(machine())
console.log(`complete mode, ${LATENCY_MS} ms links, 1 KiB payload, ${SEEDS} seeds per cell; redundancy: the default cap ` +
  '(as many copies as the tree sends)\n')
const cpu = measureCpu()

const header = ['N', 'ACK', 'redundancy', `live reached, ${DEAD * 100} % dead: mean (worst)`,
  `live reached, ${VIEW_MISS.fraction * 100} % miss ${VIEW_MISS.peers} peers: mean (worst)`, 'seeds at 100 %, dead / miss',
  'copies', 'data msgs / node', 'data KiB / node', 'originator upload KiB']
console.log(`| ${header.join(' | ')} |`)
console.log(`|${header.map(() => '---:').join('|')}|`)
for (const nodes of SIZES) {
  for (const ack of [false, true]) {
    for (const redundancy of [false, true]) {
      const base = { nodes, latency: LATENCY_MS, ack, redundancy }
      const dead = await overSeeds({ ...base, dead: DEAD }, share, 'min')
      const miss = await overSeeds({ ...base, viewMiss: VIEW_MISS }, share, 'min')
      const full = (runs: SimulationReport[]): number => runs.filter(r => r.liveReached === r.live).length
      const clean = await simulate(base)
      const dataBytes = (clean.bytesByClass.data ?? 0) + (clean.bytesByClass.redundancy ?? 0)
      console.log(`| ${nodes.toLocaleString('en-US')} | ${ack ? 'on' : 'off'} | ${redundancy ? 'on' : 'off'} | ` +
        `${pct(dead.mean)} (${pct(dead.worst)}) | ${pct(miss.mean)} (${pct(miss.worst)}) | ` +
        `${full(dead.runs)} / ${full(miss.runs)} | ${clean.messagesByClass.redundancy ?? 0} | ` +
        `${(clean.dataMessages / nodes).toFixed(3)} | ${kib(dataBytes / nodes)} | ${kib(clean.originatorUploadBytes)} |`)
    }
  }
}

console.log(`\nwith clean-up on (its defaults), ${DEAD * 100} % dead: time until every live node has the message ` +
  '(virtual), data messages per node\n')
const header2 = ['N', 'ACK', 'full coverage, redundancy off: mean (worst)', 'redundancy on: mean (worst)',
  'seeds at 100 %, off / on', 'data msgs / node, off / on']
console.log(`| ${header2.join(' | ')} |`)
console.log(`|${header2.map(() => '---:').join('|')}|`)
for (const nodes of SIZES) {
  for (const ack of [false, true]) {
    const cells: string[] = []
    const full: number[] = []
    const data: number[] = []
    for (const redundancy of [false, true]) {
      const t = await overSeeds({ nodes, latency: LATENCY_MS, ack, cleanup: true, redundancy, dead: DEAD },
        r => r.coverageMs.p100 ?? Infinity, 'max')
      cells.push(`${Number.isFinite(t.mean) ? s(t.mean) : '—'} (${Number.isFinite(t.worst) ? s(t.worst) : '—'})`)
      full.push(t.runs.filter(r => r.liveReached === r.live).length)
      data.push(t.runs.reduce((sum, r) => sum + r.dataMessages / nodes, 0) / SEEDS)
    }
    console.log(`| ${nodes.toLocaleString('en-US')} | ${ack ? 'on' : 'off'} | ${cells.join(' | ')} | ${full.join(' / ')} | ` +
      `${data.map(d => d.toFixed(3)).join(' / ')} |`)
  }
}
console.log(`\n${cpu()}`)
