import { setMaxListeners } from 'node:events'
import { createServer } from 'node:net'
import { performance } from 'node:perf_hooks'
import { createPeer, type Identity, type Peer } from '@pokt-p2p/types'
import { anyOf, createP2P, type P2PModule } from '@pokt-p2p/p2p'
import { staticProviders } from '@pokt-p2p/providers'
import { maxNumLevels, simulateBroadcast, type RainTreeRouter } from '@pokt-p2p/raintree'
import { memoryMultiaddr, multiaddrsOf, peerIdOf } from '@pokt-p2p/transport'
import { gossipTrafficCounter, type BackgroundInit, type BackgroundRouter, type GossipTraffic } from '@pokt-p2p/background'
import { choiceOption, intOption, parseOptions, stringOption, UsageError } from '../args.js'
import type { CommandContext } from '../context.js'
import { localnetIdentities } from '../keys.js'
import { sleep, startInterruptibly } from '../lifecycle.js'
import { renderReport, type LocalnetReport, type PerNodeReport } from '../report.js'

/** The help text of `pokt-p2p localnet` (`--help`). */
export const localnetHelp = `pokt-p2p localnet [options]

  Starts N staked nodes in this process, broadcasts once, waits until the network is quiet, prints a report
  (propagation tree, per-node RainTree reads/writes, coverage, depth, timings, totals) and stops.
  --nodes N              1..300 (default 27)
  --originator K         1..N, val_K broadcasts (default 1)
  --mode M               reference | complete (default complete)
  --transport T          tcp | memory (default tcp)
  --background on|off    also gossip with the background router (default on)
  --payload-bytes B      0..4194304 (default 1024)
  --seed S               key seed; val_i is the i-th smallest address (default "pokt")
  --dht client|server    kad-dht mode of the background routers (default client: every node already knows the
                         staked set, and N DHT servers in one process saturate the CPU and distort timings)
  --quiet-ms MS          how long without traffic counts as quiet (default 500)
  --json                 print one JSON object on stdout (logs on stderr)`

/** Options of {@link runLocalnet}; {@link parseLocalnetOptions} makes them from command-line arguments. */
export interface LocalnetOptions {
  /** how many staked nodes to start (`--nodes`, 1..300) */
  nodes: number
  /** 1-based index (in address order) of the node that broadcasts (`--originator`) */
  originator: number
  /** RainTree targeting rules (`--mode`) */
  mode: 'reference' | 'complete'
  /** libp2p transport between the nodes (`--transport`) */
  transport: 'tcp' | 'memory'
  /** also run the background router and gossip the message with it (`--background on|off`) */
  background: boolean
  /** size of the broadcast payload in bytes (`--payload-bytes`) */
  payloadBytes: number
  /** seed of the nodes' keys (`--seed`): the same seed gives the same addresses */
  seed: string
  /** kad-dht mode of the background routers (`--dht`) */
  dht: 'client' | 'server'
  /** how long without traffic counts as quiet, in ms (`--quiet-ms`) */
  quietMs: number
  /** print the report as one JSON object (`--json`) */
  json: boolean
}

/**
 * Parses the arguments of `pokt-p2p localnet` (after the command name), filling in the defaults of {@link localnetHelp}.
 * @throws {UsageError} for an unknown option or a value out of range
 */
