/**
 * The pure RainTree core: no libp2p, no transport, no I/O. Given a view length, a level and a mode it says which
 * view indices get which message; a simulator drives it over global indices. Deterministic, synchronous, and
 * O(1)/O(log N) per message, so one shared sorted list can back a million simulated nodes.
 *
 * @packageDocumentation
 */
export * from './levels.js'
export * from './plan.js'
export * from './simulate.js'
