import { PeerManager, createPeer, testIdentity } from '@pokt-p2p/types'
import { forEachBroadcastTarget, maxNumLevels, simulateBroadcast } from '@pokt-p2p/raintree/core'

// the view of validator 1 among nine: itself at index 0, then the others in address order, wrapping
const peers = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(seed => createPeer(testIdentity(seed).publicKey))
const { view } = new PeerManager(peers[0]!.address, peers)

forEachBroadcastTarget(view.length, 'complete', maxNumLevels(view.length), (index, level, rangeSize) => {
  // a router sends RainTreeMessage{ level, data, range_size: rangeSize } to view.at(index)
  console.log(`view[${index}] = ${view.at(index)}: level ${level}, range ${rangeSize}`)
})

// no network at all: one broadcast among a million nodes with identical views
const { messages, reached, depth } = simulateBroadcast(1_000_000, 0, 'complete')
console.log({ messages, reached, depth })
