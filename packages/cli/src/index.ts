/**
 * @packageDocumentation
 *
 * The `pokt-p2p` command line: `localnet` (a local network demo with a propagation report), `node` (one
 * long-lived node from a JSON config, with JSON logs and an optional Prometheus `/metrics` endpoint), `keygen` and
 * `genesis`. The commands are also callable as functions.
 *
 * @example
 * ```ts
 * import { parseLocalnetOptions, runLocalnet } from '@pokt-p2p/cli'
 *
 * // four staked nodes in this process over libp2p's in-memory transport, RainTree only: done in about a second
 * const options = parseLocalnetOptions(['--nodes', '4', '--transport', 'memory', '--background', 'off', '--quiet-ms', '100'])
 * const report = await runLocalnet(options, {
 *   out: console.log,
 *   log: () => {}, // progress lines ("starting 4 nodes …"): stderr in the binary
 *   interactive: false,
 *   signal: new AbortController().signal // abort it to stop every node at once
 * })
 *
 * // every figure comes from the nodes' own metrics (pokt_raintree_*, pokt_transport_*, pokt_p2p_*)
 * const { reached, messages, depth } = report.raintree
 * console.log(`RainTree reached ${reached}/${report.nodes} nodes with ${messages} messages, depth ${depth}`)
 * for (const node of report.raintree.perNode) {
 *   console.log(`val_${node.index}: ${node.reads} read, ${node.writes} written, hop ${node.hops}`)
 * }
 * console.log(`delivered exactly once on ${report.delivered.exactlyOnce}/${report.nodes - 1} nodes`)
 * ```
 */
export { main, usage, version } from './main.js'
export { UsageError, InterruptedError, PortInUseError, interruptedExitCode, type StopSignal } from './errors.js'
export { parseOptions, closest } from './args.js'
export type { CommandContext } from './context.js'
export { runLocalnet, parseLocalnetOptions, localnetHelp, type LocalnetOptions } from './commands/localnet/index.js'
export { runBench, parseBenchOptions, renderBench, benchGoals, benchHelp, type BenchOptions, type BenchRow, type BenchRouter } from './commands/bench.js'
export { LOCALNET_METRICS } from './commands/localnet/measurement.js'
export { parseNodeFileConfig, type NodeFileConfig } from './commands/node.js'
export {
  parseControlLine, InvalidControlCommandError, ControlQueueFullError, ControlRouterUnavailableError,
  CONTROL_MAX_LINE_BYTES, CONTROL_MAX_PAYLOAD_BYTES, CONTROL_MAX_PENDING, CONTROL_ROUTERS, type ControlCommand, type BroadcastCommand, type PingCommand,
  type ControlRouter
} from './commands/control.js'
export { LineSplitter, LineTooLongError, type Line } from './line-splitter.js'
export { jsonLogger, formatMessage, type JsonLoggerInit, type JsonLogRecord } from './logging.js'
export { serveMetrics, type MetricsServer } from './metrics-server.js'
export { localnetIdentities } from './keys.js'
export { renderReport, renderTree, timingNote, type FirstCopyTimes, type LocalnetReport, type NodeState, type PerNodeReport } from './report.js'
export { runTestbed, parseTestbedOptions, testbedHelp, NODE_BIN, type TestbedOptions, type TestbedRouterChoice, type TestbedRunInit } from './commands/testbed/index.js'
export { TESTBED_METRICS } from './commands/testbed/measurement.js'
export { TestbedStartError, TestbedNotReadyError, TestbedControlError, TestbedNodeExitedError } from './commands/testbed/failures.js'
export {
  renderTestbedReport, type TestbedReport, type TestbedBroadcast, type TestbedBroadcastRouter, type TestbedRouterSummary, type TestbedFault,
  type TestbedNodeReport, type TestbedRouter
} from './report.js'
