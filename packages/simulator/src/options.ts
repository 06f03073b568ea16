import { InvalidConfigError, RAINTREE_MODES, integerOption, shownValue, type RainTreeMode } from '@pokt-p2p/types'
import {
  RoundTripEstimator, resolveCleanup, resolveRedundancy, type AckTimeoutInit, type CleanupInit, type RedundancyInit
} from '@pokt-p2p/raintree'
import type { FixedLatency, LatencyModel, RegionLatency, UniformLatency } from './links.js'

/** Largest number of nodes a simulation accepts (2^24). */
export const MAX_NODES = 16_777_216

/** A node that crashes at a virtual time: from then on it sends nothing more and receives nothing. */
export interface CrashAt {
  /** the node's index (its rank in address order, 0-based) */
  readonly node: number
  /** when, in virtual ms after the broadcast started (≥ 0) */
  readonly atMs: number
}

/** A share of the nodes whose view of the staked set differs from the real one by `peers` addresses each. */
export interface ViewDifference {
  /** how many peers each such node misses (or holds in excess) */
  readonly peers: number
  /** the share of the nodes, in [0, 1] (round(fraction · N) nodes, the originator included in the draw) */
  readonly fraction: number
}

/**
 * What to simulate: the network, its links and its faults. Only `nodes` is required. Every field is plain data, so
 * the options read from a command line or a JSON file are the options, and the report echoes them.
 */
export interface SimulationOptions {
  /** N, the number of nodes: node i is the i-th smallest address (1 to 16,777,216) */
  nodes: number
  /**
   * The node that broadcasts, by index (0-based rank in address order).
   * @default 0
   */
  originator?: number
  /**
   * The RainTree mode of every router (`'complete'`: every node once; `'reference'`: what the Go implementation
   * sends).
   * @default 'complete'
   */
  mode?: RainTreeMode
  /**
   * Seeds every random draw (faults, per-link latencies, regions, losses): an integer in [0, 2^32 − 1]. The same
   * options and seed give the same report, byte for byte, apart from the measured wall-time and memory figures.
   * @default 1
   */
  seed?: number
  /**
   * Size in bytes of the broadcast's application payload: the `value` of the `Any` in the Pocket envelope. The
   * messages on the wire are a little larger (envelope and RainTree framing, about 60 bytes).
   * @default 1024
   */
  payloadBytes?: number
  /**
   * One-way latency of every message: a number (fixed, in ms) or a model (`fixed`, `uniform` per link, `regions`).
   * @default 0
   */
  latency?: LatencyModel
  /**
   * Upload and download bandwidth of every node in Mbit/s, unless `uploadMbps` or `downloadMbps` says otherwise;
   * `null` for unlimited.
   * @default null (unlimited)
   */
  bandwidthMbps?: number | null
  /**
   * Upload bandwidth of every node in Mbit/s; `null` for unlimited.
   * @default bandwidthMbps
   */
  uploadMbps?: number | null
  /**
   * Download bandwidth of every node in Mbit/s; `null` for unlimited.
   * @default bandwidthMbps
   */
  downloadMbps?: number | null
  /**
   * Probability in [0, 1] that a message is lost: the sender's send succeeds, the message never arrives.
   * @default 0
   */
  loss?: number
  /**
   * Nodes dead before the broadcast: a share in [0, 1] (round(dead · N) nodes drawn at random, at most N − 1)
   * or a list of node indices. The originator is never dead. A send to a dead node fails with
   * `PeerUnreachableError` after one round trip (2 × the link's latency).
   * @default 0
   */
  dead?: number | readonly number[]
  /**
   * Nodes that crash at a virtual time (not the originator). A crashed node receives nothing more and sends nothing
   * more: messages still on its uplink are lost, sends to it fail as to a dead node.
   * @default []
   */
  crashes?: readonly CrashAt[]
  /**
   * Share in [0, 1] of the nodes (drawn among the live ones, never the originator) that crash as soon as they
   * receive the message: their router handles it as far as its first await (a RainTree router ACKs a range there,
   * so its sender counts the range as taken), only those ACKs leave, and the node is down. They count as reached,
   * not live, and forward nothing: the ACK layer cannot see them, the clean-up layer must.
   * @default 0
   */
  crashAfterReceive?: number
  /**
   * Nodes whose view misses peers: `{ peers: k, fraction: f }` — round(f · N) nodes each miss k random other peers
   * (they do not send to them, and drop their messages as from an unknown sender).
   * @default none
   */
  viewMiss?: ViewDifference | null
  /**
   * Nodes whose view holds peers that do not exist: `{ peers: k, fraction: f }` — round(f · N) nodes each hold k
   * phantom peers (addresses among the real ones); a send to a phantom fails as to a dead node.
   * @default none
   */
  viewExtra?: ViewDifference | null
  /**
   * Stop at this virtual time even if events remain (a guard for routers with periodic timers); `null` runs until
   * no event is left.
   * @default null
   */
  untilMs?: number | null
  /**
   * Add a per-node trace to the report (`trace`: one row per node).
   * @default false
   */
  trace?: boolean
  /**
   * Every router's ACK / adjust / resend layer (`ack` of `RainTreeInit`): `true`, or its timeouts.
   * @default false: the bare tree, the baseline every figure is compared with (the router's own default is on;
   *   pass `true` to simulate a node built with default options)
   */
  ack?: boolean | AckTimeoutInit
  /**
   * Every router's clean-up layer, IGYW (`cleanup` of `RainTreeInit`): `true`, or its delay and probe count.
   * @default false: the bare tree, as `ack` (the router's own default is on)
   */
  cleanup?: boolean | CleanupInit
  /**
   * Every router's redundancy layer (`redundancy` of `RainTreeInit`): `true`, or `{ maxCopies }`. Only the
   * originator sends copies (complete mode); the report counts them apart, as class `redundancy`.
   * @default false (the router's default)
   */
  redundancy?: boolean | RedundancyInit
}

