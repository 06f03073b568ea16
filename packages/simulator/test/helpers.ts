import type { SimulationReport } from '../src/index.js'

/** The Go reference's per-node tables (one copy, in `@pokt-p2p/testing`). */
export { referenceTables as loadReferenceTables, type ReferenceTable } from '@pokt-p2p/testing'

/** The report without the figures measured on the host (what determinism compares). */
export function deterministicPart (report: SimulationReport): Omit<SimulationReport, 'wallMs' | 'peakRssBytes' | 'bytesPerIdleNode' | 'eventsPerSecond'> {
  const { wallMs: _w, peakRssBytes: _p, bytesPerIdleNode: _b, eventsPerSecond: _e, ...rest } = report
  return rest
}
