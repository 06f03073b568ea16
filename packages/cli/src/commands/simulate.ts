import { getHeapStatistics } from 'node:v8'
import { InvalidConfigError, RAINTREE_MODES, type RainTreeMode } from '@pokt-p2p/types'
import {
  MAX_NODES, SimulationAbortedError, formatReport, resolveOptions, simulate, type SimulationOptions,
  type SimulationProgress, type ViewDifference
} from '@pokt-p2p/simulator'
import { choiceOption, intOption, parseOptions, UsageError } from '../args.js'
import type { CommandContext } from '../context.js'

/** The help text of `pokt-p2p simulate` (`--help`). */
export const simulateHelp = `pokt-p2p simulate --nodes N [options]

  Simulates one RainTree broadcast among N real RainTree routers (the production router, unchanged) in virtual
  time, deterministically, with a link and a fault model; prints coverage, messages, bytes, depth and timings.
  --nodes N                  1..${MAX_NODES} (required)
  --originator K             1..N, the K-th smallest address broadcasts (default 1)
  --mode M                   ${RAINTREE_MODES.join(' | ')} (default complete)
  --dead F                   fraction in [0, 1] of the nodes dead before the broadcast (default 0)
  --crash-after-receive F    fraction in [0, 1] that crash on receiving, before forwarding (default 0)
  --view-miss K:F            a fraction F of the nodes each miss K random peers from their view
  --view-extra K:F           a fraction F of the nodes each hold K peers that do not exist
  --loss P                   probability in [0, 1] that a message is lost (default 0)
  --latency-ms L             one-way latency of every message in ms (default 0)
  --bandwidth-mbps B         every node's upload and download bandwidth in Mbit/s (default unlimited)
  --payload-bytes S          0..4194304 (default 1024)
  --seed S                   integer in [0, 4294967295]: same seed, same report (default 1)
  --ack on|off               RainTree's ACK / adjust / resend layer (default off: the bare tree; the router's
                             own default is on)
  --cleanup on|off           RainTree's clean-up layer, IGYW: each node asks its right neighbour whether it has
                             the message and repairs it if not (default off, the router's default)
  --redundancy on|off|N      RainTree's redundancy layer: the originator also sends level-0 copies to up to N
                             other nodes (on: as many as the tree sends; default off, the router's default)
  --trace                    add one row per node to the JSON report (with --json)
  --json                     print the report as one JSON object on stdout (progress stays on stderr)

  Progress (routers made, events processed, virtual and wall time) goes to stderr. The heap is raised for large
  N by re-running node with --max-old-space-size (and --max-semi-space-size, for speed); Ctrl-C stops the run.`

/** What `pokt-p2p simulate` does with its arguments: the simulation, and how to print it. */
export interface SimulateCommandOptions {
  /** the simulation (plain data, as `simulate` of `@pokt-p2p/simulator` takes it) */
  simulation: SimulationOptions
  /** print the report as JSON (`--json`) */
  json: boolean
}

/** A decimal number, as written (no hex, no exponent surprises beyond `1e-3`); anything else is refused. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/**
 * `--redundancy on|off|N`: off (the default), on (the router's default cap) or at most N copies.
 * @throws {UsageError} naming the flag and the value
 */
function redundancyOption (value: string | boolean | undefined): boolean | { maxCopies: number } {
  if (value === undefined || value === 'off') return false
  if (value === 'on') return true
  if (typeof value === 'string' && /^\d{1,8}$/.test(value)) return { maxCopies: Number(value) }
  throw new UsageError(`--redundancy must be on, off or a number of copies (0..99999999), got ${JSON.stringify(value)}`)
}

function numberOf (name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !DECIMAL.test(value.trim())) {
    throw new UsageError(`--${name} must be a number, got ${JSON.stringify(value)}`)
  }
  return Number(value)
}

