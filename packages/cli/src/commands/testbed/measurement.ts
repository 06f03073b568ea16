import type {
  TestbedBroadcast, TestbedBroadcastRouter, TestbedRouter, TestbedRouterSummary
} from '../../report.js'
import { sumOf, type Exposition } from './prometheus.js'

/**
 * The metrics the test bed reads from each node's /metrics, and what each includes. Every figure of the report's
 * `messages` and `bytes` is a difference of these across one broadcast, summed over the nodes.
 */
export const TESTBED_METRICS = {
  /** RainTree data messages sent (resends included, ACKs not): `messages` of raintree */
  raintreeWrites: 'pokt_raintree_writes_total',
  /**
   * payload bytes of the unicast transport's messages by `direction`: `bytes` of raintree (`sent`). Every unicast
   * message counts (RainTree data and ACKs, and anything else sent meanwhile); TCP, noise and yamux overhead do not
   */
  transportBytes: 'pokt_transport_bytes_total',
  /** full message copies gossipsub put in its RPCs: `messages` of background */
  gossipMessages: 'gossipsub_rpc_sent_message_total',
  /** bytes of the gossipsub RPCs sent, control messages included (IHAVE/IWANT, GRAFT/PRUNE): `bytes` of background */
  gossipBytes: 'gossipsub_rpc_sent_bytes_total',
  /** RainTree's clean-up layer by `event` (`query_sent`, `have`, `want`, `repaired`, …): `cleanup` of raintree */
  cleanup: 'pokt_raintree_cleanup_total'
} as const

/**
 * The clean-up events that start or make a node's walk: a query sent or that could not be sent, or the message not
 * kept (no walk at all). Every node holding a message makes at least one of them, a few ACK timeouts after it got it.
 */
const WALK_EVENTS = ['query_sent', 'query_failed', 'not_retained'] as const

/** The counters that are one number per node. */
export type CounterKey = 'raintreeWrites' | 'transportSent' | 'gossipMessages' | 'gossipBytes'

/** One node's counters at one scrape. */
export interface Counters {
  raintreeWrites: number
  transportSent: number
  gossipMessages: number
  gossipBytes: number
  /** `pokt_raintree_cleanup_total` by its `event` label */
  cleanup: Record<string, number>
}

/** The counters the report uses, out of one exposition. */
export function countersOf (e: Exposition): Counters {
  return {
    raintreeWrites: sumOf(e, TESTBED_METRICS.raintreeWrites),
    transportSent: sumOf(e, TESTBED_METRICS.transportBytes, { direction: 'sent' }),
    gossipMessages: sumOf(e, TESTBED_METRICS.gossipMessages),
    gossipBytes: sumOf(e, TESTBED_METRICS.gossipBytes),
    cleanup: cleanupOf(e)
  }
}

function cleanupOf (e: Exposition): Record<string, number> {
  const by: Record<string, number> = {}
  for (const s of e.samples) {
    const event = s.labels.event
    if (s.name !== TESTBED_METRICS.cleanup || event === undefined || !Number.isFinite(s.value)) continue
    by[event] = (by[event] ?? 0) + s.value
  }
  return by
}

/** Σ over the nodes counted on both sides of max(0, after − before) of each clean-up event; only the events that moved. */
export function cleanupDelta (before: Map<string, Counters>, after: Map<string, Counters>): Record<string, number> {
  const total: Record<string, number> = {}
  for (const [name, a] of after) {
    const b = before.get(name)
    if (b === undefined) continue
    for (const [event, v] of Object.entries(a.cleanup)) {
      const d = Math.max(0, v - (b.cleanup[event] ?? 0))
      if (d > 0) total[event] = (total[event] ?? 0) + d
    }
  }
  return Object.fromEntries(Object.entries(total).sort(([x], [y]) => x < y ? -1 : x > y ? 1 : 0))
}

/**
 * The nodes counted on both sides that have made fewer clean-up walks between `before` and `after` than `expected`
 * says (one per RainTree message it holds from those broadcasts; see {@link WALK_EVENTS}): while any is left, the
 * broadcasts' clean-up traffic is not over.
 */
