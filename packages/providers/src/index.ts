/**
 * @packageDocumentation
 *
 * Where a Pocket P2P node learns the current height and the staked validator set: the
 * {@link CurrentHeightProvider} and {@link PeerstoreProvider} implementations (in memory, genesis file, and the
 * reference's HTTP RPC API), the RPC server side (so nodes of this project can bootstrap from each other without a
 * full Pocket node), and bootstrap from a `bootstrap_nodes_csv` list.
 *
 * Every provider and the server are built as libp2p services are: `x(init)(components)`, where the components are
 * what it depends on plus an optional `logger` (namespace `pokt:providers`) and `metrics`
 * (`pokt_providers_rpc_requests_total{outcome}`, `pokt_providers_height`). The RPC server, and a height provider that
 * polls, are started and stopped. Operations (`bootstrap`, `checkHealth`, `loadGenesisFile`) take `logger` and
 * `metrics` in their options.
 *
 * Every RPC call has a per-request timeout (default 5 s, as the reference), bounded retries with backoff, a response
 * size limit and `AbortSignal` support; every failure is a typed error naming the URL (or file), entry and field, and
 * is logged.
 *
 * @example
 * ```ts
 * import { MemoryMetrics, createPeer, testIdentity } from '@pokt-p2p/types'
 * import { bootstrap, rpcServer, staticProviders } from '@pokt-p2p/providers'
 *
 * // a node serving its height and staked set over the reference RPC API…
 * const peers = [1, 2, 3].map(seed => createPeer(testIdentity(seed).publicKey, `node${seed}:42069`))
 * const local = staticProviders({ height: 5n, staked: peers })()   // components: { logger?, metrics? }
 * const server = rpcServer({ port: 0 })({ heightProvider: local, peerstoreProvider: local })
 * await server.start()
 *
 * // …and a node bootstrapping from the first healthy one of its `bootstrap_nodes_csv` (DEBUG=pokt:providers logs it)
 * const metrics = new MemoryMetrics()   // or libp2p's Prometheus metrics
 * const { url, height, peerstore } = await bootstrap(`http://127.0.0.1:1,${server.url}`, { retries: 0, metrics })
 * console.log(`bootstrapped from ${url}: height ${height}, ${peerstore.size} staked validators`)
 * console.log('RPC requests:', metrics.value('pokt_providers_rpc_requests_total', 'ok'), 'ok,',
 *   metrics.value('pokt_providers_rpc_requests_total', 'failed'), 'failed')
 *
 * await server.stop()
 * ```
 */

export type { CurrentHeightProvider, PeerstoreProvider, CurrentHeightEvents, BootstrapFailure } from '@pokt-p2p/types'
export * from './errors.js'
export { readRegularFile, readRegularTextFile, DEFAULT_MAX_FILE_BYTES, type ReadRegularFileOptions } from './file.js'
export { HEIGHT_METRIC, LOG_NAMESPACE, RPC_REQUESTS_METRIC, type ProviderComponents, type RpcRequestOutcome } from './components.js'
export { staticProviders, StaticProviders, type StaticProvidersInit, type StakedPeers } from './static.js'
export {
  MAX_GENESIS_FILE_BYTES, parseGenesis, parseGenesisText, loadGenesisFile, genesisFromPeers, writeGenesisFile, genesisPeerstoreProvider,
  GenesisPeerstoreProvider, type Genesis, type GenesisFileJson, type GenesisValidatorJson, type GenesisPeerstoreProviderInit,
  type LoadGenesisFileOptions, type GenesisFromPeersOptions, type WriteGenesisFileOptions
} from './genesis.js'
export {
  DEFAULT_TIMEOUT_MS, DEFAULT_RETRIES, DEFAULT_RETRY_DELAY_MS, DEFAULT_MAX_RESPONSE_BYTES, type RpcClientOptions
} from './http.js'
export {
  RPC_PATHS, checkHealth, parseHeightResponse, parseAddressBookResponse, rpcCurrentHeightProvider, rpcPeerstoreProvider,
  RpcCurrentHeightProvider, RpcPeerstoreProvider, type CheckHealthOptions, type RpcProviderInit, type RpcCurrentHeightProviderInit
} from './rpc.js'
export {
  ACTOR_TYPES, rpcHandler, rpcServer, RpcServer, type RpcHandlerInit, type RpcRequestHandler, type RpcServerComponents,
  type RpcServerInit
} from './server.js'
export {
  DEFAULT_BOOTSTRAP_NODES_CSV, parseBootstrapNodes, bootstrap, type BootstrapOptions, type BootstrapResult
} from './bootstrap.js'
export { serviceUrlProblem, MAX_HEIGHT } from './validate.js'
