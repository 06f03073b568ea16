import { routerComplianceTests } from '@pokt-p2p/testing/compliance'
import { waitFor } from '@pokt-p2p/testing'
import { makeRouter, startNode, stopNode, type TestNode } from './helpers.js'
import type { BackgroundRouter } from '../src/index.js'

let nodes: TestNode[] = []
let routers: BackgroundRouter[] = []
let seed = 100

routerComplianceTests('background over libp2p TCP on loopback', {
  async setup (n) {
    nodes = []
    for (let i = 0; i < n; i++) nodes.push(await startNode(seed++))
    const peers = nodes.map(x => x.peer)
    routers = nodes.map(x => makeRouter(x, peers.filter(p => p.address !== x.peer.address)))
    await Promise.all(routers.map(async r => { await r.start() }))
    // every router sees every other one subscribed: floodPublish then reaches all of them directly
    await waitFor(() => routers.every(r => r.topicPeerCount() >= n - 1), { timeoutMs: 60_000, what: 'topic subscriptions' })
    return { routers, peers }
  },
  async teardown () {
    await Promise.all(routers.map(async r => { await r.stop() }))
    await Promise.all(nodes.map(stopNode))
    routers = []
    nodes = []
  },
  // generous: a loaded machine slows libp2p several times over (the test timeouts are multiples of it)
  deliveryTimeoutMs: 30_000
})