export function walksPending (before: Map<string, Counters>, after: Map<string, Counters>, expected: (name: string) => number): string[] {
  const walks = (c: Counters): number => WALK_EVENTS.reduce((s, e) => s + (c.cleanup[e] ?? 0), 0)
  const pending: string[] = []
  for (const [name, a] of after) {
    const b = before.get(name)
    if (b !== undefined && walks(a) - walks(b) < expected(name)) pending.push(name)
  }
  return pending
}

/** Σ over the nodes counted on both sides of max(0, after − before) of `key`; only node `only` if given. */
export function counterDelta (before: Map<string, Counters>, after: Map<string, Counters>, key: CounterKey, only?: string): number {
  let total = 0
  for (const [name, a] of after) {
    if (only !== undefined && name !== only) continue
    const b = before.get(name)
    if (b !== undefined) total += Math.max(0, a[key] - b[key])
  }
  return total
}

/** What the tracker needs to know of a node. */
export interface TrackedNode { name: string, staked: boolean }

/** A node's copies of one broadcast. */
interface NodeCopies {
  /** wall-clock ms of the first copy through each router (`received` or `duplicate`), by the node's clock */
  first: Partial<Record<TestbedRouter, number>>
  /**
   * when the test bed read that first copy's line, by its own clock: what decides whether a copy came before or
   * after the wait for it ended (the nodes' clocks may be a few ms apart: each process fixes its time origin at start)
   */
  firstSeen: Partial<Record<TestbedRouter, number>>
  /**
   * `received` events (application deliveries) by the node's process run (1, 2, … as it was restarted): a restarted
   * node's new process has none of its old one's messages, so getting one again is its first delivery, not a second
   */
  receivedByRun: Map<number, number>
  /** when the test bed read the first `received` line, by its own clock */
  receivedSeen: number | undefined
}

/**
 * One broadcast from its command to the end of the run: the originator's events, every node's copies, the nodes
 * that were away during its wait, and the counters before and after.
 */
export class BroadcastRecord {
  readonly id: string
  readonly router: 'both' | TestbedRouter
  readonly bytes: number
  /** the originator's `broadcasting.at` */
  startAt: number | undefined
  /** the originator's `broadcast.doneAt` */
  doneAt: number | undefined
  /** wall-clock ms the test bed stopped waiting for it */
  waitEndedAt: number | undefined
  timedOut = false
  readonly copies = new Map<string, NodeCopies>()
  readonly away = new Set<string>()
  readonly sendFailures: string[] = []
  before = new Map<string, Counters>()
  after = new Map<string, Counters>()

  constructor (id: string, router: 'both' | TestbedRouter, bytes: number) {
    this.id = id
    this.router = router
    this.bytes = bytes
  }

  /** The routers measured for it. */
  get routers (): TestbedRouter[] {
    return this.router === 'both' ? ['raintree', 'background'] : [this.router]
  }

  /**
   * Records a `received` or `duplicate` event of `node` for this broadcast.
   * @param at - the event's `at` (the node's clock)
   * @param seenAt - when the test bed read the line (its own clock)
   * @param run - which process of the node wrote it (1, then 2 after a restart, …)
   */
  copy (node: string, kind: 'received' | 'duplicate', router: unknown, at: unknown, seenAt: number, run = 1): void {
    const c: NodeCopies = this.copies.get(node) ?? { first: {}, firstSeen: {}, receivedByRun: new Map(), receivedSeen: undefined }
    this.copies.set(node, c)
    const when = typeof at === 'number' && Number.isFinite(at) ? at : seenAt
    if (kind === 'received') {
      c.receivedByRun.set(run, (c.receivedByRun.get(run) ?? 0) + 1)
      c.receivedSeen ??= seenAt
    }
    if (router === 'raintree' || router === 'background') {
      c.first[router] ??= when
      c.firstSeen[router] ??= seenAt
    }
  }

  /** Whether `node` has had a copy through `router`. */
  has (node: string, router: TestbedRouter): boolean {
    return this.copies.get(node)?.first[router] !== undefined
  }

