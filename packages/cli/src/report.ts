// The localnet report: its JSON shape (the `--json` contract) and its human rendering.
import type { ConnectionType, RainTreeMode } from '@pokt-p2p/types'

/** Distribution of first-copy times over the nodes a router reached (originator excluded), in ms. */
export interface FirstCopyTimes {
  /** median */
  p50: number
  /** 90th percentile (nearest rank) */
  p90: number
  /** the slowest node */
  max: number
}

/** How a node ended a localnet run: `live`, stopped before the broadcast (`dead`), or `crashed` after receiving it. */
export type NodeState = 'live' | 'dead' | 'crashed'

/** One node's line of the localnet report: its RainTree counts and how its first copy reached it. */
export interface PerNodeReport {
  /** 1-based, in address order (val_i is the i-th smallest address) */
  index: number
  /** the node's pocket address */
  address: string
  /** RainTree messages received over the network (every copy; demotes excluded) */
  reads: number
  /** RainTree messages sent */
  writes: number
  /** hops of the node's first RainTree copy (originator 0); null if never reached */
  hops: number | null
  /** ms from the broadcast call to the node's first RainTree copy; null if never reached */
  firstReceiptMs: number | null
  /** index of the node that sent the first copy (null for the originator and unreached nodes) */
  from: number | null
  /** how the node ended the run (`--dead`, `--crash-after-receive`) */
  state: NodeState
  /** times the node's application `message` listener got the broadcast (1 on every reached node but the originator) */
  delivered: number
}

/** What `pokt-p2p localnet` measured (printed as JSON with `--json`). */
export interface LocalnetReport {
  /** how many staked nodes ran */
  nodes: number
  /** 1-based index of the node that broadcast */
  originator: number
  /** RainTree targeting rules */
  mode: RainTreeMode
  /** libp2p transport between the nodes */
  transport: ConnectionType
  /** the reference's `maxNumLevels` for this many nodes */
  maxLevels: number
  /** size of the broadcast payload in bytes */
  payloadBytes: number
  /** one-way latency of every emulated link in ms (`--latency-ms`; 0: none) */
  latencyMs: number
  /** each node's emulated uplink in Mbit/s (`--bandwidth-mbps`); null: unlimited */
  bandwidthMbps: number | null
  /** nodes live at the end: neither dead nor crashed, the originator included (`nodes` without faults) */
  live: number
  /** the faults of the run (1-based node indices, ascending); null without `--dead` and `--crash-after-receive` */
  faults: {
    /** nodes stopped after set-up, before the warm-up and the measured broadcast */
    dead: number[]
    /** nodes chosen to crash as soon as the measured broadcast reached their RainTree router */
    crashAfterReceive: number[]
    /** those that did: they received it (and ACKed it), forwarded nothing and stopped */
    crashed: number[]
    /** sends the crashed nodes' routers tried after their crash (refused: nothing left them) */
    blockedSends: number
  } | null
  /** the RainTree broadcast */
  raintree: {
    /** whether the routers ran ACK / adjust / resend (`--ack`) */
    ack: boolean
    /** whether the routers ran the clean-up layer, IGYW (`--cleanup`) */
    cleanup: boolean
    /** RainTree messages sent, summed over the nodes */
    messages: number
    /** bytes the nodes' unicast transports wrote */
    bytes: number
    /** nodes that got the payload over RainTree, originator included (crashed nodes too: they received it) */
    reached: number
    /** live nodes that got the payload over RainTree, originator included (`reached` without faults) */
    liveReached: number
    /** largest hop count of a first copy */
    depth: number
    /**
     * ms from the broadcast call until the last live node had its first copy; null unless every live node was
     * reached (without faults: every node)
     */
    fullCoverageMs: number | null
    /** first-copy times over the nodes reached (originator excluded); null when none was */
    firstCopyMs: FirstCopyTimes | null
    /**
     * copies a router received of the message it already had (`pokt_raintree_duplicates_total`: a resend whose ACK
     * was late, a repair), summed over the nodes: not delivered again (forwarded only when the copy held was a leaf's
     * and this one brings a range)
     */
    duplicates: number
    /**
     * data messages sent again because no ACK came in time (`pokt_raintree_resends_total`), summed over the nodes:
     * the ACK layer at work (a late ACK on a busy machine, a lost message), not a fault. Included in `messages`:
     * messages − resends are the first copies (N − 1 in complete mode without faults)
     */
    resends: number
    /** per node, in address order */
    perNode: PerNodeReport[]
  }
  /** the same broadcast over the background router's gossip; null with `--background off` */
  background: {
    /** nodes that got the payload by gossip, originator included */
    reached: number
    /** live nodes that got the payload by gossip, originator included */
    liveReached: number
    /** ms from the broadcast call until the last live node had it; null unless every live node was reached */
    fullCoverageMs: number | null
    /** first-copy times over the nodes reached (originator excluded); null when none was */
    firstCopyMs: FirstCopyTimes | null
    /** gossipsub messages sent for it, summed over the nodes */
    messages: number
    /** bytes of the gossipsub RPCs sent for it */
    bytes: number
  } | null
  /**
   * the application-level view, counted on each node's `message` listener (the p2p module's event): nodes that got
   * the broadcast exactly once
   */
  delivered: {
    /** nodes (originator excluded) whose application got it exactly once, crashed ones included */
    exactlyOnce: number
    /** live nodes (originator excluded) whose application got it exactly once */
    liveExactlyOnce: number
    /** deliveries beyond the first, summed over the nodes (0 when de-duplication works) */
    duplicates: number
  }
  /** ms to start every node and let the gossip mesh form, before the broadcast */
  setupMs: number
}