export function parseLocalnetOptions (argv: string[]): LocalnetOptions & {
  /** `--help` was given */
  help: boolean
} {
  const o = parseOptions(argv, {
    nodes: { type: 'string' }, originator: { type: 'string' }, mode: { type: 'string' }, transport: { type: 'string' },
    background: { type: 'string' }, 'payload-bytes': { type: 'string' }, seed: { type: 'string' },
    'quiet-ms': { type: 'string' }, json: { type: 'boolean' }, dht: { type: 'string' }
  }, 'localnet')
  const nodes = intOption('nodes', o.nodes, 27, 1, 300)
  const originator = intOption('originator', o.originator, 1, 1, Number.MAX_SAFE_INTEGER)
  if (originator > nodes) throw new UsageError(`--originator must be between 1 and --nodes (${nodes}), got ${originator}`)
  return {
    help: o.help === true,
    nodes,
    originator,
    mode: choiceOption('mode', o.mode, ['reference', 'complete'] as const, 'complete'),
    transport: choiceOption('transport', o.transport, ['tcp', 'memory'] as const, 'tcp'),
    background: choiceOption('background', o.background, ['on', 'off'] as const, 'on') === 'on',
    payloadBytes: intOption('payload-bytes', o['payload-bytes'], 1024, 0, 4 * 1024 * 1024),
    seed: stringOption('seed', o.seed) ?? 'pokt',
    dht: choiceOption('dht', o.dht, ['client', 'server'] as const, 'client'),
    quietMs: intOption('quiet-ms', o['quiet-ms'], 500, 50, 60_000),
    json: o.json === true
  }
}

/** Reserves `count` free loopback ports (bind to port 0, read, release). */
async function freePorts (count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, async () => await new Promise<import('node:net').Server>((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { resolve(s) })
  })))
  const ports = servers.map(s => (s.address() as import('node:net').AddressInfo).port)
  await Promise.all(servers.map(async s => await new Promise(resolve => s.close(resolve))))
  return ports
}

/** How long the network may show no progress (mesh forming, messages moving) before the demo goes on without it. */
const STALL_MS = 30_000

interface Tracking {
  firstRainTree: Array<{ at: number, from: number | null } | undefined>
  firstBackground: Array<number | undefined>
  deliveries: number[]
  lastActivity: number
  /** gossip traffic totals when the broadcast started (mesh upkeep before it is not the broadcast's) */
  trafficBefore: { messages: number, bytes: number }
  /** RainTree sends that failed, described */
  sendErrors: string[]
}

/**
 * Runs the local network and returns its report (does not print). When `ctx.signal` aborts, every phase ends at
 * once, every node is stopped, and the signal's reason is thrown (an `InterruptedError` in the binary).
 */
