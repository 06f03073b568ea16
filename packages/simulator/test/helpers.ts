import { readFileSync } from 'node:fs'
import type { SimulationReport } from '../src/index.js'

export interface ReferenceTable {
  nodes: number
  /** 1-based: val_1 is the smallest address */
  originator: number
  maxNumLevels: number
  totalMessages: number
  perNode: Array<{ index: number, reads: number, writes: number }>
}

/** The Go reference's per-node tables, kept as a fixture of `@pokt-p2p/raintree` (read from the repository). */
export function loadReferenceTables (): ReferenceTable[] {
  const url = new URL('../../raintree/test/fixtures/raintree-reference-tables.json', import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { tables: ReferenceTable[] }).tables
}

/** The report without the figures measured on the host (what determinism compares). */
export function deterministicPart (report: SimulationReport): Omit<SimulationReport, 'wallMs' | 'peakRssBytes' | 'bytesPerIdleNode' | 'eventsPerSecond'> {
  const { wallMs: _w, peakRssBytes: _p, bytesPerIdleNode: _b, eventsPerSecond: _e, ...rest } = report
  return rest
}
