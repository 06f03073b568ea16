import { createPeer, generateIdentity, type Peer, type RainTreeMode } from '@pokt-p2p/types'
import { InProcessNetwork } from '@pokt-p2p/testing'
import { routerComplianceTests } from '@pokt-p2p/testing/compliance'
import { rainTree, type RainTreeRouter } from '../src/index.js'

for (const mode of ['complete', 'reference'] as RainTreeMode[]) {
  let routers: RainTreeRouter[] = []
  let net = new InProcessNetwork()
  routerComplianceTests(`raintree (${mode}) over the in-process network`, {
    async setup (n) {
      const ids = Array.from({ length: n }, () => generateIdentity())
      const peers: Peer[] = ids.map(id => createPeer(id.publicKey))
      net = new InProcessNetwork()
      routers = ids.map(id => rainTree({ mode })({
        selfAddress: id.address, transport: net.createTransport({ address: id.address, publicKey: id.publicKeyHex }), peers
      }))
      await Promise.all(routers.map(async r => { await r.start() }))
      return { routers, peers }
    },
    async teardown () {
      await Promise.all(routers.map(async r => { await r.stop() }))
      routers = []
    },
    async idle () { await net.idle() },
    // the reference's coverage holes start at N = 8; 6 nodes are fully covered in both modes
    nodes: 6
  })
}