  /** Whether `node` can get it through `router`: RainTree reaches the staked set only. */
  static eligible (node: TrackedNode, router: TestbedRouter): boolean {
    return router === 'background' || node.staked
  }

  /**
   * The nodes still awaited: eligible for a measured router, not the originator, present (`present(name)`) and
   * not away at any time since the broadcast started, without a copy through that router yet.
   */
  awaiting (nodes: TrackedNode[], originator: string, present: (name: string) => boolean): string[] {
    const waiting = new Set<string>()
    for (const n of nodes) {
      if (n.name === originator) continue
      if (!present(n.name)) this.away.add(n.name)
      if (this.away.has(n.name)) continue
      for (const r of this.routers) if (BroadcastRecord.eligible(n, r) && !this.has(n.name, r)) waiting.add(n.name)
    }
    return [...waiting]
  }

  /** The broadcast's report, once the run is over. `live(name)`: not killed at the end. */
  report (nodes: TrackedNode[], originator: string, live: (name: string) => boolean, runStart: number): TestbedBroadcast {
    const perRouter = (r: TestbedRouter): TestbedBroadcastRouter | null => {
      if (!this.routers.includes(r)) return null
      const eligible = nodes.filter(n => BroadcastRecord.eligible(n, r))
      const reachedNodes = eligible.filter(n => n.name === originator ? this.startAt !== undefined : this.has(n.name, r))
      const awaited = eligible.filter(n => n.name !== originator && !this.away.has(n.name) && live(n.name))
      let last = this.startAt
      let covered = this.startAt !== undefined
      for (const n of awaited) {
        const c = this.copies.get(n.name)
        const at = c?.first[r]
        const seen = c?.firstSeen[r]
        if (at === undefined || seen === undefined || (this.waitEndedAt !== undefined && seen > this.waitEndedAt)) { covered = false; break }
        last = Math.max(last ?? at, at)
      }
      // without counters on both sides (a broadcast of a stream), the stream's are the measure: see summarize
      const measured = this.before.size > 0 && this.after.size > 0
      const sum = (key: CounterKey, only?: string): number | null => measured ? counterDelta(this.before, this.after, key, only) : null
      return {
        reached: reachedNodes.length,
        liveReached: reachedNodes.filter(n => live(n.name)).length,
        eligibleLive: eligible.filter(n => live(n.name)).length,
        fullCoverageMs: covered && last !== undefined && this.startAt !== undefined ? round1(last - this.startAt) : null,
        messages: sum(r === 'raintree' ? 'raintreeWrites' : 'gossipMessages'),
        bytes: sum(r === 'raintree' ? 'transportSent' : 'gossipBytes'),
        originatorUploadBytes: sum(r === 'raintree' ? 'transportSent' : 'gossipBytes', originator),
        cleanup: r === 'raintree' && measured ? cleanupDelta(this.before, this.after) : null,
        missing: eligible.filter(n => n.name !== originator && live(n.name) && !this.has(n.name, r)).map(n => n.name)
      }
    }
    const eligibleAny = nodes.filter(n => n.name !== originator && live(n.name) && this.routers.some(r => BroadcastRecord.eligible(n, r)))
    // the most deliveries by one process of each node that had any
    const most = (name: string): number => Math.max(0, ...(this.copies.get(name)?.receivedByRun.values() ?? []))
    const missing = eligibleAny.filter(n => most(n.name) === 0).map(n => n.name)
    const late = [...this.copies].filter(([, c]) => c.receivedSeen !== undefined && this.waitEndedAt !== undefined && c.receivedSeen > this.waitEndedAt).map(([n]) => n)
    // an application delivered it twice: two `received` lines from one process (a restarted node's new process may
    // take again what its old one had)
    const twice = [...this.copies.keys()].filter(name => most(name) > 1)
    const scraped = new Set([...this.after.keys()].filter(n => this.before.has(n)))
    return {
      id: this.id,
      router: this.router,
      bytes: this.bytes,
      startMs: this.startAt === undefined ? 0 : round1(this.startAt - runStart),
      callMs: this.startAt !== undefined && this.doneAt !== undefined ? round1(this.doneAt - this.startAt) : null,
      raintree: perRouter('raintree'),
      background: perRouter('background'),
      away: sortNames([...this.away]),
      timedOut: this.timedOut,
      missing: sortNames(missing),
      late: sortNames(late),
      deliveredMoreThanOnce: sortNames(twice),
      deliveredOnce: eligibleAny.filter(n => most(n.name) === 1).length,
      sendFailures: [...this.sendFailures],
      // a broadcast of a stream has no counters of its own: nobody is left out of them
      unscraped: this.before.size === 0 ? [] : sortNames(nodes.filter(n => !scraped.has(n.name)).map(n => n.name))
    }
  }
}

