/**
 * @packageDocumentation
 *
 * Test tools for the Pocket P2P packages and for the routers people write against `@pokt-p2p/types`:
 *
 * - {@link InProcessNetwork}: `MessageTransport`s connected in memory, for tests, examples, benchmarks and
 *   simulations, optionally with a one-way latency per link on any `Clock` (a simulator's virtual one included);
 * - `routerComplianceTests` (`@pokt-p2p/testing/compliance`): the contract suite every `Router` must pass (needs
 *   jest; the only module here that imports `@jest/globals`);
 * - {@link waitFor}, {@link testIdentities}, {@link captureLogs}: the waits, keys and log capture the packages'
 *   own tests share;
 * - {@link fuzzRuns}: how many inputs a fuzz test generates (its own small count in the test suite,
 *   `POKT_FUZZ_RUNS` in `npm run fuzz`).
 *
 * Production code never needs this package; only tests and examples do.
 *
 * @example
 * ```ts
 * import { createPeer, type Identity } from '@pokt-p2p/types'
 * import { InProcessNetwork, testIdentities, waitFor } from '@pokt-p2p/testing'
 *
 * // two nodes with the reference's test keys (sorted by address), connected in memory
 * const [alice, bob] = testIdentities(2) as [Identity, Identity]
 * const net = new InProcessNetwork()
 * const ta = net.createTransport({ address: alice.address, publicKey: alice.publicKeyHex })
 * const tb = net.createTransport({ address: bob.address, publicKey: bob.publicKeyHex })
 *
 * const got: string[] = []
 * tb.handle('/demo/1.0.0', (bytes, from) => { got.push(`${from.address} sent ${bytes.length} bytes`) })
 * await ta.sendTo(createPeer(bob.publicKey), '/demo/1.0.0', Uint8Array.of(1, 2, 3))
 * // delivery is asynchronous, as on a network: wait for the condition, never for a fixed time
 * await waitFor(() => got.length === 1, { what: 'the message at bob' })
 * console.log(got[0])
 * console.log(net.stats)
 * ta.close()
 * tb.close()
 * ```
 */

export * from './in-process.js'
export * from './identities.js'
export * from './wait.js'
export * from './logs.js'
export * from './manual-clock.js'
export * from './reference-tables.js'
export * from './fuzz.js'
