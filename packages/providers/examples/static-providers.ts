import { createPeer, testIdentity } from '@pokt-p2p/types'
import { staticProviders } from '@pokt-p2p/providers'

const peers = [1, 2, 3].map(seed => createPeer(testIdentity(seed).publicKey, `node${seed}.consensus:42069`))
const otherPeers = peers.slice(0, 2)

const providers = staticProviders({
  height: 1n,         // @default 0n
  staked: peers,      // @default [] — or (height) => peers
  unstaked: []        // @default []
})({})                // components: logger (@default the `pokt:providers` debug logger), metrics (@default none)
providers.events.on('height', h => { console.log('new height', h) })
providers.setHeight(2n)                  // emits 2n (no event when the height is unchanged)
providers.setStaked(otherPeers)          // a duplicate address throws DuplicatePeerError and keeps the old set
const pstore = await providers.getStakedPeerstoreAtHeight(2n)
console.log(`${pstore.size} staked at height 2`)
