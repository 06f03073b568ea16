/**
 * Issue 15 item 1 (benchmark, not a test): a staked validator's sends to a node flooded with raw TCP sockets that
 * never start the handshake. 100 sockets from 10 loopback addresses (127.0.0.2 … 127.0.0.11, 10 each), each
 * re-opened as soon as it closes, run in a child process; the victim (one node on 127.0.0.1, default options) and
 * the validator are this process. Each round a fresh validator node (a new connection) sends one RainTree message;
 * the figure is the time from the send to the victim's handler, or the failure.
 *
 * Variants (the first argument): `before`, the transport as it was (`dist-before/`, a copy of the earlier build, or
 * the path given as the second argument); `after`, this build with the validator's IP reserved, as the p2p module
 * does for the staked set's service URLs.
 *
 * `--quiet` runs the same sends without the flood, for comparison.
 *
 * Run: `tsc -p tsconfig.bench.json && node dist-bench/bench/conn-flood.js after` from packages/transport.
 */
import { fork } from 'node:child_process'
import { connect, type Socket } from 'node:net'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { createPeer, testIdentity } from '@pokt-p2p/types'
import type { Libp2p } from 'libp2p'

const HOSTS = Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 2}`)
const PER_HOST = 10
const ROUNDS = 8
const SEND_TIMEOUT_MS = 15_000

type Transport = typeof import('../src/index.js')

if (process.argv[2] === 'flood') {
  flood(Number(process.argv[3]))
} else {
  const args = process.argv.slice(2).filter(a => a !== '--quiet')
  await run(args[0] ?? 'after', args[1], process.argv.includes('--quiet'))
}

function flood (port: number): void {
  let opened = 0
  let closed = 0
  const open = (localAddress: string): void => {
    const s: Socket = connect({ host: '127.0.0.1', port, localAddress })
    opened++
    s.on('error', () => {})
    s.on('close', () => {
      closed++
      setImmediate(() => { open(localAddress) })
    })
  }
  for (const host of HOSTS) for (let i = 0; i < PER_HOST; i++) open(host)
  setInterval(() => { process.send?.(`${opened} sockets opened, ${closed} closed by the victim`) }, 500)
}

async function run (variant: string, beforePath: string | undefined, quiet: boolean): Promise<void> {
  const t: Transport = variant === 'before'
    ? await import(beforePath ?? new URL('../../dist-before/index.js', import.meta.url).href) as Transport
    : await import('../src/index.js')
  const victimId = testIdentity(1)
  const node: Libp2p = await t.createNode({
    identity: victimId, hostname: '127.0.0.1', port: 0, ...(variant === 'before' ? {} : { reservedHost: (ip: string) => ip === '127.0.0.1' })
  })
  await node.start()
  const victim = t.messageTransport()({ node })
  const arrived = new Map<string, number>()
  victim.handle(t.RAINTREE_PROTOCOL_ID, (_bytes, from) => { arrived.set(from.address, performance.now()) })
  const victimPeer = createPeer(victimId.publicKey, t.multiaddrToServiceUrl(node.getMultiaddrs()[0]!))
  const port = Number(victimPeer.serviceUrl.split(':').pop())

  const child = quiet ? undefined : fork(fileURLToPath(import.meta.url), ['flood', String(port)], { stdio: 'inherit' })
  let floodState = quiet ? 'none (--quiet)' : '(no report)'
  child?.on('message', m => { floodState = String(m) })
  // let the flood take every slot it can
  await new Promise(resolve => setTimeout(resolve, 3_000))

  const results: Array<{ ms: number } | { error: string }> = []
  for (let round = 0; round < ROUNDS; round++) {
    const id = testIdentity(10 + round)
    const vnode = await t.createNode({ identity: id, hostname: '127.0.0.1', port: 0 })
    await vnode.start()
    const validator = t.messageTransport({ sendTimeoutMs: SEND_TIMEOUT_MS })({ node: vnode })
    const t0 = performance.now()
    try {
      await validator.sendTo(victimPeer, t.RAINTREE_PROTOCOL_ID, new Uint8Array([round]))
      while (!arrived.has(id.address) && performance.now() - t0 < SEND_TIMEOUT_MS) await new Promise(resolve => setTimeout(resolve, 1))
      results.push(arrived.has(id.address) ? { ms: arrived.get(id.address)! - t0 } : { error: 'sent, never arrived' })
    } catch (err) {
      results.push({ error: `${(err as Error).name} after ${(performance.now() - t0).toFixed(0)} ms: ${(err as Error).message.slice(0, 120)}` })
    }
    await validator.close()
    await vnode.stop()
  }
  child?.kill()
  const gate = (t as Partial<Transport>).inboundGateOf?.(node)

  console.log(`variant ${variant}${quiet ? ' --quiet (no flood)' : ''}: ${HOSTS.length * PER_HOST} silent sockets from ${HOSTS.length} addresses, re-opened when closed; ${ROUNDS} sends, each on a new connection`)
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map(l => l.toFixed(1)).join(' ')}, Node ${process.version}`)
  for (const [i, r] of results.entries()) console.log(`  send ${i + 1}: ${'ms' in r ? `delivered in ${r.ms.toFixed(0)} ms` : `failed: ${r.error}`}`)
  const ok = results.flatMap(r => 'ms' in r ? [r.ms] : []).sort((a, b) => a - b)
  console.log(`delivered ${ok.length} of ${ROUNDS}` + (ok.length > 0 ? `; median ${ok[Math.floor((ok.length - 1) / 2)]!.toFixed(0)} ms, max ${ok[ok.length - 1]!.toFixed(0)} ms` : ''))
  console.log(`flood: ${floodState}`)
  if (gate !== undefined) console.log(`gate: refused ${JSON.stringify(gate.refused)}, timed out ${gate.timedOut}, pending now ${JSON.stringify(gate.pending)}`)
  await victim.close()
  await node.stop()
  process.exit(0)
}
