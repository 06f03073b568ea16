/**
 * @packageDocumentation
 *
 * Where a Pocket P2P node learns the current height and the staked validator set: the
 * {@link CurrentHeightProvider} and {@link PeerstoreProvider} implementations (in-memory, genesis file, and the
 * reference's HTTP RPC API), the RPC server side (so nodes of this project can bootstrap from each other without a
 * full Pocket node), and bootstrap from a `bootstrap_nodes_csv` list.
 *
 * Every RPC call has a per-request timeout (default 5 s, as the reference), bounded retries with backoff, a response
 * size limit and `AbortSignal` support; every failure is a typed error naming the URL (or file), entry and field.
 *
 * @example
 * ```ts
 * import { staticProviders, createRpcServer, bootstrap, loadGenesisFile } from '@pokt-p2p/providers'
 *
 * // serve a genesis validator set…
 * const genesis = await loadGenesisFile('./genesis.json')
 * const local = staticProviders({ height: genesis.height ?? 0n, staked: genesis.validators })
 * const server = createRpcServer({ heightProvider: local, peerstoreProvider: local })
 * await server.listen(50832, '0.0.0.0')
 *
 * // …and bootstrap another node from the first healthy one of a CSV list
 * const { url, height, peerstore } = await bootstrap('http://node1:50832,http://node2:50832')
 * ```
 */

export type { CurrentHeightProvider, PeerstoreProvider, CurrentHeightEvents } from '@pokt-p2p/types'
export * from './errors.js'
export { staticProviders, type StaticProviders, type StaticProvidersInit, type StakedPeers } from './static.js'
export {
  parseGenesis, parseGenesisText, loadGenesisFile, genesisFromPeers, writeGenesisFile, genesisPeerstoreProvider,
  type Genesis, type GenesisFileJson, type GenesisValidatorJson, type GenesisPeerstoreProvider, type GenesisPeerstoreProviderInit
} from './genesis.js'
export {
  DEFAULT_TIMEOUT_MS, DEFAULT_RETRIES, DEFAULT_RETRY_DELAY_MS, DEFAULT_MAX_RESPONSE_BYTES, type RpcClientOptions
} from './http.js'
export {
  RPC_PATHS, checkHealth, parseHeightResponse, parseAddressBookResponse, rpcCurrentHeightProvider, rpcPeerstoreProvider,
  type RpcProviderInit, type RpcCurrentHeightProvider, type RpcCurrentHeightProviderInit, type RpcPeerstoreProvider
} from './rpc.js'
export { ACTOR_TYPES, createRpcHandler, createRpcServer, type RpcHandlerInit, type RpcRequestHandler, type RpcServer } from './server.js'
export {
  DEFAULT_BOOTSTRAP_NODES_CSV, parseBootstrapNodes, bootstrap, type BootstrapOptions, type BootstrapResult
} from './bootstrap.js'
export { serviceUrlProblem, MAX_HEIGHT } from './validate.js'
