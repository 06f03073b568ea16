/**
 * @packageDocumentation
 *
 * Test tools for the Pocket P2P packages and for the routers people write against `@pokt-p2p/types`:
 *
 * - {@link InProcessNetwork}: `MessageTransport`s connected in memory, for tests, examples and benchmarks;
 * - `routerComplianceTests` (`@pokt-p2p/testing/compliance`): the contract suite every `Router` must pass (needs
 *   jest; the only module here that imports `@jest/globals`);
 * - {@link waitFor}, {@link testIdentities}, {@link captureLogs}: the waits, keys and log capture the packages'
 *   own tests share.
 *
 * Production code never needs this package; only tests and examples do.
 *
 * @example
 * ```ts
 * import { createPeer } from '@pokt-p2p/types'
 * import { InProcessNetwork, testIdentities, waitFor } from '@pokt-p2p/testing'
 *
 * const [a, b] = testIdentities(2)
 * const net = new InProcessNetwork()
 * const ta = net.createTransport({ address: a.address, publicKey: a.publicKeyHex })
 * const tb = net.createTransport({ address: b.address, publicKey: b.publicKeyHex })
 * const got: Uint8Array[] = []
 * tb.handle('demo/1', bytes => { got.push(bytes) })
 * await ta.sendTo(createPeer(b.publicKey), 'demo/1', new Uint8Array([1]))
 * await waitFor(() => got.length === 1, { what: 'the message' })
 * ```
 */

export * from './in-process.js'
export * from './identities.js'
export * from './wait.js'
export * from './logs.js'
