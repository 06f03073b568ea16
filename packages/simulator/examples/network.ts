import { StakedSet } from '@pokt-p2p/types'
import { Engine, SimulatedNetwork, syntheticPeers } from '@pokt-p2p/simulator'

// the parts simulate() is made of: an engine (virtual time), and a network of transports on modelled links
const engine = new Engine()
const peers = syntheticPeers(3)
const net = new SimulatedNetwork(engine, { peers: StakedSet.from(peers), latency: 20, uploadMbps: 100 })

net.transport(1).handle('/demo/1', (bytes, from) => {
  console.log(`t = ${engine.now.toFixed(2)} ms: ${bytes.length} bytes from node ${net.indexOf(from)}`)
})
net.kill(2)

// 4 MiB take 335.54 ms to leave a 100 Mbit/s uplink, then 20 ms to arrive; sends share the uplink in turn
const block = new Uint8Array(4 * 1024 * 1024)
const sends = [
  net.transport(0).sendTo(peers[1]!, '/demo/1', block).then(() => console.log(`t = ${engine.now.toFixed(2)} ms: the first block has left`)),
  net.transport(0).sendTo(peers[1]!, '/demo/1', block),
  net.transport(0).sendTo(peers[2]!, '/demo/1', Uint8Array.of(1)).catch((err: Error) => console.log(`t = ${engine.now} ms: ${err.name}`))
]
await engine.run()
await Promise.all(sends)
console.log(`node 0 sent ${net.writes[0]} messages, ${net.uploadBytes[0]} bytes; ${net.totals.failedSends} send failed`)
