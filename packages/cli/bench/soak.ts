/**
 * Soak benchmark: a local network (27 nodes by default, both routers) takes 10,000 broadcasts at a steady rate, each
 * from the next node in turn, through the P2P module's `broadcast` (RainTree and gossipsub). It prints, and checks
 * against the goals of the hardening issue:
 * - lost: (broadcast, node) pairs the application never got, once the network is quiet;
 * - duplicated: (broadcast, node) pairs the application got more than once;
 * - heap: after the last broadcast against after the first 1,000 (both once delivered everywhere, GC forced);
 * - open handles (`process.getActiveResourcesInfo()`) at the same two points.
 *
 * `node --expose-gc dist-bench/bench/soak.js [--broadcasts 10000] [--rate 25] [--nodes 27] [--payload-bytes 256]
 * [--transport tcp|memory] [--json]`. Ctrl-C stops every node and prints what was measured so far. With
 * `SOAK_HEAP_SNAPSHOT_DIR` set, a heap snapshot is written there at both measuring points, to see what grew.
 */
import { setMaxListeners } from 'node:events'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { writeHeapSnapshot } from 'node:v8'
import { performance } from 'node:perf_hooks'
import { anyOf } from '@pokt-p2p/p2p'
import { bringUp, progressOf } from '../src/commands/localnet/index.js'
import { createLocalNetwork, stopNetwork, type LocalNetwork } from '../src/commands/localnet/network.js'
import { parseLocalnetOptions } from '../src/commands/localnet/options.js'
import type { CommandContext } from '../src/context.js'

/** The first bytes of every soak payload (the warm-up broadcast of `bringUp` is told apart by them). */
const MAGIC = [0x73, 0x6f, 0x61, 0x6b] // "soak"

/** Where the heap is first measured: after this many broadcasts (the figure). */
const BASELINE_AFTER = 1000

/** Broadcasts not yet delivered everywhere beyond which the sender waits (the bench must not queue without bound). */
const MAX_IN_FLIGHT = 200

interface SoakOptions { broadcasts: number, rate: number, nodes: number, payloadBytes: number, transport: 'tcp' | 'memory', json: boolean }

