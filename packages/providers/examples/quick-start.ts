import { MemoryMetrics, createPeer, testIdentity } from '@pokt-p2p/types'
import { bootstrap, rpcServer, staticProviders } from '@pokt-p2p/providers'

// a node serving its height and staked set over the reference RPC API…
const peers = [1, 2, 3].map(seed => createPeer(testIdentity(seed).publicKey, `node${seed}:42069`))
const local = staticProviders({ height: 5n, staked: peers })()   // components: { logger?, metrics? }
const server = rpcServer({ port: 0 })({ heightProvider: local, peerstoreProvider: local })
await server.start()

// …and a node bootstrapping from the first healthy one of its `bootstrap_nodes_csv` (DEBUG=pokt:providers logs it)
const metrics = new MemoryMetrics()   // or libp2p's Prometheus metrics
const { url, height, peerstore } = await bootstrap(`http://127.0.0.1:1,${server.url}`, { retries: 0, metrics })
console.log(`bootstrapped from ${url}: height ${height}, ${peerstore.size} staked validators`)
console.log('RPC requests:', metrics.value('pokt_providers_rpc_requests_total', 'ok'), 'ok,',
  metrics.value('pokt_providers_rpc_requests_total', 'failed'), 'failed')

await server.stop()
