import { DATA_CLASSES } from './network.js'
import type { ResolvedSimulationOptions } from './options.js'
import type { Percentiles, SimulationReport } from './simulate.js'

function int (n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

function share (part: number, whole: number): string {
  return whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)} %`
}

function bytes (n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${n} B`
}

function ms (n: number | null): string {
  if (n === null) return '—'
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ms`
}

function ticks (n: number | null): string {
  return n === null ? '—' : (Number.isInteger(n) ? String(n) : n.toFixed(2))
}

function latency (o: ResolvedSimulationOptions): string {
  const l = o.latency
  if (l.kind === 'fixed') return `${l.ms} ms`
  if (l.kind === 'uniform') return `uniform ${l.minMs}–${l.maxMs} ms per link`
  return `${l.regions.length} regions (${l.regions.map(r => r.name).join(', ')})`
}

function mbps (n: number | null): string {
  return n === null ? 'unlimited' : `${n} Mbit/s`
}

function faults (o: ResolvedSimulationOptions): string {
  const parts: string[] = []
  if (typeof o.dead === 'number' ? o.dead > 0 : o.dead.length > 0) {
    parts.push(typeof o.dead === 'number' ? `${o.dead * 100} % dead` : `${o.dead.length} dead`)
  }
  if (o.crashes.length > 0) parts.push(`${o.crashes.length} crash${o.crashes.length === 1 ? '' : 'es'} at a time`)
  if (o.crashAfterReceive > 0) parts.push(`${o.crashAfterReceive * 100} % crash after receiving`)
  if (o.viewMiss !== null) parts.push(`${o.viewMiss.fraction * 100} % miss ${o.viewMiss.peers} peers`)
  if (o.viewExtra !== null) parts.push(`${o.viewExtra.fraction * 100} % hold ${o.viewExtra.peers} phantoms`)
  if (o.loss > 0) parts.push(`${o.loss * 100} % loss`)
  return parts.length === 0 ? 'none' : parts.join(', ')
}

function coverage (c: Percentiles, t: Percentiles): string {
  return (['p50', 'p90', 'p99', 'p100'] as const).map(p => `${p} ${ms(c[p])}${t[p] === null ? '' : ` (${ticks(t[p])} ticks)`}`).join(', ')
}

/**
 * A report as a readable two-column table (Markdown): the setting, then what the broadcast did, then what it cost
 * the host. The JSON of the report (`JSON.stringify(report)`) has every figure; this has the ones a reader looks for.
 */
export function formatReport (report: SimulationReport): string {
  const o = report.options
  const rows: Array<[string, string]> = [
    ['nodes', `${int(report.nodes)} (originator ${report.originator}, ${report.mode} mode, seed ${report.seed})`],
    ['links', `latency ${latency(o)}; upload ${mbps(o.uploadMbps)}, download ${mbps(o.downloadMbps)}; payload ${bytes(o.payloadBytes)}`],
    ['faults', faults(o)],
    ['layers', (o.ack === false ? 'ACK / adjust / resend off' : `ACK / adjust / resend on${o.ack === true ? '' : ` (${JSON.stringify(o.ack)})`}`) +
      (o.cleanup === false ? '; clean-up off' : `; clean-up on${o.cleanup === true ? '' : ` (${JSON.stringify(o.cleanup)})`}`) +
      (o.redundancy === false ? '; redundancy off' : `; redundancy on${o.redundancy === true ? '' : ` (${JSON.stringify(o.redundancy)})`}`)],
    ['live', `${int(report.live)} (${share(report.live, report.nodes)})`],
    ['reached', `${int(report.reached)} (${share(report.reached, report.nodes)})`],
    ['live reached', `${int(report.liveReached)} (${share(report.liveReached, report.live)} of live)`],
    ['messages', `${int(report.dataMessages)} data` +
      (report.messagesByClass.redundancy === undefined ? '' : ` (${int(report.messagesByClass.redundancy)} redundancy copies)`) +
      `, ${int(report.controlMessages)} control (${bytes(report.controlBytes)}` +
      `${Object.entries(report.messagesByClass).filter(([c]) => !DATA_CLASSES.has(c)).map(([c, k]) => `; ${int(k)} ${c}`).join('')})` +
      `; ${int(report.lostMessages)} lost, ${int(report.undeliveredMessages)} undelivered, ${int(report.failedSends)} failed sends`],
    ['bytes sent', `${bytes(report.bytes)}; originator ${bytes(report.originatorUploadBytes)}, busiest node ${bytes(report.maxUploadBytes)} (#${report.maxUploadNode})`],
    ['depth', `${report.depth} hops`],
    ['coverage of live', coverage(report.coverageMs, report.ticks)],
    ['tick', `${ms(report.tickMs)} (mean one-way latency)`],
    ['virtual time', `${ms(report.virtualMs)}, ${int(report.events)} events`],
    ['host', `${(report.wallMs / 1000).toFixed(1)} s wall, ${int(report.eventsPerSecond)} events/s, ` +
      `peak RSS ${bytes(report.peakRssBytes)}, ` +
      (report.bytesPerIdleNode === null ? 'per idle node: run node with --expose-gc' : `${int(report.bytesPerIdleNode)} B per idle node`)]
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  const valueWidth = Math.max(...rows.map(([, v]) => v.length))
  const line = (k: string, v: string): string => `| ${k.padEnd(width)} | ${v.padEnd(valueWidth)} |`
  return [
    line('figure', 'value'),
    `|${'-'.repeat(width + 2)}|${'-'.repeat(valueWidth + 2)}|`,
    ...rows.map(([k, v]) => line(k, v))
  ].join('\n')
}