const ms = (v: number | null): string => v === null ? '—' : `${v.toFixed(1)} ms`
const spread = (t: FirstCopyTimes | null): string => t === null ? '' : `; first copies p50 ${ms(t.p50)}, p90 ${ms(t.p90)}, max ${ms(t.max)}`

/** The propagation tree (first copies), like the diagrams in the reference's RainTree tests. */
export function renderTree (report: LocalnetReport): string[] {
  const children = new Map<number, PerNodeReport[]>()
  for (const n of report.raintree.perNode) {
    if (n.from === null) continue
    const list = children.get(n.from) ?? []
    list.push(n)
    children.set(n.from, list)
  }
  for (const list of children.values()) list.sort((a, b) => (a.firstReceiptMs ?? 0) - (b.firstReceiptMs ?? 0) || a.index - b.index)
  const lines: string[] = [`val_${report.originator} (originator)`]
  const visit = (index: number, indent: string): void => {
    const list = children.get(index) ?? []
    list.forEach((n, i) => {
      const last = i === list.length - 1
      lines.push(`${indent}${last ? '└── ' : '├── '}val_${n.index}  hop ${n.hops ?? '?'}  ${ms(n.firstReceiptMs)}${n.state === 'crashed' ? '  crashed' : ''}`)
      visit(n.index, indent + (last ? '    ' : '│   '))
    })
  }
  visit(report.originator, '')
  const unreached = report.raintree.perNode.filter(n => n.hops === null).map(n => `val_${n.index}${n.state === 'dead' ? ' (dead)' : ''}`)
  if (unreached.length > 0) lines.push(`unreached by RainTree: ${unreached.join(', ')}`)
  return lines
}

/** The emulated links of a report, as words (`''` without any). */
export function linkText (r: { latencyMs: number, bandwidthMbps: number | null }): string {
  if (r.latencyMs === 0 && r.bandwidthMbps === null) return ''
  return ` (emulated links: ${r.latencyMs} ms one way, ${r.bandwidthMbps === null ? 'unlimited' : `${r.bandwidthMbps} Mbit/s`} uplinks)`
}

