import { REFERENCE_TABLES } from './reference-tables-data.js'

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
  /** per node: RainTree messages received and sent */
  perNode: Array<{
    /** 1-based index in address order */
    index: number
    /** messages received */
    reads: number
    /** messages sent */
    writes: number
  }>
}

/**
 * The Go reference's per-node RainTree tables (`p2p/raintree` tests of `pokt-network/pocket`), the one copy every
 * package tests against: reference mode must reproduce them message for message.
 */
export function referenceTables (): ReferenceTable[] {
  // a copy: a test may change what it was given
  return structuredClone(REFERENCE_TABLES) as ReferenceTable[]
}