/** {@link SimulationOptions} with every default filled in and every value checked: what a report echoes. */
export interface ResolvedSimulationOptions {
  /** see {@link SimulationOptions.nodes} */
  readonly nodes: number
  /** see {@link SimulationOptions.originator} */
  readonly originator: number
  /** see {@link SimulationOptions.mode} */
  readonly mode: RainTreeMode
  /** see {@link SimulationOptions.seed} */
  readonly seed: number
  /** see {@link SimulationOptions.payloadBytes} */
  readonly payloadBytes: number
  /** the latency model, as an object */
  readonly latency: FixedLatency | UniformLatency | RegionLatency
  /** upload bandwidth in Mbit/s, `null` for unlimited */
  readonly uploadMbps: number | null
  /** download bandwidth in Mbit/s, `null` for unlimited */
  readonly downloadMbps: number | null
  /** see {@link SimulationOptions.loss} */
  readonly loss: number
  /** a share in [0, 1], or the sorted list of dead nodes */
  readonly dead: number | readonly number[]
  /** see {@link SimulationOptions.crashes} */
  readonly crashes: readonly CrashAt[]
  /** see {@link SimulationOptions.crashAfterReceive} */
  readonly crashAfterReceive: number
  /** see {@link SimulationOptions.viewMiss} */
  readonly viewMiss: ViewDifference | null
  /** see {@link SimulationOptions.viewExtra} */
  readonly viewExtra: ViewDifference | null
  /** see {@link SimulationOptions.untilMs} */
  readonly untilMs: number | null
  /** see {@link SimulationOptions.trace} */
  readonly trace: boolean
  /** see {@link SimulationOptions.ack} */
  readonly ack: boolean | AckTimeoutInit
  /** see {@link SimulationOptions.cleanup} */
  readonly cleanup: boolean | CleanupInit
  /** see {@link SimulationOptions.redundancy} */
  readonly redundancy: boolean | RedundancyInit
}

const OPTION_NAMES = new Set([
  'nodes', 'originator', 'mode', 'seed', 'payloadBytes', 'latency', 'bandwidthMbps', 'uploadMbps', 'downloadMbps',
  'loss', 'dead', 'crashes', 'crashAfterReceive', 'viewMiss', 'viewExtra', 'untilMs', 'trace', 'ack', 'cleanup',
  'redundancy'
])

/** Largest payload: the spec's 4 MiB block and then some (64 MiB). */
const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024

/**
 * Checks `options` and fills in the defaults.
 * @throws {InvalidConfigError} naming the first invalid option and what is wrong with it
 */
