import { setMaxListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import type { MemoryMetrics, Router } from '@pokt-p2p/types'
import { NodeCrashedError } from './faults.js'
import { RainTreeRouter, maxNumLevels, simulateBroadcast } from '@pokt-p2p/raintree'
import type { LocalnetReport, NodeState, PerNodeReport } from '../../report.js'
import { STALL_MS, type LocalNetwork } from './network.js'
import type { LocalnetOptions } from './options.js'

/**
 * The metrics a localnet report reads from each node's {@link MemoryMetrics}, and the one it adds. Everything but
 * the last is registered by the packages themselves.
 */
export const LOCALNET_METRICS = {
  /** RainTree copies received (every copy; demotes excluded) */
  reads: 'pokt_raintree_reads_total',
  /** RainTree messages sent */
  writes: 'pokt_raintree_writes_total',
  /** unicast bytes by `direction` (`sent`, `received`) */
  transportBytes: 'pokt_transport_bytes_total',
  /** full message copies gossipsub sent in its RPCs */
  gossipMessages: 'gossipsub_rpc_sent_message_total',
  /** bytes of the gossipsub RPCs sent */
  gossipBytes: 'gossipsub_rpc_sent_bytes_total',
  /** messages the module delivered to the application, by router of the first copy */
  delivered: 'pokt_p2p_delivered_total',
  /** RainTree complete-mode copies of a message the router already had (neither delivered nor forwarded again) */
  duplicates: 'pokt_raintree_duplicates_total',
  /** RainTree data messages sent again to the same peer because no ACK came in time (also in the writes) */
  resends: 'pokt_raintree_resends_total',
  /**
   * histogram by `router`: seconds from the broadcast call to this node's first copy through that router (all
   * nodes share one clock, so localnet knows both ends)
   */
  delivery: 'pokt_localnet_delivery_seconds'
} as const

/** Buckets of the delivery histogram, in seconds: 1 ms to 10 s. */
const DELIVERY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** What the tracker uses of a node's delivery histogram (a libp2p `HistogramGroup` by router). */
interface DeliveryHistogram { observe: (values: Record<string, number>) => void }

/**
 * Which routers a tracked broadcast goes through: both (the P2P module's `broadcast`), or one router's own
 * `broadcast` (`pokt-p2p bench` times them apart on one network).
 */
export type BroadcastRoute = 'both' | 'raintree' | 'gossipsub'

/** How a {@link BroadcastTracker} wait ended. */
export type SettleOutcome = 'settled' | 'stalled'

/** A node's first RainTree copy: when (ms after the broadcast call) and from which node (index), if known. */
interface FirstCopy { at: number, from: number | null }

/**
 * Follows one broadcast through the routers' events: first receipts per node and router (into the report and
 * each node's delivery histogram), RainTree receipts and failed sends against what the simulator predicts, and
 * the gossip copies. Attach it before the broadcast ({@link BroadcastTracker.attach}), mark the broadcast
 * ({@link BroadcastTracker.broadcasting}), then {@link BroadcastTracker.settled}.
 */
export class BroadcastTracker {
  /** first RainTree copy of each node */
  readonly firstRainTree: Array<FirstCopy | undefined>
  /** ms from the broadcast call to each node's first gossip copy */
  readonly firstBackground: Array<number | undefined>
  /** RainTree sends that failed, described for the log (not the sends a crashed node's transport refused) */
  readonly sendErrors: string[] = []
  /** times each node's application `message` listener fired for the tracked broadcast */
  readonly applicationDeliveries: number[]
  readonly #opts: LocalnetOptions
  readonly #net: LocalNetwork
  readonly #origin: number
  /** RainTree messages the pure simulator predicts for this broadcast */
  readonly #expected: number
  readonly #histograms: DeliveryHistogram[]
  readonly #listening = new AbortController()
  /** RainTree messages that ended: received (`message`) or refused (`drop`) by the receiver, or `send:failed` */
  #rainTreeEnded = 0
  #gossiped = 0
  readonly #route: BroadcastRoute
  #t0: number | undefined
  /** the tracked broadcast's payload, when known: only its deliveries are counted */
  #payload: Buffer | undefined
  #onActivity: () => void = () => {}
  /** figures before the broadcast (mesh upkeep and connection set-up are not the broadcast's) */
  #before = { gossipMessages: 0, gossipBytes: 0, transportBytes: 0, originGossipBytes: 0, originTransportBytes: 0, reads: [] as number[], writes: [] as number[], duplicates: [] as number[], resends: [] as number[] }

  /**
   * @param opts - the run's options
   * @param net - the network (its nodes' metrics get the delivery histogram)
   * @param route - the routers the broadcast goes through (the run waits for those only)
   */
  constructor (opts: LocalnetOptions, net: LocalNetwork, route: BroadcastRoute = 'both') {
    this.#opts = opts
    this.#route = route
    this.#net = net
    this.#origin = opts.originator - 1
    this.#expected = simulateBroadcast(opts.nodes, this.#origin, opts.mode).messages
    this.firstRainTree = new Array(opts.nodes).fill(undefined)
    this.firstBackground = new Array(opts.nodes).fill(undefined)
    this.applicationDeliveries = new Array(opts.nodes).fill(0)
    this.#histograms = net.metrics.map(m => m.registerHistogramGroup(LOCALNET_METRICS.delivery, {
      label: 'router', buckets: DELIVERY_BUCKETS, help: 'seconds from the broadcast call to the first copy, by router'
    }))
  }

  /**
   * Listens to every node's routers (their generic `Router` events: nothing router-specific is needed) and to its
   * application's `message` events.
   */
  attach (): void {
    const signal = this.#listening.signal
    // five listeners per node
    setMaxListeners(Infinity, signal)
    this.#net.modules.forEach((m, i) => {
      m.events.on('message', ({ content }) => {
        if (this.#t0 === undefined) return
        if (this.#payload !== undefined && !this.#payload.equals(content.value)) return
        this.applicationDeliveries[i] = (this.applicationDeliveries[i] ?? 0) + 1
      }, { signal })
      const staked: Router | undefined = m.routers.staked
      const unstaked: Router | undefined = m.routers.unstaked
      staked?.events.on('message', msg => {
        this.#rainTreeEnded++
        if (this.#t0 !== undefined && this.firstRainTree[i] === undefined) {
          const at = performance.now() - this.#t0
          this.firstRainTree[i] = { at, from: msg.from === undefined ? null : this.#net.indexOf.get(msg.from) ?? null }
          this.#histograms[i]?.observe({ [msg.router]: at / 1000 })
        }
        this.#onActivity()
      }, { signal })
      staked?.events.on('drop', () => {
        this.#rainTreeEnded++
        this.#onActivity()
      }, { signal })
      staked?.events.on('send:failed', e => {
        this.#rainTreeEnded++
        // what a crashed node would have forwarded: nothing left it (LocalnetFaults counts these)
        if (e.error.name === NodeCrashedError.NAME) {
          this.#onActivity()
          return
        }
        // RainTree adds the level of the message to the generic event
        const level = 'level' in e && typeof e.level === 'number' ? ` (level ${e.level})` : ''
        this.sendErrors.push(`val_${i + 1} → val_${(this.#net.indexOf.get(e.to) ?? -2) + 1}${level}: ${e.error.name}: ${e.error.message}`)
        this.#onActivity()
      }, { signal })
      unstaked?.events.on('message', msg => {
        if (this.#t0 !== undefined && this.firstBackground[i] === undefined) {
          const at = performance.now() - this.#t0
          this.firstBackground[i] = at
          this.#gossiped++
          this.#histograms[i]?.observe({ [msg.router]: at / 1000 })
        }
        this.#onActivity()
      }, { signal })
    })
  }

  /** Stops listening to the routers (a broadcast that was refused will not settle). */
  detach (): void {
    this.#listening.abort()
  }

  /**
   * Marks the broadcast call: times are measured from here, and traffic counted from here.
   * @param payload - the broadcast's content bytes: application deliveries of anything else (a late copy of the
   * warm-up) are not counted; without it, every delivery from here on is
   */
  broadcasting (payload?: Uint8Array): void {
    this.#payload = payload === undefined ? undefined : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
    const origin = this.#net.metrics[this.#origin] as MemoryMetrics
    this.#before = {
      gossipMessages: this.#sum(LOCALNET_METRICS.gossipMessages),
      gossipBytes: this.#sum(LOCALNET_METRICS.gossipBytes),
      transportBytes: this.#sum(LOCALNET_METRICS.transportBytes, 'sent'),
      originGossipBytes: origin.value(LOCALNET_METRICS.gossipBytes),
      originTransportBytes: origin.value(LOCALNET_METRICS.transportBytes, 'sent'),
      reads: this.#net.metrics.map(m => m.value(LOCALNET_METRICS.reads)),
      writes: this.#net.metrics.map(m => m.value(LOCALNET_METRICS.writes)),
      duplicates: this.#net.metrics.map(m => m.value(LOCALNET_METRICS.duplicates)),
      resends: this.#net.metrics.map(m => m.value(LOCALNET_METRICS.resends))
    }
    this.#t0 = performance.now()
  }

  /**
   * Whether the broadcast is over: every RainTree message the simulator predicts ended (received or dropped at the
   * receiver, or failed at the sender), and every node but the originator has the gossip copy. With faults
   * (`--dead`, `--crash-after-receive`) the prediction does not hold (a dead head's range is handed on, a crashed
   * node forwards nothing and clean-up repairs its range): it is over when every live node has a copy through the
   * routers the broadcast goes through. A dead node is never waited for.
   */
  isSettled (): boolean {
    const faults = this.#net.faults
    if (faults.any) {
      const has = (first: ReadonlyArray<unknown>): boolean => first.every((f, i) => f !== undefined || i === this.#origin || !faults.isLive(i))
      return (this.#route === 'gossipsub' || has(this.firstRainTree)) &&
        (!this.#opts.background || this.#route === 'raintree' || has(this.firstBackground))
    }
    const gossiped = !this.#opts.background || this.#route === 'raintree' || this.#gossiped >= this.#opts.nodes - 1
    return (this.#route === 'gossipsub' || this.#rainTreeEnded >= this.#expected) && gossiped
  }

  /**
   * Bytes the originator sent since the broadcast call through `router`: its unicast transport's (RainTree), or
   * its gossipsub RPCs' (control messages of that time included).
   */
  originatorUploadBytes (router: 'raintree' | 'gossipsub'): number {
    const origin = this.#net.metrics[this.#origin] as MemoryMetrics
    return router === 'raintree'
      ? origin.value(LOCALNET_METRICS.transportBytes, 'sent') - this.#before.originTransportBytes
      : origin.value(LOCALNET_METRICS.gossipBytes) - this.#before.originGossipBytes
  }

  /**
   * Resolves once the broadcast {@link BroadcastTracker.isSettled is settled} and no router event came for
   * `--quiet-ms` (a timer each event restarts), or with `stalled` after STALL_MS without any event (a live node
   * that no copy reaches, with faults). Rejects with
   * the signal's reason when it aborts. Stops listening either way.
   */
  async settled (signal: AbortSignal): Promise<SettleOutcome> {
    let quiet: ReturnType<typeof setTimeout> | undefined
    let stall: ReturnType<typeof setTimeout> | undefined
    try {
      return await new Promise<SettleOutcome>((resolve, reject) => {
        signal.throwIfAborted()
        const activity = (): void => {
          clearTimeout(stall)
          clearTimeout(quiet)
          stall = setTimeout(() => { resolve('stalled') }, STALL_MS)
          if (this.isSettled()) quiet = setTimeout(() => { resolve('settled') }, this.#opts.quietMs)
        }
        this.#onActivity = activity
        signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true, signal: this.#listening.signal })
        activity()
      })
    } finally {
      this.#listening.abort()
      this.#onActivity = () => {}
      clearTimeout(quiet)
      clearTimeout(stall)
    }
  }

  /**
   * The RainTree layers the originator's router runs (every node gets the same options), read from the router itself:
   * the options say only what was asked.
   */
  #layers (): { ack: boolean, cleanup: boolean } {
    const staked = this.#net.modules[this.#origin]?.routers.staked
    if (staked instanceof RainTreeRouter) return staked.layers
    return { ack: this.#opts.ack === true, cleanup: this.#opts.cleanup === true }
  }

  /** Sum over the nodes of `name` (for `label`, or over all labels). */
  #sum (name: string, label?: string): number {
    return this.#net.metrics.reduce((s, m) => s + m.value(name, label), 0)
  }

  /**
   * The report, from each node's metrics (reads, writes, bytes, gossip copies, deliveries) and the first receipts
   * this tracker saw.
   * @param setupMs - ms from the start of the run to the broadcast
   */
  report (setupMs: number): LocalnetReport {
    const opts = this.#opts
    const origin = this.#origin
    const metrics = this.#net.metrics
    const hops: Array<number | null> = new Array(opts.nodes).fill(null)
    hops[origin] = 0
    const hopOf = (i: number, guard = 0): number | null => {
      if (hops[i] !== null) return hops[i] as number
      const first = this.firstRainTree[i]
      if (first === undefined || first.from === null || guard > opts.nodes) return null
      const parent = hopOf(first.from, guard + 1)
      hops[i] = parent === null ? null : parent + 1
      return hops[i] as number | null
    }
    const faults = this.#net.faults
    const stateOf = (i: number): NodeState => faults.dead.has(i) ? 'dead' : faults.crashed.has(i) ? 'crashed' : 'live'
    const delivered = this.applicationDeliveries
    const perNode: PerNodeReport[] = this.#net.peers.map((peer, i) => {
      const m = metrics[i] as MemoryMetrics
      const first = this.firstRainTree[i]
      return {
        index: i + 1,
        address: peer.address,
        reads: m.value(LOCALNET_METRICS.reads) - (this.#before.reads[i] ?? 0),
        writes: m.value(LOCALNET_METRICS.writes) - (this.#before.writes[i] ?? 0),
        hops: i === origin ? 0 : hopOf(i),
        firstReceiptMs: i === origin ? 0 : first === undefined ? null : round(first.at),
        from: i === origin || first === undefined || first.from === null ? null : first.from + 1,
        state: stateOf(i),
        delivered: delivered[i] ?? 0
      }
    })
    const isLive = (i: number): boolean => faults.isLive(i)
    const live = perNode.filter((_, i) => isLive(i)).length
    const reached = perNode.filter(n => n.hops !== null).length
    const liveReached = perNode.filter((n, i) => n.hops !== null && isLive(i)).length
    const rtTimes = perNode.flatMap((n, i) => i === origin || n.firstReceiptMs === null ? [] : [n.firstReceiptMs])
    const liveRtTimes = perNode.flatMap((n, i) => i === origin || n.firstReceiptMs === null || !isLive(i) ? [] : [n.firstReceiptMs])
    const bgTimes = this.firstBackground.flatMap(v => v === undefined ? [] : [v])
    const liveBgTimes = this.firstBackground.flatMap((v, i) => v === undefined || !isLive(i) ? [] : [v])
    const bgReached = this.firstBackground.filter((v, i) => v !== undefined || i === origin).length
    const bgLiveReached = this.firstBackground.filter((v, i) => (v !== undefined || i === origin) && isLive(i)).length
    const delta = (name: string, before: number[]): number => metrics.reduce((s, m, i) => s + m.value(name) - (before[i] ?? 0), 0)
    return {
      nodes: opts.nodes,
      originator: opts.originator,
      mode: opts.mode,
      transport: opts.transport,
      maxLevels: maxNumLevels(opts.nodes),
      payloadBytes: opts.payloadBytes,
      latencyMs: opts.latencyMs,
      bandwidthMbps: opts.bandwidthMbps,
      live,
      faults: faults.any
        ? {
            dead: [...faults.dead].sort((a, b) => a - b).map(i => i + 1),
            crashAfterReceive: [...faults.crashAfterReceive].sort((a, b) => a - b).map(i => i + 1),
            crashed: [...faults.crashed].sort((a, b) => a - b).map(i => i + 1),
            blockedSends: faults.blockedSends
          }
        : null,
      raintree: {
        // what the routers run, the defaults included (not what was asked: `--ack` omitted is the router's default)
        ack: this.#layers().ack,
        cleanup: this.#layers().cleanup,
        messages: perNode.reduce((s, n) => s + n.writes, 0),
        bytes: this.#sum(LOCALNET_METRICS.transportBytes, 'sent') - this.#before.transportBytes,
        reached,
        liveReached,
        depth: Math.max(0, ...perNode.map(n => n.hops ?? 0)),
        fullCoverageMs: liveReached === live ? round(Math.max(0, ...liveRtTimes)) : null,
        firstCopyMs: percentiles(rtTimes),
        duplicates: delta(LOCALNET_METRICS.duplicates, this.#before.duplicates),
        resends: delta(LOCALNET_METRICS.resends, this.#before.resends),
        perNode
      },
      background: opts.background
        ? {
            reached: bgReached,
            liveReached: bgLiveReached,
            fullCoverageMs: bgLiveReached === live ? round(Math.max(0, ...liveBgTimes)) : null,
            firstCopyMs: percentiles(bgTimes),
            messages: this.#sum(LOCALNET_METRICS.gossipMessages) - this.#before.gossipMessages,
            bytes: this.#sum(LOCALNET_METRICS.gossipBytes) - this.#before.gossipBytes
          }
        : null,
      delivered: {
        exactlyOnce: delivered.filter((d, i) => d === 1 && i !== origin).length,
        liveExactlyOnce: delivered.filter((d, i) => d === 1 && i !== origin && isLive(i)).length,
        duplicates: delivered.reduce((s, d) => s + Math.max(0, d - 1), 0)
      },
      setupMs: round(setupMs)
    }
  }
}

/** p50, p90 and max of first-copy times (nearest rank), or null when no node got a copy. */
export function percentiles (values: number[]): { p50: number, p90: number, max: number } | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number
  return { p50: round(rank(0.5)), p90: round(rank(0.9)), max: round(sorted[sorted.length - 1] as number) }
}

const round = (v: number): number => Math.round(v * 10) / 10
