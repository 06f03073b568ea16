/**
 * The scale benchmark (not a test): one broadcast in complete mode with 10 % of the nodes dead and 50 ms latency,
 * at 100,000 and 1,000,000 nodes (or the sizes given as arguments). Prints wall time, CPU time, events per second,
 * bytes per idle node and peak RSS. Run: `pnpm --filter @pokt-p2p/simulator bench:million` — node runs with
 * `--expose-gc` (so that the per-node figure is measured on a collected heap), a 12 GB heap limit and a 64 MB young
 * generation (fewer, cheaper scavenges while a million routers are made).
 */
import { simulate, type SimulationReport } from '../src/index.js'
import { machine, measureCpu } from './host.js'

const sizes = process.argv.slice(2).map(Number)
if (sizes.length === 0) sizes.push(100_000, 1_000_000)

function mib (bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`
}

console.log(machine())
console.log('one broadcast, complete mode, 10 % dead, 50 ms latency, 1 KiB payload, seed 1\n')
for (const nodes of sizes) {
  let setupMs = 0
  const cpu = measureCpu()
  const report: SimulationReport = await simulate({ nodes, mode: 'complete', dead: 0.1, latency: 50 }, {
    progressIntervalMs: 5000,
    onProgress: (p) => {
      if (p.phase === 'run' && setupMs === 0) setupMs = p.wallMs
      process.stderr.write(`  ${p.phase}: ${p.nodesCreated} routers, ${p.events} events, t = ${p.virtualMs} ms, ${(p.wallMs / 1000).toFixed(1)} s\n`)
    }
  })
  const { options: _options, ...figures } = report
  console.log(JSON.stringify(figures))
  console.log(`${nodes.toLocaleString('en-US')} nodes: wall ${(report.wallMs / 1000).toFixed(1)} s ` +
    `(set-up ${(setupMs / 1000).toFixed(1)} s, run ${((report.wallMs - setupMs) / 1000).toFixed(1)} s), ${cpu()}; ` +
    `${report.events.toLocaleString('en-US')} events, ${report.eventsPerSecond.toLocaleString('en-US')} events/s; ` +
    `${report.bytesPerIdleNode} B per idle node; peak RSS ${mib(report.peakRssBytes)}\n` +
    `  reached ${report.liveReached.toLocaleString('en-US')} of ${report.live.toLocaleString('en-US')} live nodes, ` +
    `${report.dataMessages.toLocaleString('en-US')} messages, ${report.failedSends.toLocaleString('en-US')} failed sends, ` +
    `depth ${report.depth}, p50 ${report.coverageMs.p50 ?? '—'} ms, p90 ${report.coverageMs.p90 ?? '—'} ms\n`)
}