function parse (argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      broadcasts: { type: 'string' },
      rate: { type: 'string' },
      nodes: { type: 'string' },
      'payload-bytes': { type: 'string' },
      transport: { type: 'string' },
      json: { type: 'boolean' }
    }
  })
  const int = (name: string, v: string | undefined, dflt: number, min: number, max: number): number => {
    if (v === undefined) return dflt
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}, got ${v}`)
    return n
  }
  const transport = values.transport ?? 'tcp'
  if (transport !== 'tcp' && transport !== 'memory') throw new Error(`--transport must be tcp or memory, got ${transport}`)
  return {
    broadcasts: int('broadcasts', values.broadcasts, 10_000, BASELINE_AFTER + 1, 1_000_000),
    rate: int('rate', values.rate, 25, 1, 10_000),
    nodes: int('nodes', values.nodes, 27, 2, 300),
    payloadBytes: int('payload-bytes', values['payload-bytes'], 256, 8, 4 * 1024 * 1024),
    transport,
    json: values.json === true
  }
}

/** Counts of deliveries per (broadcast, node): a byte each, saturating (only 0, 1 and "more" matter). */
class Deliveries {
  readonly counts: Uint8Array
  /** nodes that still lack each broadcast (the originator, which does not deliver its own, is recorded when it sends) */
  readonly missing: Uint16Array
  duplicates = 0
  #waiters: Array<{ upTo: number, resolve: () => void }> = []
  /** broadcasts 0..complete-1 have reached every node */
  complete = 0

  constructor (readonly broadcasts: number, readonly nodes: number) {
    this.counts = new Uint8Array(broadcasts * nodes)
    this.missing = new Uint16Array(broadcasts).fill(nodes)
  }

  record (seq: number, node: number): void {
    if (seq >= this.broadcasts) return
    const i = seq * this.nodes + node
    const c = this.counts[i] as number
    if (c >= 1) this.duplicates++
    if (c < 255) this.counts[i] = c + 1
    if (c === 0) {
      this.missing[seq] = (this.missing[seq] as number) - 1
      while (this.complete < this.broadcasts && this.missing[this.complete] === 0) this.complete++
      this.#waiters = this.#waiters.filter(w => {
        if (this.complete < w.upTo) return true
        w.resolve()
        return false
      })
    }
  }

  /** resolves once broadcasts 0..upTo-1 reached every node (or the signal aborts: then rejects) */
  async until (upTo: number, signal: AbortSignal): Promise<void> {
    if (this.complete >= upTo) return
    const aborted = new AbortController()
    try {
      await new Promise<void>((resolve, reject) => {
        this.#waiters.push({ upTo, resolve })
        signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true, signal: aborted.signal })
      })
    } finally {
      aborted.abort()
    }
  }

  lost (sent: number): number {
    let n = 0
    for (let s = 0; s < sent; s++) n += this.missing[s] as number
    return n
  }
}

/** Heap after a forced GC, and open handles. */
function snapshot (): { heapBytes: number, handles: number } {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with node --expose-gc (the heap is compared after a forced GC)')
  gc()
  gc()
  if (process.env.SOAK_HEAP_SNAPSHOT_DIR !== undefined) writeHeapSnapshot(join(process.env.SOAK_HEAP_SNAPSHOT_DIR, `soak-${Date.now()}.heapsnapshot`))
  return { heapBytes: process.memoryUsage().heapUsed, handles: process.getActiveResourcesInfo().length }
}

async function main (): Promise<number> {
  const so = parse(process.argv.slice(2))
  const opts = parseLocalnetOptions(['--nodes', String(so.nodes), '--transport', so.transport, '--quiet-ms', '200', ...(so.json ? ['--json'] : [])])
  const stop = new AbortController()
  // every broadcast in flight listens to it
  setMaxListeners(Infinity, stop.signal)
  const onSignal = (): void => { stop.abort(new Error('interrupted')) }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const ctx: CommandContext = {
    signal: stop.signal,
    interactive: process.stderr.isTTY,
    out: (line: string) => { process.stdout.write(line + '\n') },
    log: (line: string) => { process.stderr.write(line + '\n') }
  }
  const out = progressOf({ json: false }, ctx)
  const deliveries = new Deliveries(so.broadcasts, so.nodes)
  let net: LocalNetwork | undefined
  let sent = 0
  let baseline: { heapBytes: number, handles: number } | undefined
  let last: { heapBytes: number, handles: number } | undefined
  let stalledMs = 0
  const started = performance.now()
  try {
    net = await createLocalNetwork(opts)
    net.modules.forEach((m, node) => {
      m.events.on('message', ({ content }) => {
        const v = content.value
        if (v.length < 8 || v[0] !== MAGIC[0] || v[1] !== MAGIC[1] || v[2] !== MAGIC[2] || v[3] !== MAGIC[3]) return
        deliveries.record(new DataView(v.buffer, v.byteOffset, v.byteLength).getUint32(4), node)
      })
    })
    await bringUp(opts, net, out, stop.signal)
    out.say(`soak: ${so.broadcasts} broadcasts at ${so.rate}/s over ${so.nodes} ${so.transport} nodes, both routers, ${so.payloadBytes}-byte payloads`)
    const interval = 1000 / so.rate
    const t0 = performance.now()
    for (; sent < so.broadcasts; sent++) {
      stop.signal.throwIfAborted()
      // steady rate: the k-th broadcast leaves at t0 + k·interval (later only when the network is behind)
      const due = t0 + sent * interval + stalledMs
      const wait = due - performance.now()
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
      if (sent - deliveries.complete >= MAX_IN_FLIGHT) {
        const w = performance.now()
        await deliveries.until(sent - MAX_IN_FLIGHT + 1, stop.signal)
        stalledMs += performance.now() - w
      }
      const payload = new Uint8Array(so.payloadBytes)
      payload.set(MAGIC)
      new DataView(payload.buffer).setUint32(4, sent)
      const origin = sent % so.nodes
      // the originator's own broadcast is not delivered to it: count it as had
      deliveries.record(sent, origin)
      net.modules[origin]?.broadcast(anyOf('pocket.DebugMessage', payload), { signal: stop.signal })
        .catch(err => { if (!stop.signal.aborted) out.say(`broadcast ${sent} from val_${origin + 1} failed: ${(err as Error).message}`) })
      if (sent + 1 === BASELINE_AFTER) {
        await deliveries.until(BASELINE_AFTER, stop.signal)
        baseline = snapshot()
        // the pause for the snapshot does not count against the rate
        stalledMs += performance.now() - (t0 + sent * interval + stalledMs)
      }
      if (sent % 100 === 0) out.progress(`soak: ${sent}/${so.broadcasts} sent, ${deliveries.complete} delivered everywhere`)
    }
    // every broadcast delivered everywhere, or nothing more arrives for 30 s
    let before = -1
    while (deliveries.complete < sent && before !== deliveries.complete) {
      before = deliveries.complete
      await Promise.race([deliveries.until(sent, stop.signal), new Promise(resolve => setTimeout(resolve, 30_000))])
    }
    last = snapshot()
    if (process.env.SOAK_DEBUG !== undefined) {
      const gs = net.modules.map(m => (m.node?.services as Record<string, any>)?.pubsub)
      out.say(`gossipsub mcache msgs: ${gs.map(g => g?.mcache?.msgs?.size).join(',')}; history: ${gs.map(g => g?.mcache?.history?.map((h: unknown[]) => h.length).join('/')).join(' ')}; ticks: ${gs.map(g => g?.heartbeatTicks).join(',')}`)
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err
    out.say('interrupted: stopping every node')
  } finally {
    if (net !== undefined) await stopNetwork(net)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  const seconds = (performance.now() - started) / 1000
  const lost = deliveries.lost(sent)
  const heapGrowth = baseline !== undefined && last !== undefined ? last.heapBytes / baseline.heapBytes - 1 : null
  const result = {
    nodes: so.nodes,
    transport: so.transport,
    broadcasts: sent,
    rate: so.rate,
    payloadBytes: so.payloadBytes,
    seconds: Number(seconds.toFixed(1)),
    lost,
    duplicated: deliveries.duplicates,
    heapAfterFirst1000Bytes: baseline?.heapBytes ?? null,
    heapAfterLastBytes: last?.heapBytes ?? null,
    heapGrowth,
    handlesAfterFirst1000: baseline?.handles ?? null,
    handlesAfterLast: last?.handles ?? null
  }
  const goals = [
    ['zero lost', lost === 0],
    ['zero duplicated at the application', deliveries.duplicates === 0],
    ['heap within 10 % of the heap after the first 1,000', heapGrowth !== null && Math.abs(heapGrowth) <= 0.10],
    // flat: timers and sockets come and go, so a handful either way (1 %) is noise, a leak grows with the broadcasts
    ['open handles flat', baseline !== undefined && last !== undefined && last.handles <= baseline.handles + Math.max(2, baseline.handles / 100)]
  ] as const
  if (so.json) {
    process.stdout.write(JSON.stringify({ ...result, goals: Object.fromEntries(goals) }) + '\n')
  } else {
    const mb = (b: number | null): string => b === null ? '-' : `${(b / 1024 / 1024).toFixed(1)} MB`
    process.stdout.write([
      `soak: ${sent} broadcasts, ${so.nodes} ${so.transport} nodes, ${so.rate}/s, ${so.payloadBytes} B, ${result.seconds} s`,
      `lost ${lost}, duplicated ${deliveries.duplicates}`,
      `heap after the first ${BASELINE_AFTER}: ${mb(result.heapAfterFirst1000Bytes)}; after the last: ${mb(result.heapAfterLastBytes)}` +
        (heapGrowth === null ? '' : ` (${heapGrowth >= 0 ? '+' : ''}${(heapGrowth * 100).toFixed(1)} %)`),
      `open handles: ${result.handlesAfterFirst1000 ?? '-'} → ${result.handlesAfterLast ?? '-'}`,
      ...goals.map(([g, ok]) => `goal: ${g}: ${ok ? 'met' : 'NOT met'}`)
    ].join('\n') + '\n')
  }
  return stop.signal.aborted ? 130 : goals.every(([, ok]) => ok) ? 0 : 1
}

main().then(code => { process.exitCode = code }, err => {
  process.stderr.write(`soak: ${(err as Error).message}\n`)
  process.exitCode = 1
})
