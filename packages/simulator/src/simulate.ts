import { performance } from 'node:perf_hooks'
import {
  DROP_REASONS, StakedSet, createAny, encodePocketEnvelope, rainTreeFrameKind, type ComponentLogger, type DropReason, type Logger,
  type RainTreeMode
} from '@pokt-p2p/types'
import {
  RAINTREE_METRICS, RainTreeRouter, forEachBroadcastTarget, forEachRedundancyTarget, resolveRedundancy
} from '@pokt-p2p/raintree'
import { Engine } from './engine.js'
import { SimulationAbortedError } from './errors.js'
import { planFaults } from './faults.js'
import { SharedRouterMetrics } from './metrics.js'
import { DATA_CLASSES, NodeState, SimulatedNetwork, type MessageClassifier } from './network.js'
import { phantomPeer, syntheticPeers } from './nodes.js'
import { resolveOptions, type ResolvedSimulationOptions, type SimulationOptions } from './options.js'

/** Time to reach 50, 90, 99 and 100 % of the live nodes; `null` where that share was never reached. */
export interface Percentiles {
  /** half of the live nodes had the message */
  readonly p50: number | null
  /** 90 % */
  readonly p90: number | null
  /** 99 % */
  readonly p99: number | null
  /** all of them (`null` unless every live node was reached) */
  readonly p100: number | null
}

/** How a node ended a simulation. */
export type NodeOutcome = 'live' | 'dead' | 'crashed'

/** One node in a {@link SimulationReport.trace}. */
export interface TraceRow {
  /** the node's index (rank in address order) */
  readonly node: number
  /** its pocket address */
  readonly address: string
  /** when its application first had the message, in virtual ms (`null`: never) */
  readonly firstMs: number | null
  /** hops from the originator at that first delivery (`null`: never) */
  readonly hop: number | null
  /** messages it received */
  readonly reads: number
  /** messages it sent */
  readonly writes: number
  /** bytes it sent */
  readonly uploadBytes: number
  /** how it ended */
  readonly state: NodeOutcome
}

/**
 * The outcome of one simulated broadcast. Every field is deterministic (same options and seed ⇒ same value) except
 * the measurements of the host: `wallMs`, `eventsPerSecond`, `peakRssBytes` and `bytesPerIdleNode`.
 */
