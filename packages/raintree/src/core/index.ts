/**
 * The pure RainTree core: no libp2p, no transport, no I/O. Given a view length, a level and a mode it says which
 * view indices get which message; a simulator drives it over global indices. Deterministic, synchronous, and
 * O(1)/O(log N) per message, so one shared sorted list can back a million simulated nodes. Its only import is a
 * type (`RainTreeMode`, from `@pokt-p2p/types`), erased at compile time: at run time it loads nothing.
 *
 * @packageDocumentation
 */
export type { RainTreeMode } from '@pokt-p2p/types'
export * from './levels.js'
export * from './plan.js'
export * from './simulate.js'
export * from './redundancy.js'
