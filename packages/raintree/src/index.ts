/**
 * @packageDocumentation
 *
 * RainTree structured gossip among staked actors, in two layers:
 *
 * - a **pure core** (`@pokt-p2p/raintree/core`, also re-exported here): which view indices get which message at
 *   which level, in `reference` mode (bit-for-bit the Go implementation, including its float arithmetic) or
 *   `complete` mode (every node exactly once, N − 1 messages, depth ≤ ⌈log₃ N⌉), plus a simulator over one shared
 *   sorted list;
 * - a **router** built with {@link rainTree} (`rainTree(init)(components)`, a {@link RainTreeRouter}) implementing
 *   the `Router` contract of `@pokt-p2p/types` over any `MessageTransport`: libp2p unicast on
 *   `pokt/raintree/v1.0.0` from `@pokt-p2p/transport`, or the in-process network of `@pokt-p2p/testing`. It checks
 *   each inbound envelope once (`checkEnvelope`) and hands on its nonce and content; it logs under `pokt:raintree`
 *   and counts in an injected libp2p `Metrics` (`pokt_raintree_*`).
 *
 * @example
 * ```ts
 * import { MemoryMetrics, createAny, createPeer, encodePocketEnvelope, testIdentity } from '@pokt-p2p/types'
 * import { InProcessNetwork } from '@pokt-p2p/testing'
 * import { rainTree } from '@pokt-p2p/raintree'
 *
 * // four staked validators on an in-memory network; one metrics registry for all, as a Prometheus registry would be
 * const ids = [1, 2, 3, 4].map(testIdentity)
 * const peers = ids.map(id => createPeer(id.publicKey))
 * const net = new InProcessNetwork()
 * const metrics = new MemoryMetrics()
 * const routers = ids.map(id => rainTree({ mode: 'complete' })({
 *   selfAddress: id.address,
 *   transport: net.createTransport({ address: id.address, publicKey: id.publicKeyHex }),
 *   peers,
 *   metrics
 * }))
 * await Promise.all(routers.map(async router => { await router.start() }))
 * routers[1]!.events.on('message', ({ nonce, content, from }) => {
 *   console.log(`${content.typeUrl} #${nonce} from ${from}`) // the envelope, checked and decoded once by the router
 * })
 *
 * await routers[0]!.broadcast(encodePocketEnvelope(createAny('type.googleapis.com/demo.Hello'), 1n))
 * await net.idle() // every other node received it exactly once
 * console.log(`${metrics.value('pokt_raintree_delivered_total')} delivered, ${metrics.value('pokt_raintree_writes_total')} messages`)
 *
 * await Promise.all(routers.map(async router => { await router.stop() }))
 * ```
 */
export * from './core/index.js'
export * from './router.js'
export { RoundTripEstimator, type AckTimeoutInit } from './round-trip.js'
export {
  CLEANUP_DELAY_TIMEOUTS, DEFAULT_MAX_RETAINED_BYTES, resolveCleanup, type CleanupInit, type ResolvedCleanup
} from './cleanup.js'
export { resolveRedundancy, type RedundancyInit, type ResolvedRedundancy } from './redundancy.js'
export { RAINTREE_PROTOCOL_ID } from '@pokt-p2p/types'
