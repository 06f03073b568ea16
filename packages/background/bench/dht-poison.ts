/**
 * Issue 15 item 2 (not a test): the event-loop cost to a background router of one kad-dht reply naming 10,000
 * made-up peers, from a real hostile DHT node on loopback TCP, with the reply limits off (`Infinity`: the old
 * behaviour) and at their defaults. Prints the longest event-loop stall (perf_hooks monitorEventLoopDelay), the
 * time until the loop was calm again, and what entered libp2p's peer store and the background peerstore.
 *
 * Run: `tsc -p tsconfig.bench.json && node dist-bench/bench/dht-poison.js [peers…]` (default 10000).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { DEFAULT_DHT_PROTOCOL, backgroundServices, type BackgroundInit } from '../src/index.js'
import { findNodeReply, hostileDht } from '../test/dht-wire.js'
import { makeRouter, startNode, stopNode, TEST_INIT } from '../test/helpers.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Waits until 20 ticks of 100 ms in a row were each late by under 50 ms (or `capMs` passed); returns when calm began. */
async function calm (capMs: number): Promise<number> {
  const t0 = performance.now()
  let onTime = 0
  let calmSince = t0
  while (onTime < 20 && performance.now() - t0 < capMs) {
    const before = performance.now()
    await sleep(100)
    if (performance.now() - before < 150) {
      if (onTime++ === 0) calmSince = before
    } else {
      onTime = 0
    }
  }
  return calmSince - t0
}

async function run (peers: number, limits: boolean): Promise<string[]> {
  const init: BackgroundInit = limits ? TEST_INIT : { ...TEST_INIT, dhtMaxReplyBytes: Infinity, dhtMaxReplyPeers: Infinity }
  const reply = findNodeReply(peers)
  const hostile = await hostileDht(9001, DEFAULT_DHT_PROTOCOL, reply)
  const victim = await startNode(9002, init, { ...backgroundServices(init) })
  const router = makeRouter(victim, [hostile.peer], init)
  const histogram = monitorEventLoopDelay({ resolution: 10 })
  await router.start()
  while (hostile.answered === 0) await sleep(10)
  histogram.enable()
  const calmAfter = await calm(300_000)
  histogram.disable()
  const row = [
    String(peers), `${Math.round(reply.length / 1024)} KB`, limits ? 'defaults' : 'off (before)',
    `${Math.round(histogram.max / 1e6)} ms`, `${Math.round(calmAfter)} ms`,
    String((await victim.node.peerStore.all()).length), String(router.getPeerstore().size),
    String((victim.node.services.dht as { routingTable: { size: number } }).routingTable.size)
  ]
  await router.stop()
  await stopNode(victim)
  await hostile.stop()
  return row
}

const sizes = process.argv.slice(2).map(Number)
const rows: string[][] = []
for (const peers of sizes.length > 0 ? sizes : [10_000]) {
  for (const limits of [true, false]) rows.push(await run(peers, limits))
}
const header = ['peers in reply', 'reply', 'reply limits', 'longest stall', 'loop calm after', 'libp2p peer store', 'background peerstore', 'routing table']
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`)
for (const r of rows) console.log(`| ${r.join(' | ')} |`)
