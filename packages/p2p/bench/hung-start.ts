/**
 * How long `start()` takes with one hung validator in the staked set (a TCP listener that accepts and never
 * answers), and when RainTree can first receive, on one staked node with default options over loopback TCP.
 * Run: `cd packages/p2p && tsc -p tsconfig.bench.json && node dist-bench/bench/hung-start.js`.
 */
import { createServer, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { createPeer } from '@pokt-p2p/types'
import { staticProviders } from '@pokt-p2p/providers'
import { testIdentities } from '@pokt-p2p/testing'
import { createP2P } from '../src/index.js'

const sockets: Socket[] = []
const hung = createServer(s => { sockets.push(s) })
await new Promise<void>(resolve => hung.listen(0, '127.0.0.1', resolve))
const [a, h] = testIdentities(2)
if (a === undefined || h === undefined) throw new Error('identities')
const staked = [createPeer(a.publicKey, '127.0.0.1:0'), createPeer(h.publicKey, `127.0.0.1:${(hung.address() as { port: number }).port}`)]
const providers = staticProviders({ height: 1n, staked })()
const m = createP2P({ config: { private_key: a.privateKeyHex, hostname: '127.0.0.1', port: 0, allow_loopback: true }, currentHeightProvider: providers, peerstoreProvider: providers })
const t0 = performance.now()
const settled = m.events.once('router:started', { filter: ({ role }) => role === 'unstaked' }).then(() => performance.now() - t0)
await m.start()
const started = performance.now() - t0
const raintree = m.node?.getProtocols().some(p => p.includes('raintree')) === true
console.log(`start() resolved after ${(started / 1000).toFixed(2)} s; RainTree handler registered then: ${raintree}`)
console.log(`background bootstrap settled (router:started) after ${(await settled / 1000).toFixed(2)} s`)
await m.stop()
for (const s of sockets) s.destroy()
hung.close()