export interface SimulationReport {
  /** N */
  readonly nodes: number
  /** the node that broadcast */
  readonly originator: number
  /** the routers' RainTree mode */
  readonly mode: RainTreeMode
  /** the seed of every random draw */
  readonly seed: number
  /** nodes up at the end (not dead, not crashed), the originator included */
  readonly live: number
  /** nodes that had the message (their application saw it, or they crashed on receiving it), the originator included */
  readonly reached: number
  /** live nodes that had the message */
  readonly liveReached: number
  /**
   * data messages sent (sends that succeeded, lost ones included): the tree's, the repairs and the redundancy
   * layer's copies (`messagesByClass.redundancy`)
   */
  readonly dataMessages: number
  /**
   * control messages sent (any class other than `data` and `redundancy`: RainTree's ACKs and clean-up queries and
   * answers)
   */
  readonly controlMessages: number
  /** bytes of those control messages */
  readonly controlBytes: number
  /** bytes sent, by class (as `messagesByClass`) */
  readonly bytesByClass: Readonly<Record<string, number>>
  /**
   * messages sent, by class (`data`; `redundancy`, the originator's redundancy copies, when there are any; and the
   * classifier's other names)
   */
  readonly messagesByClass: Readonly<Record<string, number>>
  /** messages lost on the way (`loss`) */
  readonly lostMessages: number
  /** messages that reached a node that had crashed meanwhile, or were still leaving a sender that crashed */
  readonly undeliveredMessages: number
  /** sends that failed (to a dead, crashed or phantom peer) */
  readonly failedSends: number
  /** payloads the routers handed to their applications, every copy (`pokt_raintree_delivered_total`, all nodes) */
  readonly deliveries: number
  /**
   * complete-mode copies of a message a router already had (`pokt_raintree_duplicates_total`, all nodes): not
   * delivered again (a resend, or two senders covering one node when views differ); propagated only when the copy
   * held was a leaf's and this one brings a range
   */
  readonly duplicates: number
  /**
   * reference-mode copies a router had already propagated at their level from their sender
   * (`pokt_raintree_replays_total`, all nodes): delivered (also in `deliveries`), not propagated again
   */
  readonly replays: number
  /** messages the routers dropped, by reason (`pokt_raintree_dropped_total`, all nodes; e.g. `unknownSender` when views differ) */
  readonly dropped: Readonly<Record<DropReason, number>>
  /** bytes of all messages sent */
  readonly bytes: number
  /** largest hop count at which a node first had the message */
  readonly depth: number
  /** virtual ms from the broadcast until 50/90/99/100 % of the live nodes had it (the originator counts, at 0 ms) */
  readonly coverageMs: Percentiles
  /** the same in ticks: units of `tickMs`; `null` where coverage is null or `tickMs` is 0 */
  readonly ticks: Percentiles
  /** one tick: the mean one-way latency of the link model, in ms */
  readonly tickMs: number
  /** bytes the originator sent */
  readonly originatorUploadBytes: number
  /** bytes the busiest node sent */
  readonly maxUploadBytes: number
  /** the busiest node (the smallest index among equals) */
  readonly maxUploadNode: number
  /** virtual time of the last event processed, in ms */
  readonly virtualMs: number
  /** events the engine processed */
  readonly events: number
  /** events processed per second of wall time during the run, set-up excluded (measured) */
  readonly eventsPerSecond: number
  /** wall time of the whole simulation, set-up included, in ms (measured) */
  readonly wallMs: number
  /** the process's peak resident set size in bytes so far (measured) */
  readonly peakRssBytes: number
  /**
   * JavaScript heap per node that has a router, once every router is made and started and before the broadcast:
   * its router, transport and view (the shared staked set and per-node arrays are not in it). Measured when node
   * runs with `--expose-gc` (the heap is collected before each reading); `null` without it, where the heap's
   * garbage would make any figure meaningless.
   */
  readonly bytesPerIdleNode: number | null
  /** the options, with every default filled in */
  readonly options: ResolvedSimulationOptions
  /** one row per node, with `trace: true` */
  readonly trace?: readonly TraceRow[]
}

/** What {@link simulate} reports while it runs, through {@link SimulationContext.onProgress}. */
export interface SimulationProgress {
  /** `setup`: making and starting routers; `run`: the broadcast runs; `done`: finished */
  readonly phase: 'setup' | 'run' | 'done'
  /** N */
  readonly nodes: number
  /** routers made and started so far */
  readonly nodesCreated: number
  /** events processed so far */
  readonly events: number
  /** events waiting */
  readonly pending: number
  /** virtual time reached, in ms */
  readonly virtualMs: number
  /** wall time since the simulation began, in ms */
  readonly wallMs: number
}

/** How a simulation reports and is stopped: callbacks and host objects, as opposed to the plain-data options. */
export interface SimulationContext {
  /** called with progress at most every `progressIntervalMs` of wall time, and once per phase change */
  onProgress?: (progress: SimulationProgress) => void
  /**
   * Wall time between two progress reports, in ms.
   * @default 250
   */
  progressIntervalMs?: number
  /** stops the simulation: it rejects with a {@link SimulationAbortedError} (e.g. on Ctrl-C) */
  signal?: AbortSignal
  /**
   * The routers' logger.
   * @default a silent logger (a million routers logging every failed send would be the whole run)
   */
  logger?: ComponentLogger
  /**
   * What class each message is: `'data'` or `'redundancy'` for a data message, any other name for a control message.
   * @default RainTree's own: `rainTreeFrameKind` of `@pokt-p2p/types` (`'data'`, `'ack'`, `'igyw'`, `'have'`,
   *   `'want'`), and `'redundancy'` for the originator's redundancy copies
   */
  classify?: MessageClassifier
}

/** The type URL of the broadcast's payload. */
export const PAYLOAD_TYPE_URL = 'type.googleapis.com/pokt.simulator.Payload'

/** The nonce of the broadcast envelope. */
const NONCE = 1n

/** Routers made and started between two yields to the event loop (for abort and progress). */
const SETUP_CHUNK = 8192

const silentLog: Logger = Object.assign((): void => {}, {
  enabled: false,
  error: (): void => {},
  trace: (): void => {},
  newScope: (): Logger => silentLog
})

