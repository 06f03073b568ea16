/** The localnet report: its JSON shape (the `--json` contract) and its human rendering. */

export interface PerNodeReport {
  /** 1-based, in address order (val_i is the i-th smallest address) */
  index: number
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
}

export interface LocalnetReport {
  nodes: number
  originator: number
  mode: 'reference' | 'complete'
  transport: 'tcp' | 'memory'
  maxLevels: number
  payloadBytes: number
  raintree: {
    messages: number
    bytes: number
    reached: number
    depth: number
    fullCoverageMs: number | null
    perNode: PerNodeReport[]
  }
  background: { reached: number, fullCoverageMs: number | null, messages: number, bytes: number } | null
  /** the application-level view: nodes whose p2p module delivered the message exactly once */
  delivered: { exactlyOnce: number, duplicates: number }
  setupMs: number
}

const ms = (v: number | null): string => v === null ? '—' : `${v.toFixed(1)} ms`

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
      lines.push(`${indent}${last ? '└── ' : '├── '}val_${n.index}  hop ${n.hops ?? '?'}  ${ms(n.firstReceiptMs)}`)
      visit(n.index, indent + (last ? '    ' : '│   '))
    })
  }
  visit(report.originator, '')
  const unreached = report.raintree.perNode.filter(n => n.hops === null).map(n => `val_${n.index}`)
  if (unreached.length > 0) lines.push(`unreached by RainTree: ${unreached.join(', ')}`)
  return lines
}

export function renderReport (report: LocalnetReport): string {
  const r = report.raintree
  const out: string[] = []
  out.push(`Local network: ${report.nodes} staked nodes over ${report.transport}, RainTree ${report.mode} mode ` +
    `(maxLevels ${report.maxLevels}), broadcast of ${report.payloadBytes} bytes from val_${report.originator}` +
    ` — setup ${report.setupMs.toFixed(0)} ms`)
  out.push('')
  out.push('Propagation tree (first copies):')
  out.push(...renderTree(report).map(l => '  ' + l))
  out.push('')
  out.push('Per node:')
  out.push('  node     address                                    reads writes  hops  first copy')
  for (const n of r.perNode) {
    out.push(`  ${`val_${n.index}`.padEnd(8)} ${n.address}  ${String(n.reads).padStart(5)} ${String(n.writes).padStart(6)}  ${String(n.hops ?? '—').padStart(4)}  ${ms(n.firstReceiptMs)}`)
  }
  out.push('')
  out.push(`RainTree:   reached ${r.reached}/${report.nodes}, depth ${r.depth}, ${r.messages} messages, ${r.bytes} bytes, ` +
    `full coverage ${r.fullCoverageMs === null ? 'not reached' : ms(r.fullCoverageMs)}`)
  const b = report.background
  out.push(b === null
    ? 'Background: off'
    : `Background: reached ${b.reached}/${report.nodes}, ${b.messages} messages, ${b.bytes} bytes, ` +
      `full coverage ${b.fullCoverageMs === null ? 'not reached' : ms(b.fullCoverageMs)}`)
  out.push(`Delivered to the application: ${report.delivered.exactlyOnce}/${report.nodes - 1} nodes exactly once` +
    (report.delivered.duplicates > 0 ? `, ${report.delivered.duplicates} duplicates (a bug)` : ''))
  return out.join('\n')
}
