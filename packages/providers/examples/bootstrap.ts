import { createPeer, testIdentity } from '@pokt-p2p/types'
import { bootstrap, parseBootstrapNodes, rpcServer, staticProviders } from '@pokt-p2p/providers'

console.log(parseBootstrapNodes(' http://a:50832 , https://b.example:443 ')) // ['http://a:50832', 'https://b.example:443']
console.log(parseBootstrapNodes('')) // the defaults: ['http://validator1:50832', 'http://validator-001-pocket:50832']

// two bootstrap nodes: the first is down, the second is this package's RPC server
const peers = [1, 2, 3].map(seed => createPeer(testIdentity(seed).publicKey, `node${seed}:42069`))
const staked = staticProviders({ height: 5n, staked: peers })()
const server = rpcServer()({ heightProvider: staked, peerstoreProvider: staked })
await server.start()
const bootstrapNodesCsv = `http://127.0.0.1:1,${server.url}`   // config.bootstrap_nodes_csv

const { url, height, peerstore } = await bootstrap(bootstrapNodesCsv, {
  timeoutMs: 2000, retries: 1,          // the RPC options above
  healthTimeoutMs: 1000,                // @default timeoutMs — the reference's health check had no timeout
  onNodeFailure: ({ target, attempts, error }) => { console.log('skipped', target, error.name, `after ${attempts} attempts`) },
  signal: AbortSignal.timeout(10_000)
  // logger, metrics: as every provider's components
})
console.log(`bootstrapped from ${url}: height ${height}, ${peerstore.size} staked validators`)

await server.stop()
