/**
 * @packageDocumentation
 *
 * The `pokt-p2p` command line: `localnet` (a local network demo with a propagation report), `node` (one
 * long-lived node from a JSON config), `keygen` and `genesis`. The commands are also callable as functions.
 *
 * @example
 * ```ts
 * import { runLocalnet, parseLocalnetOptions } from '@pokt-p2p/cli'
 *
 * const report = await runLocalnet(parseLocalnetOptions(['--nodes', '9', '--transport', 'memory']), {
 *   out: console.log, log: console.error, interactive: false, signal: new AbortController().signal
 * })
 * console.log(report.raintree.reached) // 9
 * ```
 */
export { main, usage, version } from './main.js'
export { UsageError, InterruptedError, PortInUseError, interruptedExitCode, type StopSignal } from './errors.js'
export { parseOptions, closest } from './args.js'
export type { CommandContext } from './context.js'
export { runLocalnet, parseLocalnetOptions, localnetHelp, type LocalnetOptions } from './commands/localnet.js'
export { parseNodeFileConfig, type NodeFileConfig } from './commands/node.js'
export { localnetIdentities } from './keys.js'
export { renderReport, renderTree, timingNote, type LocalnetReport, type PerNodeReport } from './report.js'