export async function runLocalnet (opts: LocalnetOptions, ctx: CommandContext): Promise<LocalnetReport> {
  const { signal } = ctx
  signal.throwIfAborted()
  // every node start and every pre-connection listens to it
  setMaxListeners(Infinity, signal)
  const setupStart = performance.now()
  const ids: Identity[] = localnetIdentities(opts.nodes, opts.seed)
  const ports = opts.transport === 'tcp' ? await freePorts(opts.nodes) : ids.map((_, i) => 20000 + i)
  const peers: Peer[] = ids.map((id, i) => createPeer(id.publicKey, `127.0.0.1:${ports[i] as number}`))
  const indexOf = new Map(peers.map((p, i) => [p.address, i]))
  const providers = staticProviders({ height: 1n, staked: peers })
  const traffic: GossipTraffic[] = []
  const modules: P2PModule[] = ids.map((id, i) => createP2P({
    config: {
      private_key: id.privateKeyHex,
      hostname: '127.0.0.1',
      port: ports[i] as number,
      connection_type: opts.transport,
      raintree_mode: opts.mode,
      allow_loopback: true
    },
    currentHeightProvider: providers,
    peerstoreProvider: providers,
    ...(opts.background ? { background: backgroundInit(traffic, opts.dht) } : { unstakedRouter: null })
  }))

  // a progress line is redrawn in place on a terminal; `say` clears it before a log line
  let progressShown = false
  const progress = (text: string): void => {
    if (opts.json || !ctx.interactive) return
    process.stderr.write(`\r\x1b[K${text}`)
    progressShown = text !== ''
  }
  const say = (text: string): void => {
    if (progressShown) progress('')
    ctx.log(text)
  }

  try {
    say(`starting ${opts.nodes} nodes over ${opts.transport}` +
      (opts.transport === 'tcp' ? ` on 127.0.0.1 ports ${ports.slice(0, 8).join(' ')}${opts.nodes > 8 ? ` … (${opts.nodes} in all)` : ''}` : ''))
    // in parallel: each background router dials its peers at start, and they must be listening. The first failure
    // (or a signal) ends every other start at once.
    const failed = new AbortController()
    const startSignal = AbortSignal.any([signal, failed.signal])
    setMaxListeners(Infinity, startSignal)
    let started = 0
    await Promise.all(modules.map(async m => {
      try {
        await startInterruptibly(m, startSignal)
      } catch (err) {
        failed.abort(err)
        throw err
      }
      progress(`started ${++started}/${opts.nodes} nodes`)
    }))
    say(`started ${opts.nodes} nodes over ${opts.transport} in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`)
    await connectRainTreeEdges(opts, modules, peers, progress, say, signal)
    if (opts.background) {
      const meshStart = performance.now()
      const mesh = await waitForMesh(modules, progress, signal)
      const seconds = ((performance.now() - meshStart) / 1000).toFixed(1)
      say(mesh.ready === mesh.nodes
        ? `background mesh ready in ${seconds} s: every node sees ${mesh.need}+ gossipsub topic peers`
        : `warning: only ${mesh.ready}/${mesh.nodes} nodes have ${mesh.need} gossipsub topic peers (no progress for ${STALL_MS / 1000} s); broadcasting anyway`)
    } else {
      say('background router off: RainTree only')
    }

    const t: Tracking = {
      firstRainTree: new Array(opts.nodes).fill(undefined),
      firstBackground: new Array(opts.nodes).fill(undefined),
      deliveries: new Array(opts.nodes).fill(0),
      lastActivity: performance.now(),
      trafficBefore: { messages: 0, bytes: 0 },
      sendErrors: []
    }
    let t0 = 0
    modules.forEach((m, i) => {
      m.routers.staked?.events.on('message', msg => {
        t.lastActivity = performance.now()
        if (t.firstRainTree[i] === undefined) t.firstRainTree[i] = { at: performance.now() - t0, from: msg.from === undefined ? null : indexOf.get(msg.from) ?? null }
      })
      ;(m.routers.staked as RainTreeRouter | undefined)?.events.on('send-error', e => {
        t.lastActivity = performance.now()
        t.sendErrors.push(`val_${i + 1} → val_${(indexOf.get(e.to) ?? -2) + 1} (level ${e.level}): ${e.error.name}: ${e.error.message}`)
      })
      m.routers.unstaked?.events.on('message', () => {
        t.lastActivity = performance.now()
        if (t.firstBackground[i] === undefined) t.firstBackground[i] = performance.now() - t0
      })
      m.events.on('message', () => { t.deliveries[i] = (t.deliveries[i] ?? 0) + 1 })
    })
    const setupMs = performance.now() - setupStart
    const origin = opts.originator - 1
    const payload = new Uint8Array(opts.payloadBytes).map((_, i) => i & 0xff)
    t.trafficBefore = {
      messages: traffic.reduce((sum, c) => sum + c.messagesSent, 0),
      bytes: traffic.reduce((sum, c) => sum + c.rpcBytesSent, 0)
    }
    signal.throwIfAborted()
    say(`broadcasting ${opts.payloadBytes} bytes from val_${opts.originator}`)
    t0 = performance.now()
    t.lastActivity = t0
    await (modules[origin] as P2PModule).broadcast(anyOf('pocket.DebugMessage', payload), { signal })
    // done when every RainTree message the simulator predicts has been sent (or failed) and received (or dropped),
    // every node has the background copy, and nothing happened for quietMs; given up after STALL_MS without activity
    const expected = simulateBroadcast(opts.nodes, origin, opts.mode).messages
    const settled = (): boolean => {
      let sent = 0
      let writes = 0
      let arrived = 0
      for (const m of modules) {
        const rt = m.routers.staked as RainTreeRouter | undefined
        if (rt === undefined) continue
        sent += rt.stats.writes + rt.stats.sendFailures
        writes += rt.stats.writes
        arrived += rt.stats.reads + Object.values(rt.stats.dropped).reduce((a, b) => a + b, 0)
      }
      const gossiped = !opts.background || t.firstBackground.every((v, i) => v !== undefined || i === origin)
      return sent >= expected && arrived >= writes && gossiped
    }
    while (!settled() || performance.now() - t.lastActivity < opts.quietMs) {
      if (performance.now() - t.lastActivity > STALL_MS) {
        say(`warning: nothing moved for ${STALL_MS / 1000} s and the broadcast has not settled; reporting what arrived`)
        break
      }
      await sleep(25, signal)
    }
    progress('')
    for (const e of t.sendErrors.slice(0, 10)) say(`RainTree send failed: ${e}`)
    if (t.sendErrors.length > 10) say(`… and ${t.sendErrors.length - 10} more failed sends`)

    return buildReport(opts, modules, peers, t, setupMs, traffic)
  } catch (err) {
    if (signal.aborted) say(`stopping ${opts.nodes} nodes (${(signal.reason as Error)?.message ?? 'aborted'})`)
    throw err
  } finally {
    await Promise.allSettled(modules.map(async m => { await m.stop() }))
  }
}