/** The human-readable report: header, propagation tree, per-node table and totals. */
export function renderReport (report: LocalnetReport): string {
  const r = report.raintree
  const out: string[] = []
  out.push(`Local network: ${report.nodes} staked nodes over ${report.transport}${linkText(report)}, RainTree ${report.mode} mode ` +
    `(maxLevels ${report.maxLevels}), broadcast of ${report.payloadBytes} bytes from val_${report.originator}` +
    ` — setup ${report.setupMs.toFixed(0)} ms`)
  out.push('')
  out.push('Propagation tree (first copies):')
  out.push(...renderTree(report).map(l => '  ' + l))
  out.push('')
  out.push('Per node:')
  out.push('  node     address                                    reads writes  hops  first copy')
  for (const n of r.perNode) {
    out.push(`  ${`val_${n.index}`.padEnd(8)} ${n.address}  ${String(n.reads).padStart(5)} ${String(n.writes).padStart(6)}  ${String(n.hops ?? '—').padStart(4)}  ${ms(n.firstReceiptMs)}` +
      (n.state === 'live' ? '' : `  ${n.state}`))
  }
  out.push('  reads: RainTree copies the node received (every copy, as the reference tests count them; a target slot that')
  out.push('  falls on the node itself, a demote, is not a read). writes: RainTree messages it sent. hops: how far its first')
  out.push('  copy travelled from the originator. first copy: ms from the broadcast call to that copy.')
  out.push('')
  const f = report.faults
  if (f !== null) {
    const crashes = f.crashAfterReceive.length === 0
      ? ''
      : `, ${f.crashAfterReceive.length} to crash after receiving (${f.crashed.length} did; ${f.blockedSends} sends refused after their crash)`
    out.push(`Faults:     ${f.dead.length} dead before the broadcast${crashes}; ${report.live}/${report.nodes} nodes live at the end; ` +
      `RainTree ACK ${r.ack ? 'on' : 'off'}, clean-up ${r.cleanup ? 'on' : 'off'}`)
  }
  const liveText = (liveReached: number): string => f === null ? '' : ` (live: ${liveReached}/${report.live})`
  out.push(`RainTree:   reached ${r.reached}/${report.nodes}${liveText(r.liveReached)}, depth ${r.depth}, ${r.messages} messages, ${r.bytes} bytes, ` +
    `full coverage${f === null ? '' : ' of the live nodes'} ${r.fullCoverageMs === null ? 'not reached' : ms(r.fullCoverageMs)}${spread(r.firstCopyMs)}` +
    (r.resends > 0 ? `; ${r.resends} resent (no ACK in time)` : '') +
    (r.duplicates > 0 ? `; ${r.duplicates} duplicate copies (not delivered again)` : ''))
  const b = report.background
  out.push(b === null
    ? 'Background: off'
    : `Background: reached ${b.reached}/${report.nodes}${liveText(b.liveReached)}, ${b.messages} messages, ${b.bytes} bytes, ` +
      `full coverage ${b.fullCoverageMs === null ? 'not reached' : ms(b.fullCoverageMs)}${spread(b.firstCopyMs)}`)
  out.push(f === null
    ? `Delivered to the application: ${report.delivered.exactlyOnce}/${report.nodes - 1} nodes exactly once` +
      (report.delivered.duplicates > 0 ? `, ${report.delivered.duplicates} duplicates (a bug)` : '')
    : `Delivered to the application: ${report.delivered.liveExactlyOnce}/${report.live - 1} live nodes exactly once` +
      (f.crashed.length > 0 ? ` (and ${report.delivered.exactlyOnce - report.delivered.liveExactlyOnce} of the ${f.crashed.length} crashed nodes before they stopped)` : '') +
      (report.delivered.duplicates > 0 ? `, ${report.delivered.duplicates} duplicates (a bug)` : ''))
  out.push('')
  out.push(timingNote(report.nodes))
  return out.join('\n')
}

/** What the timings measure when every node runs in one process. */
export function timingNote (nodes: number): string {
  return `Timings: all ${nodes} nodes share this process and its one event loop, so latency is CPU-bound: every hop costs\n` +
    'noise decryption and encryption, protobuf coding and signature checks, run one after another on one core.'
}

// ---------------------------------------------------------------------------------------------------------------
// The test bed report (`pokt-p2p testbed`): its JSON shape (the `--json` contract) and its human rendering.

/** A router of the test bed's broadcasts. */
export type TestbedRouter = 'raintree' | 'background'

/**
 * One broadcast as one router carried it. Times come from the nodes' JSON lines (`at`: wall-clock epoch ms, one
 * clock on one machine); counts and bytes from their /metrics, scraped before the broadcast and once the network
 * is quiet after it (no new RainTree write nor gossip message between two scrapes), summed over the nodes scraped
 * both times (a node killed, frozen or cut off in between is left out, and named in `unscraped`).
 */
