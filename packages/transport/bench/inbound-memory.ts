/**
 * Issue 15 item 3 (benchmark, not a test): RSS growth of a node while 10 attacking connections each open 32 streams
 * on each of RainTree v1 and background v1, write 4 MiB on every stream and never close it. The victim is this
 * process (one libp2p node on loopback TCP with default options, handling the four pocket protocols); the
 * attackers are a child process, so their own buffers are not counted.
 *
 * Variants (the first argument):
 * - `before`: the transport as it was before the budget (`dist-before/`, a copy of the earlier build; pass its path
 *   as the second argument), default options;
 * - `budget`: this build, default options (the node-wide budget, no admission predicate);
 * - `wired`: this build as the p2p module wires it: RainTree streams admitted from the staked set only, staked
 *   senders first in the budget (the attackers are not staked).
 *
 * Run: `tsc -p tsconfig.bench.json && node --expose-gc dist-bench/bench/inbound-memory.js wired` from packages/transport.
 */
import { fork } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { testIdentity, type RemoteSender } from '@pokt-p2p/types'
import type { Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'

const CONNECTIONS = 10
const STREAMS = 32
const MESSAGE = 4 * 1024 * 1024
const WINDOW_MS = 20_000

type Transport = typeof import('../src/index.js')

if (process.argv[2] === 'attack') {
  await attack(process.argv[3]!)
} else {
  await victim(process.argv[2] ?? 'wired', process.argv[3])
}

async function victim (variant: string, beforePath: string | undefined): Promise<void> {
  const here = fileURLToPath(import.meta.url)
  const t: Transport = variant === 'before'
    ? await import(beforePath ?? new URL('../../dist-before/index.js', import.meta.url).href) as Transport
    : await import('../src/index.js')
  const validator = testIdentity(1)
  const staked = new Set([validator.address, testIdentity(2).address])
  const isStaked = (from: RemoteSender): boolean => staked.has(from.address)
  const raintree = new Set([t.RAINTREE_PROTOCOL_ID, t.RAINTREE_STREAM_PROTOCOL_ID])
  const node: Libp2p = await t.createNode({ identity: testIdentity(2), hostname: '127.0.0.1', port: 0 })
  await node.start()
  const transport = t.messageTransport(variant === 'wired'
    ? { admitInbound: (protocol, from) => !raintree.has(protocol) || isStaked(from), priorityPeer: isStaked }
    : {})({ node })
  let delivered = 0
  for (const p of [t.RAINTREE_PROTOCOL_ID, t.RAINTREE_STREAM_PROTOCOL_ID, t.BACKGROUND_PROTOCOL_ID, t.BACKGROUND_STREAM_PROTOCOL_ID]) {
    transport.handle(p, () => { delivered++ })
  }
  // settle, then the baseline
  for (let i = 0; i < 3; i++) {
    global.gc?.()
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  const baseline = process.memoryUsage().rss
  const baseBuffers = process.memoryUsage().arrayBuffers
  let peak = baseline
  let peakBuffers = baseBuffers
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    peak = Math.max(peak, m.rss)
    peakBuffers = Math.max(peakBuffers, m.arrayBuffers)
  }, 50)
  const child = fork(here, ['attack', `${node.getMultiaddrs()[0]!.toString()}`], { stdio: 'inherit' })
  let report = '(no report)'
  child.on('message', m => { report = String(m) })
  await new Promise(resolve => setTimeout(resolve, WINDOW_MS))
  clearInterval(sampler)
  // read before the attackers go: their end closes every stream
  const deliveredDuringAttack = delivered
  child.kill()
  const budget = (transport as { inboundBudget?: { peak: number } }).inboundBudget
  console.log(`variant ${variant}: ${CONNECTIONS} connections × ${STREAMS} streams × 2 protocols (RainTree v1, background v1) × ${MESSAGE / 1024 / 1024} MiB, never closed`)
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map(l => l.toFixed(1)).join(' ')}, Node ${process.version}`)
  console.log(`victim RSS: baseline ${mib(baseline)} MiB, peak ${mib(peak)} MiB over ${WINDOW_MS / 1000} s, growth ${mib(peak - baseline)} MiB` +
    `; array buffers peak +${mib(peakBuffers - baseBuffers)} MiB` +
    (budget === undefined ? '' : `; inbound budget peak ${mib(budget.peak)} MiB`) + `; messages delivered ${deliveredDuringAttack}`)
  console.log(`attackers: ${report}`)
  await transport.close()
  await node.stop()
  process.exit(0)
}

async function attack (target: string): Promise<void> {
  const t: Transport = await import('../src/index.js')
  const { multiaddr } = await import('@multiformats/multiaddr')
  const body = new Uint8Array(MESSAGE)
  const streams: Stream[] = []
  const nodes: Libp2p[] = []
  // the state of the attack, every 500 ms, until the victim kills this process
  setInterval(() => {
    const reset = streams.filter(s => s.status !== 'open').length
    const full = streams.filter(s => s.status === 'open' && s.writeBufferLength === 0).length
    process.send?.(`${nodes.length} connections, ${streams.length} streams opened: ${reset} reset by the victim, ` +
      `${full} written in full and held open, ${streams.length - reset - full} still writing`)
  }, 500)
  for (let i = 0; i < CONNECTIONS; i++) {
    const node = await t.createNode({ identity: testIdentity(100 + i), hostname: '127.0.0.1', port: 0, maxStreamWindowBytes: 16 * 1024 * 1024 })
    await node.start()
    nodes.push(node)
    const conn = await node.dial(multiaddr(target))
    for (const protocol of [t.RAINTREE_PROTOCOL_ID, t.BACKGROUND_PROTOCOL_ID]) {
      for (let s = 0; s < STREAMS; s++) {
        try {
          const stream = await conn.newStream(protocol, { maxOutboundStreams: STREAMS * 2 })
          streams.push(stream)
          try {
            if (!stream.send(body)) stream.onDrain().catch(() => {})
          } catch {}
        } catch {}
      }
    }
  }
  await new Promise(() => {})
}

function mib (bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0)
}