function viewDifferenceOf (name: string, value: string | boolean | undefined): ViewDifference | undefined {
  if (value === undefined) return undefined
  const m = typeof value === 'string' ? /^(\d+):(.+)$/.exec(value.trim()) : null
  if (m === null) throw new UsageError(`--${name} must be K:F (K peers, a fraction F of the nodes, e.g. 3:0.05), got ${JSON.stringify(value)}`)
  return { peers: Number(m[1]), fraction: numberOf(name, m[2]) as number }
}

/** The command-line flag of each simulation option, so that an invalid option is reported as the user wrote it. */
const FLAGS: Record<string, string> = {
  nodes: '--nodes',
  originator: '--originator',
  mode: '--mode',
  seed: '--seed',
  payloadBytes: '--payload-bytes',
  latency: '--latency-ms',
  bandwidthMbps: '--bandwidth-mbps',
  loss: '--loss',
  dead: '--dead',
  crashAfterReceive: '--crash-after-receive',
  viewMiss: '--view-miss',
  viewExtra: '--view-extra'
}

/**
 * Parses the arguments of `pokt-p2p simulate` (after the command name) and checks them as the simulator will.
 * @throws {UsageError} for an unknown option, a missing `--nodes` or an invalid value (naming the flag)
 */
export function parseSimulateOptions (argv: string[]): SimulateCommandOptions & {
  /** `--help` was given */
  help: boolean
} {
  const o = parseOptions(argv, {
    nodes: { type: 'string' },
    originator: { type: 'string' },
    mode: { type: 'string' },
    dead: { type: 'string' },
    'crash-after-receive': { type: 'string' },
    'view-miss': { type: 'string' },
    'view-extra': { type: 'string' },
    loss: { type: 'string' },
    'latency-ms': { type: 'string' },
    'bandwidth-mbps': { type: 'string' },
    'payload-bytes': { type: 'string' },
    seed: { type: 'string' },
    ack: { type: 'string' },
    cleanup: { type: 'string' },
    redundancy: { type: 'string' },
    trace: { type: 'boolean' },
    json: { type: 'boolean' }
  }, 'simulate')
  if (o.help === true) return { help: true, json: false, simulation: { nodes: 1 } }
  if (o.nodes === undefined) throw new UsageError('simulate: --nodes is required')
  const nodes = intOption('nodes', o.nodes, 1, 1, MAX_NODES)
  const originator = intOption('originator', o.originator, 1, 1, nodes)
  const simulation: SimulationOptions = {
    nodes,
    originator: originator - 1,
    mode: choiceOption<RainTreeMode>('mode', o.mode, RAINTREE_MODES, 'complete'),
    seed: intOption('seed', o.seed, 1, 0, 0xffffffff),
    payloadBytes: intOption('payload-bytes', o['payload-bytes'], 1024, 0, 4 * 1024 * 1024),
    ack: choiceOption('ack', o.ack, ['on', 'off'] as const, 'off') === 'on',
    cleanup: choiceOption('cleanup', o.cleanup, ['on', 'off'] as const, 'off') === 'on',
    redundancy: redundancyOption(o.redundancy),
    trace: o.trace === true
  }
  const optional: Partial<SimulationOptions> = {
    dead: numberOf('dead', o.dead),
    crashAfterReceive: numberOf('crash-after-receive', o['crash-after-receive']),
    loss: numberOf('loss', o.loss),
    latency: numberOf('latency-ms', o['latency-ms']),
    bandwidthMbps: numberOf('bandwidth-mbps', o['bandwidth-mbps']),
    viewMiss: viewDifferenceOf('view-miss', o['view-miss']),
    viewExtra: viewDifferenceOf('view-extra', o['view-extra'])
  }
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(simulation, { [key]: value })
  if (simulation.trace === true && o.json !== true) throw new UsageError('simulate: --trace needs --json (one row per node)')
  try {
    resolveOptions(simulation)
  } catch (err) {
    if (!(err instanceof InvalidConfigError)) throw err
    const top = err.field.split(/[.[]/)[0] as string
    const flag = FLAGS[top]
    throw new UsageError(flag === undefined ? err.message : err.message.replace(`invalid ${top}`, `invalid ${flag}`), { cause: err })
  }
  return { help: false, json: o.json === true, simulation }
}

/**
 * Heap a simulation of `nodes` needs, with room to spare: about 1.1 KB per idle router, ~0.6 KB per node for the
 * staked set and per-node arrays, and the messages in flight at the widest level of the tree.
 */
export function heapNeededBytes (nodes: number, payloadBytes: number): number {
  return 512 * 1024 * 1024 + nodes * (3 * 1024 + payloadBytes)
}

/** Simulations from this size on run in a re-run node with a larger young generation (below). */
const LARGE_SIMULATION = 100_000

/**
 * The node options a simulation of this size needs that this process lacks: a heap large enough
 * (`--max-old-space-size`), and from {@link LARGE_SIMULATION} nodes on a 64 MiB young generation
 * (`--max-semi-space-size`, and `--expose-gc` to measure memory per node): making hundreds of thousands of routers otherwise spends a third of its time in
 * scavenges (measured: a million nodes in 37 s with it, 62 s without).
 */
function missingNodeOptions (options: SimulationOptions): string[] {
  const missing: string[] = []
  const needed = heapNeededBytes(options.nodes, options.payloadBytes ?? 1024)
  if (getHeapStatistics().heap_size_limit < needed) missing.push(`--max-old-space-size=${Math.ceil(needed / (1024 * 1024))}`)
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
  if (options.nodes >= LARGE_SIMULATION && !given.some(o => o.startsWith('--max-semi-space-size'))) missing.push('--max-semi-space-size=64')
  // a re-run measures memory per node too, which needs a collection before each reading
  if (missing.length > 0 && typeof (globalThis as { gc?: unknown }).gc !== 'function') missing.push('--expose-gc')
  return missing
}

function progressLine (p: SimulationProgress): string {
  const wall = `${(p.wallMs / 1000).toFixed(1)} s`
  if (p.phase === 'setup') return `simulate: ${p.nodesCreated.toLocaleString('en-US')}/${p.nodes.toLocaleString('en-US')} routers made and started (${wall})`
  return `simulate: ${p.events.toLocaleString('en-US')} events processed, ${p.pending.toLocaleString('en-US')} pending, ` +
    `virtual ${p.virtualMs.toFixed(1)} ms (${wall})`
}

/** `pokt-p2p simulate`: returns the exit code. */
export async function simulateCommand (argv: string[], ctx: CommandContext): Promise<number> {
  const opts = parseSimulateOptions(argv)
  if (opts.help) {
    ctx.out(simulateHelp)
    return 0
  }
  const nodeOptions = missingNodeOptions(opts.simulation)
  if (nodeOptions.length > 0 && ctx.rerun !== undefined) {
    ctx.log(`simulate: re-running node with ${nodeOptions.join(' ')}`)
    return await ctx.rerun(nodeOptions)
  }
  if (nodeOptions.length > 0) ctx.log(`simulate: warning: ${opts.simulation.nodes} nodes want node ${nodeOptions.join(' ')}`)
  const { nodes, seed } = opts.simulation
  ctx.log(`simulate: ${nodes.toLocaleString('en-US')} RainTree routers, seed ${seed ?? 1}`)
  let shown = false
  const onProgress = (p: SimulationProgress): void => {
    if (p.phase === 'done') {
      if (shown && ctx.interactive) process.stderr.write('\r\x1b[K')
      return
    }
    if (ctx.interactive) {
      process.stderr.write(`\r\x1b[K${progressLine(p)}`)
      shown = true
    } else if (p.wallMs >= 2000) {
      // a log, not a terminal: a line every few seconds of a long run, none for a short one
      ctx.log(progressLine(p))
    }
  }
  try {
    const report = await simulate(opts.simulation, {
      signal: ctx.signal,
      onProgress,
      progressIntervalMs: ctx.interactive ? 250 : 5000
    })
    ctx.out(opts.json ? JSON.stringify(report) : formatReport(report))
    return 0
  } catch (err) {
    if (err instanceof SimulationAbortedError && ctx.signal.aborted) throw ctx.signal.reason
    throw err
  }
}