export function resolveOptions (options: SimulationOptions): ResolvedSimulationOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidConfigError('options', 'must be an object')
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) throw new InvalidConfigError(key, `unknown option (expected one of ${[...OPTION_NAMES].join(', ')})`)
  }
  const nodes = integerOption('nodes', options.nodes, { min: 1, max: MAX_NODES })
  const originator = integerOption('originator', options.originator ?? 0, { min: 0, max: nodes - 1 })
  const mode = options.mode ?? 'complete'
  if (!(RAINTREE_MODES as readonly unknown[]).includes(mode)) {
    throw new InvalidConfigError('mode', `must be ${RAINTREE_MODES.join(' or ')}, got ${JSON.stringify(mode)}`)
  }
  const seed = integerOption('seed', options.seed ?? 1, { min: 0, max: 0xffff_ffff })
  const payloadBytes = integerOption('payloadBytes', options.payloadBytes ?? 1024, { min: 0, max: MAX_PAYLOAD_BYTES })
  const latency = latencyOption('latency', options.latency ?? 0)
  const bandwidth = bandwidthOption('bandwidthMbps', options.bandwidthMbps ?? null)
  const uploadMbps = options.uploadMbps === undefined ? bandwidth : bandwidthOption('uploadMbps', options.uploadMbps)
  const downloadMbps = options.downloadMbps === undefined ? bandwidth : bandwidthOption('downloadMbps', options.downloadMbps)
  const loss = fractionOption('loss', options.loss ?? 0)
  const dead = deadOption(options.dead ?? 0, nodes, originator)
  const crashes = crashesOption(options.crashes ?? [], nodes, originator)
  const crashAfterReceive = fractionOption('crashAfterReceive', options.crashAfterReceive ?? 0)
  const viewMiss = viewOption('viewMiss', options.viewMiss ?? null, nodes - 1)
  const viewExtra = viewOption('viewExtra', options.viewExtra ?? null, nodes)
  const untilMs = options.untilMs === undefined || options.untilMs === null ? null : numberOption('untilMs', options.untilMs, 0)
  const trace = options.trace ?? false
  if (typeof trace !== 'boolean') throw new InvalidConfigError('trace', `must be true or false, got ${shownValue(trace)}`)
  const ack = options.ack ?? false
  if (typeof ack !== 'boolean') {
    if (typeof ack !== 'object' || ack === null) throw new InvalidConfigError('ack', `must be true, false or { initialTimeoutMs?, minTimeoutMs?, maxTimeoutMs? }, got ${shownValue(ack)}`)
    // the router's own check, now rather than once per router
    new RoundTripEstimator(ack) // eslint-disable-line no-new
  }
  const cleanup = options.cleanup ?? false
  // the router's own check, now rather than once per router
  resolveCleanup(cleanup)
  const redundancy = options.redundancy ?? false
  resolveRedundancy(redundancy)
  return {
    nodes, originator, mode, seed, payloadBytes, latency, uploadMbps, downloadMbps, loss, dead, crashes,
    crashAfterReceive, viewMiss, viewExtra, untilMs, trace, ack, cleanup, redundancy
  }
}

/**
 * Returns `value` when it is a fraction in [0, 1]; throws an {@link InvalidConfigError} naming `field` otherwise.
 * @param field - the option's name, as the user wrote it
 * @param value - the value to check
 */
export function fractionOption (field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidConfigError(field, `must be a fraction in [0, 1], got ${shownValue(value)}`)
  }
  return value
}

/**
 * Returns `value` when it is a finite number ≥ `min`; throws an {@link InvalidConfigError} naming `field` otherwise.
 * @param field - the option's name, as the user wrote it
 * @param value - the value to check
 * @param min - the smallest value allowed
 */
export function numberOption (field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidConfigError(field, `must be a finite number >= ${min}, got ${shownValue(value)}`)
  }
  return value
}

/**
 * Returns `value` when it is a bandwidth in Mbit/s (finite, > 0) or `null` (unlimited); throws an
 * {@link InvalidConfigError} naming `field` otherwise.
 * @param field - the option's name, as the user wrote it
 * @param value - the value to check
 */
export function bandwidthOption (field: string, value: unknown): number | null {
  if (value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidConfigError(field, `must be a bandwidth in Mbit/s > 0 (or null for unlimited), got ${shownValue(value)}`)
  }
  return value
}

/**
 * The latency model as an object, checked.
 * @param field - the option's name, as the user wrote it
 * @param value - a number (fixed ms) or a {@link LatencyModel}
 * @throws {InvalidConfigError} naming `field` (or the part of it that is wrong)
 */
