import { readFileSync } from 'node:fs'

/** One of the Go reference's RainTree test tables: N nodes, one broadcast, every node's reads and writes. */
export interface ReferenceTable {
  /** N */
  nodes: number
  /** the node that broadcasts, 1-based: val_1 is the smallest address */
  originator: number
  /** the reference's `maxNumLevels` for N */
  maxNumLevels: number
  /** messages sent in all */
  totalMessages: number
  /** per node (1-based index in address order): RainTree messages received and sent */
  perNode: Array<{ index: number, reads: number, writes: number }>
}

let tables: ReferenceTable[] | undefined

/**
 * The Go reference's per-node RainTree tables (`p2p/raintree` tests of `pokt-network/pocket`), the one copy every
 * package tests against: reference mode must reproduce them message for message.
 */
export function referenceTables (): ReferenceTable[] {
  tables ??= (JSON.parse(readFileSync(new URL('../fixtures/raintree-reference-tables.json', import.meta.url), 'utf8')) as { tables: ReferenceTable[] }).tables
  return tables
}