export interface TestbedBroadcastRouter {
  /** nodes that got a copy through this router, the originator included (also nodes killed later) */
  reached: number
  /** of them, nodes live at the end of the run */
  liveReached: number
  /** nodes this router serves (raintree: the validators; background: every node), live at the end */
  eligibleLive: number
  /**
   * ms from the originator's `broadcasting` event (`at`) to the first copy through this router at the last node it
   * awaited (every eligible node present for the whole broadcast); null when one of them had none within --timeout-ms
   */
  fullCoverageMs: number | null
  /**
   * raintree: Σ Δ `pokt_raintree_writes_total` (data messages and resends, ACKs not included);
   * background: Σ Δ `gossipsub_rpc_sent_message_total` (full message copies in gossipsub RPCs);
   * null for a broadcast of a stream (`--interval-ms`): their copies overlap, the router's summary has the stream's mean
   */
  messages: number | null
  /**
   * raintree: Σ Δ `pokt_transport_bytes_total{direction="sent"}`: payload bytes of every unicast message (RainTree
   * data and ACKs, and any other unicast the nodes sent meanwhile; no TCP/noise/yamux overhead);
   * background: Σ Δ `gossipsub_rpc_sent_bytes_total`: bytes of gossipsub RPCs, control messages (IHAVE/IWANT,
   * heartbeat GRAFT/PRUNE) included; null for a broadcast of a stream, as `messages`
   */
  bytes: number | null
  /** the originator's own Δ of the `bytes` metric; null for a broadcast of a stream, as `messages` */
  originatorUploadBytes: number | null
  /**
   * raintree: what the clean-up layer did, Σ Δ `pokt_raintree_cleanup_total{event}` by event, only the events that
   * moved (`query_sent`, `have`, `want`, `repaired`, `no_answer`, `query_failed`, `gave_up`, …; `{}`: nothing,
   * e.g. clean-up off); null for background and for a broadcast of a stream, as `messages`
   */
  cleanup: Record<string, number> | null
  /** eligible live nodes that never had a copy through this router, by name */
  missing: string[]
}

/** One measured broadcast. */
export interface TestbedBroadcast {
  /** the broadcast's id (its payload starts with it) */
  id: string
  /** how it was sent: the module's broadcast (`both`) or one router's own */
  router: 'both' | TestbedRouter
  /** payload bytes */
  bytes: number
  /** ms from the first measured broadcast's start to this one's start */
  startMs: number
  /** ms the originator's broadcast call took (`broadcast.doneAt − broadcasting.at`); null if it never returned */
  callMs: number | null
  /** what RainTree carried (null: not sent through it) */
  raintree: TestbedBroadcastRouter | null
  /** what the background router (gossipsub) carried (null: not sent through it) */
  background: TestbedBroadcastRouter | null
  /** nodes killed, frozen, cut off or restarting at some time during the broadcast's wait: not awaited */
  away: string[]
  /** the wait ended on --timeout-ms with awaited nodes still missing */
  timedOut: boolean
  /** live nodes (eligible for a router it went through) that never got it at all by the end of the run, by name */
  missing: string[]
  /** nodes that got it only after the wait for it ended (e.g. once healed), by name */
  late: string[]
  /**
   * nodes whose application got it more than once (`received` twice from one process: a de-duplication bug), by
   * name; a restarted node's new process taking again what its old one had is not counted
   */
  deliveredMoreThanOnce: string[]
  /** live nodes that got it exactly once */
  deliveredOnce: number
  /** send-failed events of the originator for it (their error texts) */
  sendFailures: string[]
  /** nodes whose metrics could not be read before and after (left out of messages and bytes) */
  unscraped: string[]
}

