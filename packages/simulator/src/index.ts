/**
 * @packageDocumentation
 *
 * A deterministic discrete-event network simulator that runs the production RainTree router (`RainTreeRouter` of
 * `@pokt-p2p/raintree`, unchanged) at up to millions of nodes, in virtual time:
 *
 * - {@link simulate}: one broadcast among N routers sharing one `StakedSet`, with a link model (latency: fixed, per
 *   link uniform, or a region matrix; per-node upload and download bandwidth; loss) and a fault model (dead nodes,
 *   crashes at a time or on receipt, views that miss peers or hold phantoms). It returns a JSON
 *   {@link SimulationReport} (reach, messages, bytes, depth, coverage percentiles in ms and ticks, uploads, the
 *   cost on the host, optionally a per-node trace); {@link formatReport} makes it a table. Same options and seed ⇒
 *   the same report, but for the measured wall time and memory.
 * - the parts it is made of, for other experiments: the {@link Engine} (a binary heap of events over typed
 *   arrays), the {@link VirtualClock}, the {@link SimulatedNetwork} of {@link SimulatedTransport}s (each a
 *   `MessageTransport` and its node's `Clock`) over {@link Links}, the seeded {@link Random} draws and the
 *   synthetic peers.
 *
 * @example
 * ```ts
 * import { formatReport, simulate } from '@pokt-p2p/simulator'
 *
 * // 3,000 real RainTree routers in virtual time: 50 ms links, 10 % of the nodes dead before the broadcast
 * const report = await simulate({ nodes: 3000, mode: 'complete', latency: 50, dead: 0.1, seed: 7 })
 *
 * // the report is plain JSON (what `--json` prints); the same seed gives the same figures, wall time and memory aside
 * const { live, liveReached, dataMessages, failedSends, depth, coverageMs } = report
 * console.log(JSON.stringify({ live, liveReached, dataMessages, failedSends, depth, p50: coverageMs.p50 }))
 * console.log(formatReport(report))
 * ```
 */
export { simulate, PAYLOAD_TYPE_URL, silentLogger } from './simulate.js'
export type { NodeOutcome, Percentiles, SimulationContext, SimulationProgress, SimulationReport, TraceRow } from './simulate.js'
export { formatReport } from './report.js'
export {
  MAX_NODES, bandwidthOption, fractionOption, latencyOption, numberOption, resolveOptions
} from './options.js'
export type { CrashAt, ResolvedSimulationOptions, SimulationOptions, ViewDifference } from './options.js'
export { SimulationAbortedError } from './errors.js'
export { Engine } from './engine.js'
export type { EngineProgress, EngineRunOptions, EventHandler } from './engine.js'
export { VirtualClock } from './clock.js'
export { DATA_CLASSES, NodeState, SimulatedNetwork } from './network.js'
export type { MessageClassifier, NetworkTotals, SimulatedNetworkInit } from './network.js'
export { SimulatedTransport } from './transport.js'
export { Links } from './links.js'
export type { FixedLatency, LatencyModel, LinksInit, Region, RegionLatency, UniformLatency } from './links.js'
export { planFaults } from './faults.js'
export type { FaultPlan } from './faults.js'
export { phantomPeer, syntheticPeer, syntheticPeers } from './nodes.js'
export { Random, hash32, hashUniform, sampleDistinct } from './random.js'