/** A logger that drops everything, shared by every router of a simulation. */
export const silentLogger: ComponentLogger = Object.freeze({ forComponent: (): Logger => silentLog })

function heapUsed (): number {
  (globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}

/**
 * Simulates one RainTree broadcast: `nodes` real `RainTreeRouter`s (from `@pokt-p2p/raintree`), each over a
 * {@link SimulatedTransport} and sharing one `StakedSet`, run by a deterministic discrete-event engine in virtual
 * time, with the link and fault model of `options`. The originator broadcasts a Pocket envelope of `payloadBytes`
 * at virtual time 0; the run ends when no event is left.
 *
 * @param options - the network, links and faults (plain data; only `nodes` is required)
 * @param context - progress, abort signal, logger and message classifier
 * @returns the report (deterministic but for the measured figures)
 * @throws {InvalidConfigError} for an invalid option (naming it)
 * @throws {SimulationAbortedError} when `context.signal` aborts
 */
export async function simulate (options: SimulationOptions, context: SimulationContext = {}): Promise<SimulationReport> {
  const wall0 = performance.now()
  const opts = resolveOptions(options)
  const { nodes: n, originator } = opts
  const signal = context.signal
  checkAborted(signal)
  const engine = new Engine()
  const interval = context.progressIntervalMs ?? 250
  let lastProgress = -Infinity
  const progress = (phase: SimulationProgress['phase'], nodesCreated: number, force: boolean): void => {
    const onProgress = context.onProgress
    if (onProgress === undefined) return
    const now = performance.now()
    if (!force && now - lastProgress < interval) return
    lastProgress = now
    onProgress({
      phase, nodes: n, nodesCreated, events: engine.processed, pending: engine.pending, virtualMs: engine.now, wallMs: now - wall0
    })
  }

  let classify: MessageClassifier = context.classify ?? rainTreeFrameKind

  // the nodes: one shared staked set, per-node state in typed arrays
  const peers = syntheticPeers(n)
  const set = StakedSet.from(peers)
  const faults = planFaults(opts)
  const firstMs = new Float64Array(n).fill(-1)
  const hop = new Int32Array(n).fill(-1)
  const record = (to: number, hops: number): void => {
    if (hop[to]! >= 0) return
    firstMs[to] = engine.now
    hop[to] = hops
  }
  // a node has the message when its router delivers it: observed through the routers' shared metrics
  let unattributed = 0
  const metrics = new SharedRouterMetrics(() => {
    const node = network.handlingNode
    if (node >= 0) record(node, network.handlingHop)
    else unattributed++
  })
  const network = new SimulatedNetwork(engine, {
    peers: set,
    latency: opts.latency,
    uploadMbps: opts.uploadMbps,
    downloadMbps: opts.downloadMbps,
    loss: opts.loss,
    seed: opts.seed,
    // the originator's redundancy copies are told apart once its router exists (see redundancyClassifier)
    classify: (bytes, protocol, from, to) => classify(bytes, protocol, from, to),
    hopOf: node => Math.max(0, hop[node]!)
  })
  for (const node of faults.dead) network.kill(node)
  for (const node of faults.crashAfterReceive) network.crashOnReceive(node)
  for (const { node, atMs } of opts.crashes) network.crashAt(node, atMs)

  // the routers, made and started in chunks (yielding for abort and progress)
  progress('setup', 0, true)
  const logger = context.logger ?? silentLogger
  const before = heapUsed()
  let created = 0
  let originatorRouter: RainTreeRouter | undefined
  for (let start = 0; start < n; start += SETUP_CHUNK) {
    const starting: Array<Promise<void>> = []
    for (let i = start; i < Math.min(n, start + SETUP_CHUNK); i++) {
      if (network.state[i] === NodeState.dead) continue
      // the router is kept alive by its transport, which holds its handler
      const transport = network.transport(i)
      const router = new RainTreeRouter({
        selfAddress: peers[i]!.address,
        transport,
        peers: viewOf(i, set, faults.viewMiss, faults.viewExtra, peers),
        clock: transport,
        logger,
        metrics
      }, { mode: opts.mode, ack: opts.ack, cleanup: opts.cleanup, redundancy: opts.redundancy })
      if (i === originator) originatorRouter = router
      starting.push(router.start())
      created++
    }
    await Promise.all(starting)
    checkAborted(signal)
    progress('setup', created, false)
  }
  if (context.classify === undefined && originatorRouter !== undefined) {
    classify = redundancyClassifier(originatorRouter, opts, network) ?? classify
  }
  const canCollect = typeof (globalThis as { gc?: unknown }).gc === 'function'
  const bytesPerIdleNode = !canCollect ? null : created === 0 ? 0 : Math.max(0, Math.round((heapUsed() - before) / created))

  // the broadcast, at virtual time 0
  firstMs[originator] = 0
  hop[originator] = 0
  const payload = encodePocketEnvelope(createAny(PAYLOAD_TYPE_URL, new Uint8Array(opts.payloadBytes)), NONCE)
  progress('run', created, true)
  const run0 = performance.now()
  void originatorRouter!.broadcast(payload).catch(() => {})
  await engine.run({
    ...(signal === undefined ? {} : { signal }),
    ...(opts.untilMs === null ? {} : { untilMs: opts.untilMs }),
    onProgress: () => { progress('run', created, false) }
  })
  const runMs = performance.now() - run0
  progress('done', created, true)

  if (unattributed > 0) throw new Error(`${unattributed} deliveries happened outside a handler: cannot tell which node had the message`)
  return report(opts, network, metrics, firstMs, hop, peers, {
    wallMs: performance.now() - wall0, runMs, bytesPerIdleNode
  })
}

/**
 * RainTree's classes, and `redundancy` for the originator's redundancy copies: the data messages it sends to the
 * targets its router picks for them (the same core planners, over its view), that carry level 0 and range 1 and ask
 * for no ACK (on the wire a copy is a leaf of the tree; the tree's own sends to those nodes, an adjusted range, a
 * repair, carry a larger range or a flag). Undefined when the originator sends no copies.
 */
function redundancyClassifier (
  router: RainTreeRouter, opts: ResolvedSimulationOptions, network: SimulatedNetwork
): MessageClassifier | undefined {
  const redundancy = resolveRedundancy(opts.redundancy)
  if (redundancy === undefined || router.mode !== 'complete') return undefined
  const view = router.view
  const tree: number[] = []
  forEachBroadcastTarget(view.length, router.mode, router.maxNumLevels, index => { tree.push(index) }, view.containsSelf)
  const copies = new Set<number>()
  forEachRedundancyTarget(view.length, tree, redundancy.maxCopies, index => {
    const node = network.indexOf({ address: view.at(index) })
    if (node >= 0) copies.add(node)
  }, view.containsSelf)
  if (copies.size === 0) return undefined
  const originator = opts.originator
  return (bytes, protocol, from, to) => {
    const kind = rainTreeFrameKind(bytes)
    // { level: 0, data, rangeSize: 1 } and no flag: the data field first (no level), range 1 last
    const copy = kind === 'data' && from === originator && copies.has(to) && bytes[0] === 0x12 &&
      bytes[bytes.length - 2] === 0x18 && bytes[bytes.length - 1] === 0x01
    return copy ? 'redundancy' : kind
  }
}

/** Throws a {@link SimulationAbortedError} (at virtual time 0: before the run) when `signal` has aborted. */
function checkAborted (signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new SimulationAbortedError(0, 0, { cause: signal.reason })
}

/** Node `node`'s view: the shared set, or a set derived from it that misses or adds a few peers. */
function viewOf (
  node: number, set: StakedSet, miss: ReadonlyMap<number, readonly number[]>, extra: ReadonlyMap<number, readonly number[]>,
  peers: ReadonlyArray<{ address: string }>
): StakedSet {
  let view = set
  const missing = miss.get(node)
  if (missing !== undefined) view = view.without(missing.map(i => peers[i]!.address))
  const phantoms = extra.get(node)
  if (phantoms !== undefined) view = view.with(phantoms.map(after => phantomPeer(after, node)))
  return view
}

function percentiles (sorted: Float64Array, live: number, scale: number): Percentiles {
  const at = (q: number): number | null => {
    const k = Math.max(1, Math.ceil(q * live - 1e-9))
    return live > 0 && k <= sorted.length ? sorted[k - 1]! / scale : null
  }
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p100: live > 0 && sorted.length >= live ? sorted[live - 1]! / scale : null }
}