/** Per router, over the broadcasts that went through it. */
export interface TestbedRouterSummary {
  /** broadcasts through this router */
  broadcasts: number
  /** the fewest nodes a broadcast reached (originator included) */
  reached: number
  /** the fewest live nodes a broadcast reached */
  liveReached: number
  /** median fullCoverageMs over the broadcasts that covered every awaited node; null when none did */
  fullCoverageMs: number | null
  /** the slowest of them; null when none did */
  fullCoverageMsMax: number | null
  /** broadcasts that covered every awaited node */
  fullyCovered: number
  /**
   * mean messages per broadcast (with `--interval-ms`, a stream: the difference of the counters across the whole
   * stream, over its broadcasts through this router)
   */
  messages: number
  /** mean bytes per broadcast (likewise) */
  bytes: number
  /** mean originator upload per broadcast (likewise) */
  originatorUploadBytes: number
  /** raintree: Σ of the broadcasts' `cleanup` by event (a stream's: over the stream); null for background */
  cleanup: Record<string, number> | null
}

/** One fault applied, when and to whom. */
export interface TestbedFault {
  /**
   * what was done (kill = SIGKILL, kill-on-receive = SIGKILL of one node as its `received` line for the first measured
   * broadcast was read, stop = SIGSTOP, cont = SIGCONT, partition / heal = link down / up, restart = SIGKILL
   * before a restart, restarted = `started` again), or `exited`: a node's process ended by itself (or was ended from
   * outside the run) during the broadcasts; it then counts as killed
   */
  kind: 'kill' | 'stop' | 'cont' | 'partition' | 'heal' | 'restart' | 'restarted' | 'exited' | 'kill-on-receive'
  /** node names */
  nodes: string[]
  /** ms since the first measured broadcast started */
  atMs: number
  /** the broadcast under way (or the last one started) */
  during: string | null
}

/** One node of the test bed. */
export interface TestbedNodeReport {
  /** its name: val_N (validators, by address order) or full_N (unstaked) */
  name: string
  /** pocket address */
  address: string
  /** its host address on the bridge */
  host: string
  /** whether it is in the genesis' staked set (a validator) */
  staked: boolean
  /** `killed`: SIGKILLed and not restarted; else live */
  state: 'live' | 'killed'
  /** times its process was started (2 after a restart) */
  runs: number
  /** its output lines that were not JSON events or were too long */
  malformedLines: number
}

/** What `pokt-p2p testbed` measured (printed as JSON with `--json`). */
export interface TestbedReport {
  /** staked validators started */
  validators: number
  /** unstaked full nodes started (reached by the background router only) */
  unstaked: number
  /** nodes live at the end (not killed), validators and unstaked */
  live: number
  /** live validators */
  liveValidators: number
  /** per-node uplink in Mbit/s (tc tbf); null: unlimited */
  uplinkMbps: number | null
  /** payload bytes of each measured broadcast (--payload-bytes) */
  payloadBytes: number
  /** --router */
  router: 'both' | 'raintree' | 'background' | 'compare'
  /** the node every broadcast came from (val_1) */
  originator: string
  /** the seed of the keys and of the fault victims (--seed) */
  seed: string
  /**
   * the RainTree layers the nodes ran, as val_1's router reported them in its `started` line (after the router's
   * defaults: `--ack` and `--cleanup` when given); null when it did not say
   */
  raintreeLayers: {
    /** the ACK / adjust / resend layer */
    ack: boolean
    /** the clean-up layer, IGYW */
    cleanup: boolean
  } | null
  /** RainTree over its broadcasts; null when no broadcast went through it */
  raintree: TestbedRouterSummary | null
  /** the background router over its broadcasts; null when no broadcast went through it */
  background: TestbedRouterSummary | null
  /** every measured broadcast, in order */
  broadcasts: TestbedBroadcast[]
  /** every fault applied, in order */
  faults: TestbedFault[]
  /** every node, validators first */
  nodes: TestbedNodeReport[]
  /** every (broadcast, live eligible node) pair either delivered or named in a `missing` list: always true */
  accounted: boolean
  /** Σ missing over the broadcasts */
  missingTotal: number
  /** output lines of the nodes that were not JSON events (skipped) */
  malformedLines: number
  /** metric lines that did not parse (skipped) */
  malformedMetricLines: number
  /** ms to write the files, create the network, start every node and see it ready */
  setupMs: number
  /** how the run was measured, in words */
  notes: string[]
}

