import { createServer } from 'node:http'
import { createPeer, testIdentity } from '@pokt-p2p/types'
import { rpcHandler, rpcServer, staticProviders } from '@pokt-p2p/providers'

const peers = [1, 2, 3].map(seed => createPeer(testIdentity(seed).publicKey, `node${seed}:42069`))
const local = staticProviders({ height: 1n, staked: peers })()
const server = rpcServer({
  port: 0,             // @default 0 (any free port); a node listens on 50832
  host: '127.0.0.1',   // @default '127.0.0.1'; '0.0.0.0' for every interface
  maxUrlLength: 2048   // @default 2048 — longer request targets get 414
})({ heightProvider: local, peerstoreProvider: local })   // components (+ logger, metrics)
await server.start()   // listens; rejects when it cannot (e.g. EADDRINUSE)
const response = await fetch(`${server.url}/v1/consensus/state`)
console.log(response.status, await response.text())   // 200 {"height":1,"round":0,"step":0}
await server.stop()                                  // also closes open connections; idempotent

// or mount the handler on your own node:http server (and `.listen()` it as usual)
createServer(rpcHandler()({ heightProvider: local, peerstoreProvider: local }))
