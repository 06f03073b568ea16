/**
 * Issue 15 item 4 (not a test): what churning peers leave behind in a background router. K outsiders (fresh keys,
 * real libp2p nodes on loopback TCP, 4 at a time) each connect to one victim and leave, either without a word or
 * after one valid unicast message; the victim's `maxDiscoveredPeers` is unlimited or small. Prints the background
 * peerstore's size, libp2p's peer store size and the heap growth (after a forced GC) per churned peer.
 *
 * Run: `tsc -p tsconfig.bench.json && node --expose-gc dist-bench/bench/peerstore-churn.js [K]` (default 1000).
 */
import { BACKGROUND_PROTOCOL_ID, BACKGROUND_STREAM_PROTOCOL_ID, createNode, messageTransport, serviceUrlToMultiaddr } from '@pokt-p2p/transport'
import { encodeBackgroundMessage, testIdentity } from '@pokt-p2p/types'
import { envelope, makeRouter, startNode, stopNode, TEST_INIT } from '../test/helpers.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc')

function heap (): number {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}

let seed = 100_000

async function run (k: number, speaks: boolean, maxDiscoveredPeers: number): Promise<string[]> {
  const init = { ...TEST_INIT, maxDiscoveredPeers }
  const victim = await startNode(seed++, init)
  const router = makeRouter(victim, [], init)
  await router.start()
  const target = await serviceUrlToMultiaddr(victim.peer.serviceUrl)
  const before = heap()
  const t0 = performance.now()
  const one = async (): Promise<void> => {
    const node = await createNode({ identity: testIdentity(seed++), hostname: '127.0.0.1', port: 0, allowLoopback: true })
    await node.start()
    try {
      if (speaks) {
        const transport = messageTransport()({ node })
        await transport.sendTo(victim.peer, [BACKGROUND_STREAM_PROTOCOL_ID, BACKGROUND_PROTOCOL_ID], encodeBackgroundMessage(envelope('hi')))
        await transport.close()
      } else {
        await node.dial(target)
      }
    } finally {
      await node.stop()
    }
  }
  for (let i = 0; i < k; i += 4) await Promise.all(Array.from({ length: Math.min(4, k - i) }, one))
  // let the victim notice the closed connections before measuring
  while (victim.node.getConnections().length > 0) await new Promise(resolve => setTimeout(resolve, 50))
  const grown = heap() - before
  const row = [
    speaks ? 'one valid unicast' : 'connect, say nothing', maxDiscoveredPeers === Infinity ? 'unlimited' : String(maxDiscoveredPeers),
    String(k), String(router.getPeerstore().size), String((await victim.node.peerStore.all()).length),
    `${(grown / k / 1024).toFixed(1)} KB`, `${(grown * 10_000 / k / 1024 / 1024).toFixed(0)} MB`, `${Math.round(performance.now() - t0)} ms`
  ]
  await router.stop()
  await stopNode(victim)
  return row
}

const k = Number(process.argv[2] ?? 1000)
const rows = [
  await run(k, false, 4096),
  await run(k, true, Infinity),
  await run(k, true, Math.floor(k / 4))
]
const header = ['peers', 'maxDiscoveredPeers', 'churned', 'background peerstore', 'libp2p peer store', 'heap per peer', 'heap per 10,000', 'time']
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`)
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
