/**
 * The protocol specification's scalability table (Nodes, Comms, ACKs, Ticks for N = 3^3 … 3^11) side by side with
 * what our RainTree router does in the simulator: no faults, a fixed one-way latency (one tick), both modes. Our
 * comms = data + control messages; ACKs = control messages of class `ack` (RainTree's ACK frames);
 * ticks = virtual time until every live node had the message, in one-way latencies. Run:
 * `pnpm --filter @pokt-p2p/simulator bench:spec`.
 */
import { simulate } from '../src/index.js'
import { machine, measureCpu } from './host.js'

/** The specification's table: nodes → [comms, ACKs, ticks]. */
const SPEC: Array<[number, number, number, number]> = [
  [27, 107, 56, 11], [81, 323, 164, 13], [243, 971, 488, 15], [729, 2915, 1460, 17], [2187, 8747, 4376, 19],
  [6561, 26243, 13124, 21], [19683, 78731, 39358, 23], [59049, 236195, 118100, 25], [177147, 708587, 354296, 27]
]
const LATENCY_MS = 100

const max = Number(process.argv[2] ?? Infinity)
const int = (n: number): string => n.toLocaleString('en-US')
const header = ['Nodes', 'spec Comms', 'spec ACKs', 'spec Ticks', 'complete Comms', 'ACKs', 'Ticks', 'complete+ACK Comms', 'ACKs', 'Ticks', 'reference Comms', 'ACKs', 'Ticks']
const rows: string[][] = []
const cpu = measureCpu()
const t0 = performance.now()
for (const [nodes, comms, acks, ticks] of SPEC) {
  if (nodes > max) break
  const row = [int(nodes), int(comms), int(acks), String(ticks)]
  for (const [mode, ack] of [['complete', false], ['complete', true], ['reference', false]] as const) {
    const r = await simulate({ nodes, mode, latency: LATENCY_MS, payloadBytes: 64, ack })
    const ours = r.dataMessages + r.controlMessages
    const ackCount = r.messagesByClass.ack ?? 0
    // not everyone reached (reference-mode holes): when the last message arrived, and how many had it
    const t = r.ticks.p100 === null ? `— (${int(r.reached)}/${int(nodes)}, last at ${r.virtualMs / LATENCY_MS})` : String(r.ticks.p100)
    row.push(int(ours), int(ackCount), t)
  }
  rows.push(row)
}

const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |'
console.log(machine())
console.log(`no faults, ${LATENCY_MS} ms one-way latency = 1 tick, unlimited bandwidth; ours: the RainTree router in the simulator\n`)
console.log(line(header))
console.log('|' + widths.map(w => '-'.repeat(w + 1) + ':').join('|') + '|')
for (const r of rows) console.log(line(r))
console.log(`\n${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${cpu()}`)
