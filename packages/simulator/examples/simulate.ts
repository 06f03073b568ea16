import { formatReport, simulate } from '@pokt-p2p/simulator'

// 3,000 real RainTree routers in virtual time: 50 ms links, 10 % of the nodes dead before the broadcast
const report = await simulate({ nodes: 3000, mode: 'complete', latency: 50, dead: 0.1, seed: 7 })

// the report is plain JSON (what `--json` prints); the same seed gives the same figures, wall time and memory aside
const { live, liveReached, dataMessages, failedSends, depth, coverageMs } = report
console.log(JSON.stringify({ live, liveReached, dataMessages, failedSends, depth, p50: coverageMs.p50 }))
console.log(formatReport(report))