/** Per router over its broadcasts (null when none went through it). */
export function summarize (broadcasts: TestbedBroadcast[], router: TestbedRouter, stream?: { before: Map<string, Counters>, after: Map<string, Counters>, originator: string }): TestbedRouterSummary | null {
  const xs = broadcasts.map(b => b[router]).filter((x): x is TestbedBroadcastRouter => x !== null)
  if (xs.length === 0) return null
  const covered = xs.map(x => x.fullCoverageMs).filter((v): v is number => v !== null).sort((a, b) => a - b)
  const [messagesKey, bytesKey] = router === 'raintree' ? ['raintreeWrites', 'transportSent'] as const : ['gossipMessages', 'gossipBytes'] as const
  // a stream's broadcasts overlap: the mean is the stream's counters over its broadcasts through this router
  const mean = (f: (x: TestbedBroadcastRouter) => number | null, key: CounterKey, only?: string): number => stream === undefined
    ? round1(xs.reduce((s, x) => s + (f(x) ?? 0), 0) / xs.length)
    : round1(counterDelta(stream.before, stream.after, key, only) / xs.length)
  return {
    broadcasts: xs.length,
    reached: Math.min(...xs.map(x => x.reached)),
    liveReached: Math.min(...xs.map(x => x.liveReached)),
    fullCoverageMs: covered.length === 0 ? null : median(covered),
    fullCoverageMsMax: covered.length === 0 ? null : covered[covered.length - 1] as number,
    fullyCovered: covered.length,
    messages: mean(x => x.messages, messagesKey),
    bytes: mean(x => x.bytes, bytesKey),
    originatorUploadBytes: mean(x => x.originatorUploadBytes, bytesKey, stream?.originator),
    cleanup: router === 'raintree' ? cleanupTotals(xs, stream) : null
  }
}

/** Σ per clean-up event over the broadcasts (a stream's: over the stream). */
function cleanupTotals (xs: TestbedBroadcastRouter[], stream?: { before: Map<string, Counters>, after: Map<string, Counters> }): Record<string, number> {
  if (stream !== undefined) return cleanupDelta(stream.before, stream.after)
  const total: Record<string, number> = {}
  for (const x of xs) for (const [event, v] of Object.entries(x.cleanup ?? {})) total[event] = (total[event] ?? 0) + v
  return total
}

function median (sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] as number : round1(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2)
}

function round1 (v: number): number {
  return Math.round(v * 10) / 10
}

/** val_2 before val_10, validators before full nodes. */
export function sortNames (names: string[]): string[] {
  const key = (n: string): [number, number] => {
    const m = /^(val|full)_(\d+)$/.exec(n)
    return m === null ? [2, 0] : [m[1] === 'val' ? 0 : 1, Number(m[2])]
  }
  return names.sort((a, b) => { const [x, i] = key(a); const [y, j] = key(b); return x - y || i - j || (a < b ? -1 : a > b ? 1 : 0) })
}

/**
 * `count` names out of `candidates`, picked by `seed` (the same seed picks the same nodes): sorted by a hash of
 * seed and name, the first `count`.
 */
export function pick (candidates: string[], count: number, seed: string, hash: (text: string) => string): string[] {
  return sortNames([...candidates].sort((a, b) => { const x = hash(`${seed}\0${a}`); const y = hash(`${seed}\0${b}`); return x < y ? -1 : x > y ? 1 : 0 }).slice(0, count))
}