/** The test bed's readable summary. */
export function renderTestbedReport (r: TestbedReport): string {
  const out: string[] = []
  out.push(`Test bed: ${r.validators} validators + ${r.unstaked} unstaked nodes, one process and network namespace each, ` +
    `${r.uplinkMbps === null ? 'unlimited uplinks' : `${r.uplinkMbps} Mbit/s uplinks (tc tbf)`}, no emulated latency; ` +
    `${r.broadcasts.length} broadcast(s) of ${r.payloadBytes} bytes from ${r.originator} (--router ${r.router}) — setup ${(r.setupMs / 1000).toFixed(1)} s`)
  out.push(`Live at the end: ${r.live}/${r.validators + r.unstaked} nodes (${r.liveValidators}/${r.validators} validators)`)
  if (r.raintreeLayers !== null) out.push(`RainTree layers: ack ${r.raintreeLayers.ack ? 'on' : 'off'}, clean-up ${r.raintreeLayers.cleanup ? 'on' : 'off'}`)
  if (r.faults.length > 0) {
    out.push('Faults:')
    for (const f of r.faults) out.push(`  +${(f.atMs / 1000).toFixed(2)} s  ${f.kind.padEnd(9)} ${f.nodes.join(', ')}${f.during === null ? '' : `  (during ${f.during})`}`)
  }
  out.push('')
  out.push('  broadcast   start      router      reached  full coverage   messages       bytes   originator upload  missing')
  for (const b of r.broadcasts) {
    for (const [name, x] of [['raintree', b.raintree], ['background', b.background]] as const) {
      if (x === null) continue
      out.push(`  ${b.id.padEnd(10)}  ${`+${(b.startMs / 1000).toFixed(2)} s`.padEnd(9)}  ${name.padEnd(10)}  ${`${x.liveReached}/${x.eligibleLive}`.padStart(7)}  ${(x.fullCoverageMs === null ? 'not reached' : `${x.fullCoverageMs.toFixed(1)} ms`).padStart(13)}  ` +
        `${String(x.messages ?? '(stream)').padStart(9)}  ${String(x.bytes ?? '—').padStart(10)}  ${String(x.originatorUploadBytes ?? '—').padStart(18)}  ${x.missing.length === 0 ? '—' : x.missing.join(', ')}`)
    }
    const notes = [
      b.away.length > 0 ? `away: ${b.away.join(', ')}` : '',
      b.late.length > 0 ? `late: ${b.late.join(', ')}` : '',
      b.missing.length > 0 ? `never delivered: ${b.missing.join(', ')}` : '',
      b.deliveredMoreThanOnce.length > 0 ? `delivered more than once (a bug): ${b.deliveredMoreThanOnce.join(', ')}` : '',
      b.timedOut ? 'timed out' : '',
      Object.keys(b.raintree?.cleanup ?? {}).length > 0
        ? `clean-up: ${Object.entries(b.raintree?.cleanup ?? {}).map(([e, v]) => `${e} ${v}`).join(', ')}`
        : ''
    ].filter(t => t !== '')
    if (notes.length > 0) out.push(`  ${''.padEnd(21)}  ${notes.join('; ')}`)
  }
  out.push('')
  for (const [name, s] of [['RainTree', r.raintree], ['Background', r.background]] as const) {
    if (s === null) continue
    out.push(`${`${name}:`.padEnd(12)}${s.broadcasts} broadcast(s), ${s.fullyCovered} fully covered; full coverage median ` +
      `${s.fullCoverageMs === null ? '—' : `${s.fullCoverageMs.toFixed(1)} ms`} (max ${s.fullCoverageMsMax === null ? '—' : `${s.fullCoverageMsMax.toFixed(1)} ms`}); ` +
      `fewest reached ${s.liveReached} live; per broadcast ${Math.round(s.messages)} messages, ${Math.round(s.bytes)} bytes, originator upload ${Math.round(s.originatorUploadBytes)} bytes`)
  }
  out.push(`Accounted: every broadcast delivered to every live node or its missing nodes named (${r.missingTotal} missing in all)` +
    (r.malformedLines > 0 ? `; ${r.malformedLines} malformed output lines skipped` : '') +
    (r.malformedMetricLines > 0 ? `; ${r.malformedMetricLines} malformed metric lines skipped` : ''))
  out.push('')
  out.push(...r.notes)
  return out.join('\n')
}
