/**
 * @packageDocumentation
 *
 * The Pocket P2P module: a thin composer over `@pokt-p2p/transport` (one libp2p node), the staked-actor router
 * (`@pokt-p2p/raintree` by default), the router for every participant (`@pokt-p2p/background` by default) and the
 * providers (`@pokt-p2p/providers`). It wraps content in `PocketEnvelope`s with fresh nonces, de-duplicates what
 * the routers deliver with a bounded FIFO of nonces, and emits each message once on a typed event bus.
 * It re-exports `@pokt-p2p/types`, so most users need only this package.
 *
 * @example
 * ```ts
 * import { createP2P, anyOf } from '@pokt-p2p/p2p'
 * import { staticProviders } from '@pokt-p2p/providers'
 *
 * const providers = staticProviders({ height: 1n, staked: genesisPeers })
 * const p2p = createP2P({
 *   config: { private_key: myKeyHex, port: 42069 },
 *   currentHeightProvider: providers,
 *   peerstoreProvider: providers
 * })
 * p2p.events.on('message', ({ content }) => { console.log(content.typeUrl) })
 * await p2p.start()
 * await p2p.broadcast(anyOf('pocket.DebugMessage', new Uint8Array([1, 2, 3])))
 * await p2p.stop()
 * ```
 */

export * from '@pokt-p2p/types'
export * from './config.js'
export * from './errors.js'
export * from './p2p.js'