function tickOf (coverage: Percentiles, tickMs: number): Percentiles {
  const t = (ms: number | null): number | null => ms === null || tickMs === 0 ? null : ms / tickMs
  return { p50: t(coverage.p50), p90: t(coverage.p90), p99: t(coverage.p99), p100: t(coverage.p100) }
}

function report (
  opts: ResolvedSimulationOptions, network: SimulatedNetwork, metrics: SharedRouterMetrics, firstMs: Float64Array,
  hop: Int32Array, peers: ReadonlyArray<{ readonly address: string }>,
  measured: { wallMs: number, runMs: number, bytesPerIdleNode: number | null }
): SimulationReport {
  const n = opts.nodes
  let live = 0
  let reached = 0
  let liveReached = 0
  let depth = 0
  let maxUploadBytes = 0
  let maxUploadNode = 0
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const up = network.isUp(i)
    const got = hop[i]! >= 0
    if (up) live++
    if (got) {
      reached++
      if (hop[i]! > depth) depth = hop[i]!
      if (up) {
        liveReached++
        times.push(firstMs[i]!)
      }
    }
    if (network.uploadBytes[i]! > maxUploadBytes) {
      maxUploadBytes = network.uploadBytes[i]!
      maxUploadNode = i
    }
  }
  const sorted = Float64Array.from(times).sort()
  const coverageMs = percentiles(sorted, live, 1)
  const tickMs = network.links.meanLatencyMs()
  const totals = network.totals
  const byClass = network.byClass.size === 0 ? new Map([['data', totals.messages]]) : network.byClass
  const messagesByClass: Record<string, number> = {}
  for (const [cls, count] of [...byClass].sort(([a], [b]) => a < b ? -1 : 1)) messagesByClass[cls] = count
  let dataMessages = 0
  for (const [cls, count] of byClass) if (DATA_CLASSES.has(cls)) dataMessages += count
  const bytesByClass: Record<string, number> = {}
  const classBytes = network.bytesByClass.size === 0 ? new Map([['data', totals.bytes]]) : network.bytesByClass
  let dataBytes = 0
  for (const [cls, b] of [...classBytes].sort(([a], [b]) => a < b ? -1 : 1)) {
    bytesByClass[cls] = b
    if (DATA_CLASSES.has(cls)) dataBytes += b
  }
  const engine = network.engine
  const result: SimulationReport = {
    nodes: n,
    originator: opts.originator,
    mode: opts.mode,
    seed: opts.seed,
    live,
    reached,
    liveReached,
    dataMessages,
    controlMessages: totals.messages - dataMessages,
    controlBytes: totals.bytes - dataBytes,
    bytesByClass,
    messagesByClass,
    lostMessages: totals.lost,
    undeliveredMessages: totals.undelivered,
    failedSends: totals.failedSends,
    deliveries: metrics.value(RAINTREE_METRICS.delivered),
    duplicates: metrics.value(RAINTREE_METRICS.duplicates),
    replays: metrics.value(RAINTREE_METRICS.replays),
    dropped: Object.fromEntries(DROP_REASONS.map(reason => [reason, metrics.value(RAINTREE_METRICS.dropped, reason)])) as Record<DropReason, number>,
    bytes: totals.bytes,
    depth,
    coverageMs,
    ticks: tickOf(coverageMs, tickMs),
    tickMs,
    originatorUploadBytes: network.uploadBytes[opts.originator]!,
    maxUploadBytes,
    maxUploadNode,
    virtualMs: engine.now,
    events: engine.processed,
    eventsPerSecond: measured.runMs > 0 ? Math.round(engine.processed / (measured.runMs / 1000)) : 0,
    wallMs: Math.round(measured.wallMs),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    bytesPerIdleNode: measured.bytesPerIdleNode,
    options: opts
  }
  if (!opts.trace) return result
  const trace: TraceRow[] = []
  for (let i = 0; i < n; i++) {
    const got = hop[i]! >= 0
    trace.push({
      node: i,
      address: peers[i]!.address,
      firstMs: got ? firstMs[i]! : null,
      hop: got ? hop[i]! : null,
      reads: network.reads[i]!,
      writes: network.writes[i]!,
      uploadBytes: network.uploadBytes[i]!,
      state: network.isUp(i) ? 'live' : network.state[i] === NodeState.dead ? 'dead' : 'crashed'
    })
  }
  return { ...result, trace }
}