export function latencyOption (field: string, value: unknown): FixedLatency | UniformLatency | RegionLatency {
  if (typeof value === 'number') return { kind: 'fixed', ms: numberOption(field, value, 0) }
  if (typeof value !== 'object' || value === null) {
    throw new InvalidConfigError(field, `must be a number of ms or a latency model ({ kind: 'fixed' | 'uniform' | 'regions', … }), got ${shownValue(value)}`)
  }
  const model = value as { kind?: unknown, ms?: unknown, minMs?: unknown, maxMs?: unknown, regions?: unknown, matrixMs?: unknown }
  switch (model.kind) {
    case 'fixed':
      return { kind: 'fixed', ms: numberOption(`${field}.ms`, model.ms, 0) }
    case 'uniform': {
      const minMs = numberOption(`${field}.minMs`, model.minMs, 0)
      const maxMs = numberOption(`${field}.maxMs`, model.maxMs, minMs)
      return { kind: 'uniform', minMs, maxMs }
    }
    case 'regions': {
      const regions = model.regions
      if (!Array.isArray(regions) || regions.length < 1 || regions.length > 255) {
        throw new InvalidConfigError(`${field}.regions`, `must be a list of 1 to 255 regions, got ${shownValue(regions)}`)
      }
      const checked = regions.map((region: unknown, i) => {
        const r = region as { name?: unknown, weight?: unknown }
        if (typeof r !== 'object' || r === null || typeof r.name !== 'string') {
          throw new InvalidConfigError(`${field}.regions[${i}]`, `must be { name: string, weight?: number }, got ${shownValue(region)}`)
        }
        const weight = r.weight === undefined ? 1 : numberOption(`${field}.regions[${i}].weight`, r.weight, 0)
        return { name: r.name, weight }
      })
      if (!checked.some(r => r.weight > 0)) throw new InvalidConfigError(`${field}.regions`, 'at least one weight must be > 0')
      const matrix = model.matrixMs
      if (!Array.isArray(matrix) || matrix.length !== regions.length) {
        throw new InvalidConfigError(`${field}.matrixMs`, `must be a ${regions.length}×${regions.length} matrix of ms, got ${shownValue(matrix)}`)
      }
      const matrixMs = matrix.map((row: unknown, a) => {
        if (!Array.isArray(row) || row.length !== regions.length) {
          throw new InvalidConfigError(`${field}.matrixMs[${a}]`, `must be a row of ${regions.length} latencies in ms, got ${shownValue(row)}`)
        }
        return row.map((ms: unknown, b) => numberOption(`${field}.matrixMs[${a}][${b}]`, ms, 0))
      })
      return { kind: 'regions', regions: checked, matrixMs }
    }
    default:
      throw new InvalidConfigError(`${field}.kind`, `must be 'fixed', 'uniform' or 'regions', got ${shownValue(model.kind)}`)
  }
}

function deadOption (value: unknown, nodes: number, originator: number): number | readonly number[] {
  if (typeof value === 'number') return fractionOption('dead', value)
  if (!Array.isArray(value)) throw new InvalidConfigError('dead', `must be a fraction in [0, 1] or a list of node indices, got ${shownValue(value)}`)
  const list = value.map((node: unknown, i) => integerOption(`dead[${i}]`, node, { min: 0, max: nodes - 1 }))
  if (list.includes(originator)) throw new InvalidConfigError('dead', `the originator (${originator}) cannot be dead`)
  return [...new Set(list)].sort((a, b) => a - b)
}

function crashesOption (value: unknown, nodes: number, originator: number): CrashAt[] {
  if (!Array.isArray(value)) throw new InvalidConfigError('crashes', `must be a list of { node, atMs }, got ${shownValue(value)}`)
  return value.map((crash: unknown, i) => {
    const c = crash as { node?: unknown, atMs?: unknown }
    if (typeof c !== 'object' || c === null) throw new InvalidConfigError(`crashes[${i}]`, `must be { node, atMs }, got ${shownValue(crash)}`)
    const node = integerOption(`crashes[${i}].node`, c.node, { min: 0, max: nodes - 1 })
    if (node === originator) throw new InvalidConfigError(`crashes[${i}].node`, `the originator (${originator}) cannot crash`)
    return { node, atMs: numberOption(`crashes[${i}].atMs`, c.atMs, 0) }
  })
}

function viewOption (field: string, value: unknown, maxPeers: number): ViewDifference | null {
  if (value === null) return null
  if (typeof value !== 'object') throw new InvalidConfigError(field, `must be { peers, fraction } or null, got ${shownValue(value)}`)
  const v = value as { peers?: unknown, fraction?: unknown }
  const peers = integerOption(`${field}.peers`, v.peers, { min: 0, max: Math.max(0, maxPeers) })
  const fraction = fractionOption(`${field}.fraction`, v.fraction)
  return { peers, fraction }
}
