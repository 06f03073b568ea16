/**
 * Connection set-up with libp2p's default noise crypto against the transport's `noiseCrypto` (benchmark, not a
 * test), side by side in one run: over the memory transport, one dialer opens and closes connections to one
 * listener, alternating the crypto round by round; each figure is the mean over both ends (all in this process).
 *
 * Run: `tsc -p tsconfig.bench.json && node dist-bench/bench/handshake.js` from packages/transport.
 */
import { cpus, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { identify } from '@libp2p/identify'
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import { testIdentity } from '@pokt-p2p/types'
import { createLibp2p, type Libp2p } from 'libp2p'
import { memoryMultiaddr, noiseCrypto, privateKeyOf } from '../src/index.js'

const ROUNDS = 10
const PER_ROUND = 20

let seed = 1
async function node (crypto: 'default' | 'noiseCrypto'): Promise<Libp2p> {
  const id = testIdentity(seed++)
  const n = await createLibp2p({
    privateKey: privateKeyOf(id),
    addresses: { listen: [memoryMultiaddr(id.address).toString()] },
    transports: [memory()],
    connectionEncrypters: [crypto === 'default' ? noise() : noise({ crypto: noiseCrypto })],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
    connectionMonitor: { enabled: false }
  })
  await n.start()
  return n
}

const results = { default: { wallMs: 0, cpuMs: 0, n: 0 }, noiseCrypto: { wallMs: 0, cpuMs: 0, n: 0 } }
const pairs = { default: [await node('default'), await node('default')], noiseCrypto: [await node('noiseCrypto'), await node('noiseCrypto')] }
for (let round = 0; round <= ROUNDS; round++) {
  for (const crypto of ['default', 'noiseCrypto'] as const) {
    const [a, b] = pairs[crypto] as [Libp2p, Libp2p]
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    for (let i = 0; i < PER_ROUND; i++) {
      await a.dial(b.getMultiaddrs())
      await a.hangUp(b.peerId)
    }
    const wall = performance.now() - t0
    const used = process.cpuUsage(cpu)
    // round 0 warms up (JIT, first connection)
    if (round === 0) continue
    results[crypto].wallMs += wall
    results[crypto].cpuMs += (used.user + used.system) / 1000
    results[crypto].n += PER_ROUND
  }
}
await Promise.all([...pairs.default, ...pairs.noiseCrypto].map(async n => { await n.stop() }))

console.log(`connection set-up over memory, ${ROUNDS} × ${PER_ROUND} connections each (dial, noise, yamux; then hang up)`)
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map(l => l.toFixed(1)).join(' ')}, Node ${process.version}`)
console.log('crypto        wall ms / connection   CPU ms / connection (both ends)')
for (const crypto of ['default', 'noiseCrypto'] as const) {
  const r = results[crypto]
  console.log(`${crypto.padEnd(13)} ${(r.wallMs / r.n).toFixed(2).padStart(20)}   ${(r.cpuMs / r.n).toFixed(2).padStart(20)}`)
}
console.log(`noiseCrypto ÷ default: CPU ${(results.noiseCrypto.cpuMs / results.default.cpuMs).toFixed(2)}×`)
