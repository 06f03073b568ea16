/**
 * Against the real stack: RainTree routers over libp2p nodes (noise, yamux, the framed stream protocol) on the
 * memory transport with emulated links of the same one-way latency as the simulation. The counts must be the same;
 * time cannot be, since real hops also cost CPU, so each node's first delivery is checked against the simulated one
 * as a lower bound (a link delivers no sooner than its latency), and the gap is printed (see the README for the
 * figures measured).
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { performance } from 'node:perf_hooks'
import { MemoryMetrics, createAny, createPeer, encodePocketEnvelope } from '@pokt-p2p/types'
import { testIdentities, waitFor } from '@pokt-p2p/testing'
import { createNode, memoryMultiaddr, messageTransport } from '@pokt-p2p/transport'
import { RAINTREE_METRICS, rainTree, type RainTreeRouter } from '@pokt-p2p/raintree'
import { PAYLOAD_TYPE_URL, simulate } from '../src/index.js'

const LATENCY_MS = 20
const started: Array<{ stop: () => void | Promise<void> }> = []
afterAll(async () => { await Promise.all(started.map(async node => { await node.stop() })) }, 60_000)

/** The second of two broadcasts (the first opens every connection and stream): each node's first delivery in ms. */
async function overLibp2p (n: number): Promise<{ firstMs: number[], writes: number }> {
  const ids = testIdentities(n, { first: 7000 + 1000 * n, sorted: true })
  const peers = ids.map(id => createPeer(id.publicKey))
  const metrics = ids.map(() => new MemoryMetrics())
  const routers: RainTreeRouter[] = []
  for (const [i, identity] of ids.entries()) {
    const node = await createNode({ identity, transport: 'memory', link: { latencyMs: LATENCY_MS }, allowLoopback: true })
    await node.start()
    started.push(node)
    const transport = messageTransport({ resolveAddresses: p => [memoryMultiaddr(p.address)] })({ node })
    routers.push(rainTree({ mode: 'complete' })({ selfAddress: identity.address, transport, peers, metrics: metrics[i] }))
  }
  await Promise.all(routers.map(async r => { await r.start() }))
  const delivered = routers.map(() => 0)
  const at = routers.map(() => 0)
  routers.forEach((r, i) => r.events.on('message', () => { delivered[i]!++; at[i] = performance.now() }))
  const payload = (nonce: bigint): Uint8Array => encodePocketEnvelope(createAny(PAYLOAD_TYPE_URL, new Uint8Array(1024)), nonce)

  await routers[0]!.broadcast(payload(1n))
  await waitFor(() => delivered.every((d, i) => i === 0 || d === 1), { what: 'the warm-up broadcast everywhere' })
  const writesBefore = metrics.reduce((s, m) => s + m.value(RAINTREE_METRICS.writes), 0)
  const t0 = performance.now()
  await routers[0]!.broadcast(payload(2n))
  await waitFor(() => delivered.every((d, i) => i === 0 || d === 2), { what: 'the measured broadcast everywhere' })
  const writes = metrics.reduce((s, m) => s + m.value(RAINTREE_METRICS.writes), 0) - writesBefore
  await Promise.all(routers.map(async r => { await r.stop() }))
  return { firstMs: at.map((t, i) => (i === 0 ? 0 : t - t0)), writes }
}

describe('the simulator and libp2p (memory transport, emulated links) agree', () => {
  it.each([27, 100])('N = %i, complete mode: the same messages; no node earlier than simulated', async (n) => {
    const sim = await simulate({ nodes: n, latency: LATENCY_MS, trace: true })
    const real = await overLibp2p(n)
    expect(real.writes).toBe(sim.dataMessages)
    const simMs = (sim.trace ?? []).map(r => r.firstMs as number)
    expect(simMs.every(t => t !== null)).toBe(true)
    // a link delivers L after the write at the earliest: every real delivery is at or after the simulated one
    // (1 ms for the rounding of timers)
    const early = real.firstMs.map((t, i) => ({ node: i, real: t, sim: simMs[i]! })).filter(x => x.real < x.sim - 1)
    expect(early).toEqual([])
    const gap = real.firstMs.map((t, i) => t - simMs[i]!).sort((a, b) => a - b)
    process.stdout.write(`N=${n}, ${LATENCY_MS} ms links: simulated p100 ${sim.coverageMs.p100} ms, real max ${Math.max(...real.firstMs).toFixed(1)} ms; ` +
      `real − simulated per node: median ${gap[gap.length >> 1]!.toFixed(1)} ms, max ${gap.at(-1)!.toFixed(1)} ms\n`)
  }, 300_000)
})
