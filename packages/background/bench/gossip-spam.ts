/**
 * Issue 15 item 6 (not a test): an unstaked outsider (a real libp2p node with the background gossipsub, not in the
 * staked set) publishes as fast as it can to one background router on loopback TCP: 5,000 valid envelopes, then
 * (on a fresh victim) 200 invalid ones. Prints what reached the application, the outsider's gossipsub score at the
 * victim and whether it was still in the victim's mesh, with the publish rate limit off (`Infinity`, as before) and
 * at its defaults. Also: the gossip ids of one envelope re-wrapped 128 ways.
 *
 * Run: `tsc -p tsconfig.bench.json && node dist-bench/bench/gossip-spam.js`.
 */
import { createHash } from 'node:crypto'
import type { GossipSub } from '@libp2p/gossipsub'
import { serviceUrlToMultiaddr } from '@pokt-p2p/transport'
import { createAny, encodeBackgroundMessage, encodePocketEnvelope } from '@pokt-p2p/types'
import { BACKGROUND_TOPIC, contentMessageId, type BackgroundInit } from '../src/index.js'
import { concat, varintField } from '../test/dht-wire.js'
import { envelope, makeRouter, startNode, stopNode, TEST_INIT } from '../test/helpers.js'
import type { Libp2p } from '@libp2p/interface'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
/** gossipsub's class: its factory's interface lacks the mesh and score getters */
type Gossip = GossipSub & { getMeshPeers: (topic: string) => string[], getScore: (peerId: string) => number }
const pubsubOf = (node: Libp2p): Gossip => node.services.pubsub as Gossip
let seed = 8000

async function attack (init: BackgroundInit, count: number, valid: boolean): Promise<string[]> {
  const victim = await startNode(seed++, init)
  const router = makeRouter(victim, [victim.peer], init)
  await router.start()
  const outsider = await startNode(seed++, init)
  const id = outsider.node.peerId.toString()
  let delivered = 0
  router.events.on('message', m => { if (m.from === outsider.peer.address) delivered++ })
  pubsubOf(outsider.node).subscribe(BACKGROUND_TOPIC)
  await outsider.node.dial(await serviceUrlToMultiaddr(victim.peer.serviceUrl))
  while (!pubsubOf(victim.node).getMeshPeers(BACKGROUND_TOPIC).includes(id)) await sleep(20)
  const t0 = performance.now()
  for (let i = 0; i < count; i++) {
    await pubsubOf(outsider.node).publish(BACKGROUND_TOPIC, encodeBackgroundMessage(valid ? envelope(`spam ${i}`) : Uint8Array.from([0x0a, 0x01, i & 0xff])))
  }
  const ms = performance.now() - t0
  await sleep(3000) // a few heartbeats (100 ms each) for scores and pruning to settle; a bench, not a test
  const row = [
    init.unstakedPublishRate === Infinity ? 'off (before)' : `${init.unstakedPublishRate ?? 10}/s, burst ${init.unstakedPublishBurst ?? 100}`,
    `${count} ${valid ? 'valid' : 'invalid'} at ${Math.round(count / ms * 1000)}/s`, String(delivered),
    String(victim.metrics.value('pokt_background_rate_limited_total')), pubsubOf(victim.node).getScore(id).toFixed(0),
    pubsubOf(victim.node).getMeshPeers(BACKGROUND_TOPIC).includes(id) ? 'yes' : 'no'
  ]
  await router.stop()
  await stopNode(outsider)
  await stopNode(victim)
  return row
}

const rows = [
  await attack({ ...TEST_INIT, unstakedPublishRate: Infinity }, 5000, true),
  await attack(TEST_INIT, 5000, true),
  await attack(TEST_INIT, 200, false)
]
const header = ['publish rate limit', 'outsider sent', 'delivered', 'rate-limited', 'its score at the victim', 'in the mesh']
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`)
for (const r of rows) console.log(`| ${r.join(' | ')} |`)

// one envelope, re-wrapped 128 ways (an unknown field with 128 values): gossip ids
const canonical = encodeBackgroundMessage(encodePocketEnvelope(createAny('type.googleapis.com/x', new Uint8Array([1, 2, 3])), 42n))
const ids = new Set<string>()
const rawIds = new Set<string>()
for (let i = 0; i < 128; i++) {
  const wrapped = concat([canonical, varintField(15, i)])
  ids.add(Buffer.from(contentMessageId(wrapped)).toString('hex'))
  rawIds.add(createHash('sha256').update(wrapped).digest('hex'))
}
console.log(`\none envelope re-wrapped 128 ways: ${rawIds.size} ids with sha256 of the data (before), ${ids.size} with 'content' ids`)
