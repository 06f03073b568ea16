import { createPeer, testIdentity } from '@pokt-p2p/types'
import {
  checkHealth, rpcCurrentHeightProvider, rpcPeerstoreProvider, rpcServer, staticProviders
} from '@pokt-p2p/providers'

// a node to ask: this package's RPC server stands in for a Pocket node here (see the next section)
const peers = [1, 2, 3].map(seed => createPeer(testIdentity(seed).publicKey, `node${seed}:42069`))
const node = staticProviders({ height: 7n, staked: peers })()
const server = rpcServer()({ heightProvider: node, peerstoreProvider: node })
await server.start()

const options = {
  url: server.url,              // its base URL, e.g. 'http://127.0.0.1:50832'
  timeoutMs: 5000,              // @default 5000 — per request (connection, headers and body); each retry gets its own
  retries: 2,                   // @default 2 — after a connection error, a timeout, a 5xx or a 429 only
  retryDelayMs: 100,            // @default 100 — doubled before each further retry (up to 10 s)
  maxResponseBytes: 16 << 20    // @default 16 MiB — a larger body is abandoned
}
await checkHealth(options.url, options)                      // GET /v1/health, 2xx or a typed error

const chp = rpcCurrentHeightProvider({ ...options, pollIntervalMs: 10_000 })()   // @default no polling
chp.events.on('height', h => { console.log('height', h) })   // every observed change (polls and calls)
await chp.start()                                            // polling begins; the wait never keeps the process alive
const signal = AbortSignal.timeout(10_000)
const height = await chp.currentHeight({ signal })           // GET /v1/consensus/state
await chp.stop()                                             // polling ends

const psp = rpcPeerstoreProvider(options)()
// GET /v1/p2p/staked_actors_address_book?height=H&actor_type=validator
const pstore = await psp.getStakedPeerstoreAtHeight(height, { signal })
console.log(`${pstore.size} staked validators at height ${height}`)

await server.stop()
