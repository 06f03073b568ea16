import { createServer } from 'node:http'
import { createPeer, testIdentity } from '@pokt-p2p/types'
import { createRpcHandler, createRpcServer, staticProviders } from '@pokt-p2p/providers'

const peers = [1, 2, 3].map(seed => createPeer(testIdentity(seed).publicKey, `node${seed}:42069`))
const local = staticProviders({ height: 1n, staked: peers })
const server = createRpcServer({
  heightProvider: local,
  peerstoreProvider: local,
  maxUrlLength: 2048   // @default 2048 — longer request targets get 414
})
const url = await server.listen()   // @default port 0 (any free port), host 127.0.0.1; resolves with the base URL
                                   // a node would listen(50832, '0.0.0.0')
const response = await fetch(`${url}/v1/consensus/state`)
console.log(response.status, await response.text())   // 200 {"height":1,"round":0,"step":0}
await server.close()                                 // also closes open connections; idempotent

// or mount the handler on your own node:http server, and listen as usual
const own = createServer(createRpcHandler({ heightProvider: local, peerstoreProvider: local }))