/**
 * Opens, before the broadcast, the connections its RainTree messages will use (the edges of the same broadcast in
 * the pure simulator), so the report times propagation rather than first-contact handshakes — as in a network that
 * has been running for a while. The background router's connections are warmed the same way by its bootstrap.
 */
async function connectRainTreeEdges (opts: LocalnetOptions, modules: P2PModule[], peers: Peer[], progress: (s: string) => void,
  say: (s: string) => void, signal: AbortSignal): Promise<void> {
  const edges = new Set<string>()
  simulateBroadcast(opts.nodes, opts.originator - 1, opts.mode, { onSend: (from, to) => { edges.add(`${from}:${to}`) } })
  let done = 0
  const started = performance.now()
  await Promise.all([...edges].map(async edge => {
    const [from, to] = edge.split(':').map(Number) as [number, number]
    const peer = peers[to] as Peer
    const addrs = opts.transport === 'memory' ? [memoryMultiaddr(peer.address)] : await multiaddrsOf(peer)
    try {
      await modules[from]?.node?.dial(addrs.map(a => a.encapsulate(`/p2p/${peerIdOf(peer).toString()}`)), { signal: AbortSignal.any([signal, AbortSignal.timeout(STALL_MS)]) })
    } catch (err) {
      if (signal.aborted) return
      say(`warning: could not pre-connect val_${from + 1} → val_${to + 1}: ${(err as Error).message}`)
    }
    progress(`RainTree connections: ${++done}/${edges.size}`)
  }))
  signal.throwIfAborted()
  say(`RainTree connections: ${edges.size} opened in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

/**
 * Waits until each node sees at least min(n-1, 4) gossipsub topic peers (gossipsub's mesh low watermark is 4) and
 * has a mesh, or until the count of ready nodes has not grown for STALL_MS. Returns how many were ready.
 */
async function waitForMesh (modules: P2PModule[], progress: (s: string) => void, signal: AbortSignal): Promise<{ ready: number, nodes: number, need: number }> {
  const n = modules.length
  const need = Math.min(n - 1, 4)
  if (n < 2) return { ready: n, nodes: n, need }
  let best = -1
  let lastProgress = performance.now()
  for (;;) {
    const ready = modules.filter(m => {
      const bg = m.routers.unstaked as BackgroundRouter | undefined
      return bg !== undefined && bg.topicPeerCount() >= need && bg.meshPeerCount() >= 1
    }).length
    progress(`gossipsub mesh: ${ready}/${n} nodes ready`)
    if (ready > best) { best = ready; lastProgress = performance.now() }
    if (ready === n) break
    if (performance.now() - lastProgress > STALL_MS) return { ready, nodes: n, need }
    await sleep(50, signal)
  }
  // give GRAFTs one heartbeat to settle into a mesh
  await sleep(300, signal)
  return { ready: n, nodes: n, need }
}

/** Background settings for a local network, with a gossip traffic counter per node appended to `traffic`. */
function backgroundInit (traffic: GossipTraffic[], dht: 'client' | 'server'): BackgroundInit {
  const counter = gossipTrafficCounter()
  traffic.push(counter.counts)
  return {
    // a 200 ms heartbeat forms meshes in about a second; the spec's 1 s is meant for real networks
    heartbeatIntervalMs: 200,
    // N nodes in one process dialling each other all-to-all cost N² handshakes on one core; a ring of 4 neighbours
    // each is connected, and gossipsub and the DHT find the rest
    bootstrapPeerLimit: 4,
    // measured at N = 27: DHT servers keep the event loop 100% busy for more than 15 s after start (routing-table
    // upkeep between 27 servers on one core), clients leave it at about 5%
    clientMode: dht === 'client',
    metricsRegister: counter.register
  }
}

function buildReport (opts: LocalnetOptions, modules: P2PModule[], peers: Peer[], t: Tracking, setupMs: number, traffic: GossipTraffic[]): LocalnetReport {
  const origin = opts.originator - 1
  const hops: Array<number | null> = new Array(opts.nodes).fill(null)
  hops[origin] = 0
  const hopOf = (i: number, guard = 0): number | null => {
    if (hops[i] !== null) return hops[i] as number
    const first = t.firstRainTree[i]
    if (first === undefined || first.from === null || guard > opts.nodes) return null
    const parent = hopOf(first.from, guard + 1)
    hops[i] = parent === null ? null : parent + 1
    return hops[i] as number | null
  }
  const perNode: PerNodeReport[] = modules.map((m, i) => {
    const rt = m.routers.staked as RainTreeRouter | undefined
    const first = t.firstRainTree[i]
    return {
      index: i + 1,
      address: (peers[i] as Peer).address,
      reads: rt?.stats.reads ?? 0,
      writes: rt?.stats.writes ?? 0,
      hops: i === origin ? 0 : hopOf(i),
      firstReceiptMs: i === origin ? 0 : first === undefined ? null : round(first.at),
      from: i === origin || first === undefined || first.from === null ? null : first.from + 1
    }
  })
  const reached = perNode.filter(n => n.hops !== null).length
  const rtTimes = perNode.map(n => n.firstReceiptMs)
  const bgReached = t.firstBackground.filter((v, i) => v !== undefined || i === origin).length
  return {
    nodes: opts.nodes,
    originator: opts.originator,
    mode: opts.mode,
    transport: opts.transport,
    maxLevels: maxNumLevels(opts.nodes),
    payloadBytes: opts.payloadBytes,
    raintree: {
      messages: perNode.reduce((s, n) => s + n.writes, 0),
      bytes: modules.reduce((s, m) => s + (m.transport?.stats.bytesSent ?? 0), 0),
      reached,
      depth: Math.max(0, ...perNode.map(n => n.hops ?? 0)),
      fullCoverageMs: reached === opts.nodes ? round(Math.max(0, ...rtTimes.map(v => v ?? 0))) : null,
      perNode
    },
    background: opts.background
      ? {
          reached: bgReached,
          fullCoverageMs: bgReached === opts.nodes ? round(Math.max(0, ...t.firstBackground.map(v => v ?? 0))) : null,
          messages: traffic.reduce((sum, c) => sum + c.messagesSent, 0) - t.trafficBefore.messages,
          bytes: traffic.reduce((sum, c) => sum + c.rpcBytesSent, 0) - t.trafficBefore.bytes
        }
      : null,
    delivered: {
      exactlyOnce: t.deliveries.filter((d, i) => d === 1 && i !== origin).length,
      duplicates: t.deliveries.reduce((s, d) => s + Math.max(0, d - 1), 0)
    },
    setupMs: round(setupMs)
  }
}

const round = (v: number): number => Math.round(v * 10) / 10

export async function localnet (argv: string[], ctx: CommandContext): Promise<number> {
  const opts = parseLocalnetOptions(argv)
  if (opts.help) { ctx.out(localnetHelp); return 0 }
  const report = await runLocalnet(opts, ctx)
  ctx.out(opts.json ? JSON.stringify(report) : renderReport(report))
  return 0
}
