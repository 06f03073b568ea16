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
