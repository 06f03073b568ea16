import { setMaxListeners } from 'node:events'
import drain from 'it-drain'
import parallel from 'it-parallel'
import { createServer } from 'node:net'
import { performance } from 'node:perf_hooks'
import { createPeer, MemoryMetrics, signalWithTimeout, type Address, type Identity, type Peer } from '@pokt-p2p/types'
import { createP2P, type P2PModule } from '@pokt-p2p/p2p'
import { readRegularTextFile, staticProviders } from '@pokt-p2p/providers'
import { rainTree, simulateBroadcast } from '@pokt-p2p/raintree'
import { memoryMultiaddr, multiaddrsOf, peerIdOf } from '@pokt-p2p/transport'
import type { BackgroundInit } from '@pokt-p2p/background'
import { localnetIdentities } from '../../keys.js'
import { startInterruptibly } from '../../lifecycle.js'
import { isGossipRouter, rainTreeLayers } from '../../routers.js'
import { LocalnetFaults, planLocalnetFaults } from './faults.js'
import type { LocalnetOptions } from './options.js'

/** Messages each localnet node remembers for de-duplication (see `createLocalNetwork`). */
export const LOCALNET_MAX_NONCES = 10_000

/** How long the network may show no progress (mesh forming, messages moving) before the demo goes on without it. */
export const STALL_MS = 30_000

/** Where the phases of a run tell how far they got: a redrawn progress line, and log lines. */
export interface Progress {
  /** replaces the progress line (on a terminal only); `''` clears it */
  progress: (text: string) => void
  /** one log line (clears the progress line first) */
  say: (text: string) => void
}

/** N staked nodes in this process, each with its own metrics, not started yet ({@link createLocalNetwork}). */
export interface LocalNetwork {
  /** the nodes' identities, in address order (index i is val_{i+1}) */
  readonly ids: Identity[]
  /** the nodes as peers, with their service URLs (`127.0.0.1:port`) */
  readonly peers: Peer[]
  /** the TCP port of each node (placeholders with `--transport memory`) */
  readonly ports: number[]
  /** the index of each node by address */
  readonly indexOf: ReadonlyMap<Address, number>
  /** each node's own metrics (libp2p's, the transport's, the routers' and the module's) */
  readonly metrics: MemoryMetrics[]
  /** the P2P modules */
  readonly modules: P2PModule[]
  /** which nodes are dead, which crash after receiving and which have crashed (`--dead`, `--crash-after-receive`) */
  readonly faults: LocalnetFaults
}

/**
 * Creates (does not start) the nodes of a local network: deterministic identities from `--seed`, free loopback
 * ports for TCP, one staked set for all, and a {@link MemoryMetrics} per node (prometheus-metrics is
 * process-global: many nodes in one process need their own).
 */
export async function createLocalNetwork (opts: LocalnetOptions): Promise<LocalNetwork> {
  const ids = localnetIdentities(opts.nodes, opts.seed)
  const ports = opts.transport === 'tcp' ? await freePorts(opts.nodes) : ids.map((_, i) => 20000 + i)
  const peers = ids.map((id, i) => createPeer(id.publicKey, `127.0.0.1:${ports[i] as number}`))
  const providers = staticProviders({ height: 1n, staked: peers })()
  const metrics = ids.map(() => new MemoryMetrics())
  const link = linkOf(opts)
  const faults = new LocalnetFaults(planLocalnetFaults(opts))
  // `--ack` and `--cleanup` when given (or implied by the faults), else the router's defaults
  const raintree = rainTreeLayers(opts.ack, opts.cleanup)
  const modules: P2PModule[] = ids.map((id, i) => createP2P({
    config: {
      private_key: id.privateKeyHex,
      hostname: '127.0.0.1',
      port: ports[i] as number,
      connection_type: opts.transport,
      raintree_mode: opts.mode,
      allow_loopback: true,
      // the de-duplication filter is allocated whole (8 MiB for the default 1,000,000 messages): 1,000 nodes in one
      // process would hold 8 GiB for a few broadcasts. 10,000 (128 KiB) outlasts every copy of a run's broadcasts
      max_nonces: LOCALNET_MAX_NONCES
    },
    currentHeightProvider: providers,
    peerstoreProvider: providers,
    metrics: () => metrics[i] as MemoryMetrics,
    // in one process connections cannot fail silently, and its pings of every connection cost CPU that the
    // broadcast needs (P2PInit.connectionMonitor)
    connectionMonitor: false,
    raintree,
    // a node that is to crash after receiving: the default RainTree router (`defaultStakedRouter` of the P2P
    // module, the same options), over a transport that stops every send from the crash on
    ...(faults.crashAfterReceive.has(i)
      ? { stakedRouter: components => rainTree({ ...raintree, mode: opts.mode })({ ...components, transport: faults.wrap(i, components.transport) }) }
      : {}),
    ...(link === undefined ? {} : { link }),
    ...(opts.background ? { background: backgroundInit(opts.dht) } : { unstakedRouter: null })
  }))
  faults.onCrash = i => { modules[i]?.stop().catch(() => {}) }
  return { ids, peers, ports, indexOf: new Map(peers.map((p, i) => [p.address, i])), metrics, modules, faults }
}

/**
 * The emulated link of every node (`--latency-ms`, `--bandwidth-mbps`; memory transport only), or undefined for
 * plain in-process connections.
 */
function linkOf (opts: LocalnetOptions): { latencyMs: number, uploadMbps: number | null } | undefined {
  if (opts.transport !== 'memory' || (opts.latencyMs === 0 && opts.bandwidthMbps === null)) return undefined
  return { latencyMs: opts.latencyMs, uploadMbps: opts.bandwidthMbps }
}

/** Background settings for a local network of many nodes in one process. */
function backgroundInit (dht: LocalnetOptions['dht']): BackgroundInit {
  return {
    // a 200 ms heartbeat forms meshes in about a second; the spec's 1 s is meant for real networks
    heartbeatIntervalMs: 200,
    // N nodes in one process dialling each other all-to-all cost N² handshakes on one core. Each node dials the 2
    // that follow it in address order, so each has 4 connections: gossipsub's mesh low watermark, with half the
    // handshakes of dialling 4 (100 nodes over TCP started in 7–15 s instead of 21–37 s); the DHT finds the rest
    bootstrapPeerLimit: 2,
    // nodes start in reverse address order (startNetwork), so the last two dial the first two long before these
    // listen: retry every 2 s for as long as a start of 1,000 nodes takes, where the defaults give up after 7.5 s
    bootstrapRetries: 60,
    bootstrapBackoffMaxMs: 2000,
    // every node already knows the staked set; DHT servers each keep their 20 closest peers connected, and at 50
    // nodes the CPU settled about 47 s after start against 20 s with clients (`--dht server` works, at that cost)
    clientMode: dht === 'client'
  }
}

/**
 * `count` loopback ports free now, below the kernel's ephemeral range: a port picked by binding to port 0 comes from
 * that range, and nodes that start later (they start a few at a time) found theirs taken as the source port of
 * another node's outbound connection. Each candidate is checked by binding to it.
 */
async function freePorts (count: number): Promise<number[]> {
  const lowestEphemeral = await readRegularTextFile('/proc/sys/net/ipv4/ip_local_port_range')
    .then(text => Number.parseInt(text.trim().split(/\s+/)[0] ?? '', 10))
    .catch(() => Number.NaN)
  const top = Number.isInteger(lowestEphemeral) && lowestEphemeral > 2048 ? lowestEphemeral : 32768
  // a random start, so two localnets at once rarely probe the same ports
  const span = top - 1024
  const first = 1024 + Math.floor(Math.random() * span)
  const ports: number[] = []
  for (let i = 0; i < span && ports.length < count; i++) {
    const port = 1024 + (first - 1024 + i) % span
    if (await canListen(port)) ports.push(port)
  }
  if (ports.length < count) throw new Error(`only ${ports.length} of ${count} loopback ports below ${top} are free`)
  return ports
}

/** Whether a listener can bind 127.0.0.1:`port` now (it is closed again at once). */
async function canListen (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true) }) })
  })
}

/**
 * Node starts under way at once. All at once, N starts share one event loop: at 300 nodes it stalled for 6–13 s,
 * handshakes and identify timed out and were redone. A few dozen keep the CPU busy and each start short.
 */
export const START_CONCURRENCY = 24

/** Pre-connections being dialled at once, for the same reason (all 999 at once at 1,000 nodes: dials timed out). */
export const DIAL_CONCURRENCY = 32

/**
 * Starts every node, {@link START_CONCURRENCY} at a time, in reverse address order: each background router dials
 * the nodes that follow it in address order when it starts, so these are already listening (but for the ring's
 * wrap-around, whose bootstrap retries until the first nodes are up). The first failure (or `signal`) ends every
 * other start at once.
 */
export async function startNetwork (net: LocalNetwork, out: Progress, signal: AbortSignal): Promise<void> {
  const failed = new AbortController()
  const startSignal = AbortSignal.any([signal, failed.signal])
  // every node start listens to it
  setMaxListeners(Infinity, startSignal)
  let started = 0
  const starts = [...net.modules].reverse().map(m => async () => {
    try {
      await startInterruptibly(m, startSignal)
    } catch (err) {
      failed.abort(err)
      throw err
    }
    out.progress(`started ${++started}/${net.modules.length} nodes`)
  })
  await drain(parallel(starts, { concurrency: START_CONCURRENCY }))
}

/**
 * Stops the nodes `--dead` chose (they started with the others, so every view holds them) and resolves once they
 * are stopped: their connections are closed, and a send to one fails.
 */
export async function stopDeadNodes (net: LocalNetwork, out: Progress): Promise<void> {
  const dead = [...net.faults.dead]
  if (dead.length === 0) return
  await Promise.all(dead.map(async i => { await net.modules[i]?.stop() }))
  out.say(`stopped ${dead.length} dead node${dead.length === 1 ? '' : 's'} (--dead): ${nodeList(dead)}`)
}

/** `val_3, val_17, …` for 0-based indices (the first 12, then how many more). */
export function nodeList (indices: readonly number[]): string {
  const shown = indices.slice(0, 12).map(i => `val_${i + 1}`).join(', ')
  return indices.length > 12 ? `${shown} … (${indices.length} in all)` : shown
}

/** Stops every node (whatever state it is in); never throws. */
export async function stopNetwork (net: LocalNetwork): Promise<void> {
  await Promise.allSettled(net.modules.map(async m => { await m.stop() }))
}

/**
 * Opens, before the broadcast, the connections its RainTree messages will use (the edges of the same broadcast in
 * the pure simulator), and waits until both ends of each have run identify: so the report times propagation rather
 * than first-contact handshakes and the identify exchanges that follow them (at 1,000 nodes in one process these
 * kept the CPU busy for 10 s after the dials returned, and the broadcast measured that) — as in a network that has
 * been running for a while. The background router's connections are warmed the same way by its bootstrap.
 */
export async function connectRainTreeEdges (opts: LocalnetOptions, net: LocalNetwork, out: Progress, signal: AbortSignal): Promise<void> {
  const edges = new Set<string>()
  simulateBroadcast(opts.nodes, opts.originator - 1, opts.mode, { onSend: (from, to) => { edges.add(`${from}:${to}`) } })
  const identified = new IdentifyWatch(net)
  try {
    let done = 0
    const started = performance.now()
    const pairs = [...edges].map(edge => edge.split(':').map(Number) as [number, number])
    for (const [from, to] of pairs) {
      identified.expect(from, to)
      identified.expect(to, from)
    }
    const dials = pairs.map(([from, to]) => async () => {
      const peer = net.peers[to] as Peer
      const addrs = opts.transport === 'memory' ? [memoryMultiaddr(peer.address)] : await multiaddrsOf(peer)
      try {
        await net.modules[from]?.node?.dial(addrs.map(a => a.encapsulate(`/p2p/${peerIdOf(peer).toString()}`)), { signal: signalWithTimeout(signal, STALL_MS) })
      } catch (err) {
        if (signal.aborted) return
        out.say(`warning: could not pre-connect val_${from + 1} → val_${to + 1}: ${(err as Error).message}`)
        identified.forget(from, to)
        identified.forget(to, from)
      }
      out.progress(`RainTree connections: ${++done}/${edges.size}`)
    })
    await drain(parallel(dials, { concurrency: DIAL_CONCURRENCY }))
    signal.throwIfAborted()
    out.say(`RainTree connections: ${edges.size} opened in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    const identifyStart = performance.now()
    const left = await identified.settled(out, signal)
    const seconds = ((performance.now() - identifyStart) / 1000).toFixed(1)
    out.say(left === 0
      ? `identify done on both ends of every RainTree connection in ${seconds} s`
      : `warning: ${left} connection ends not identified (no progress for ${STALL_MS / 1000} s); broadcasting anyway`)
  } finally {
    identified.close()
  }
}

/**
 * Waits for libp2p's identify on given connection ends: node i has identified peer j when its `peer:identify`
 * event named j, or (for a connection identified before the watch began) when its peer store lists j's protocols,
 * which only identify fills in.
 */
class IdentifyWatch {
  readonly #net: LocalNetwork
  /** the ends still waiting, by `${node}:${peerId}` */
  readonly #pending = new Map<string, { at: number, peer: Peer }>()
  readonly #listening = new AbortController()
  #changed: () => void = () => {}

  constructor (net: LocalNetwork) {
    this.#net = net
    setMaxListeners(Infinity, this.#listening.signal)
    net.modules.forEach((m, i) => {
      m.node?.addEventListener('peer:identify', evt => {
        if (this.#pending.delete(`${i}:${evt.detail.peerId.toString()}`)) this.#changed()
      }, { signal: this.#listening.signal })
    })
  }

  /** node `at` must identify node `peer` */
  expect (at: number, peer: number): void {
    const p = this.#net.peers[peer] as Peer
    this.#pending.set(`${at}:${peerIdOf(p).toString()}`, { at, peer: p })
  }

  /** node `at` will not identify node `peer` (the connection failed) */
  forget (at: number, peer: number): void {
    this.#pending.delete(`${at}:${peerIdOf(this.#net.peers[peer] as Peer).toString()}`)
  }

  /**
   * Resolves with the number of ends still waiting: 0 once all are identified, more when none was for STALL_MS.
   * Rejects with the signal's reason when it aborts.
   */
  async settled (out: Progress, signal: AbortSignal): Promise<number> {
    const total = this.#pending.size
    await Promise.all([...this.#pending].map(async ([key, { at, peer }]) => {
      const known = await this.#net.modules[at]?.node?.peerStore.get(peerIdOf(peer)).catch(() => undefined)
      if (known !== undefined && known.protocols.length > 0) this.#pending.delete(key)
    }))
    let stall: ReturnType<typeof setTimeout> | undefined
    try {
      return await new Promise<number>((resolve, reject) => {
        // it may have aborted while the peer stores were read
        if (signal.aborted) {
          reject(signal.reason)
          return
        }
        const arm = (): void => {
          clearTimeout(stall)
          stall = setTimeout(() => { resolve(this.#pending.size) }, STALL_MS)
        }
        this.#changed = () => {
          out.progress(`identify: ${total - this.#pending.size}/${total} connection ends`)
          if (this.#pending.size === 0) resolve(0)
          else arm()
        }
        signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true, signal: this.#listening.signal })
        this.#changed()
      })
    } finally {
      clearTimeout(stall)
      this.#changed = () => {}
    }
  }

  close (): void {
    this.#listening.abort()
  }
}

/** How far the mesh got when {@link waitForMesh} returned. */
export interface MeshOutcome {
  /** nodes that saw `need` topic peers and had a mesh */
  ready: number
  /** nodes in all */
  nodes: number
  /** topic peers each node needed: min(n - 1, 4) */
  need: number
}

/**
 * How long the mesh must go without a change, once every node is ready, to count as formed: two heartbeats
 * (GRAFTs of the last ready nodes settle into meshes).
 */
const MESH_QUIET_MS = 400

/**
 * Waits until each node sees at least min(n-1, 4) gossipsub topic peers (gossipsub's mesh low watermark is 4) and
 * has a mesh, then until the meshes stop changing for a moment; or until the count of ready nodes has not grown for
 * STALL_MS. Driven by the routers' `gossip:peers` events, with timers for the stall and the quiet moment.
 */
export async function waitForMesh (net: LocalNetwork, out: Progress, signal: AbortSignal): Promise<MeshOutcome> {
  const n = net.modules.length
  const need = Math.min(n - 1, 4)
  if (n < 2) return { ready: n, nodes: n, need }
  signal.throwIfAborted()
  const routers = net.modules.map(m => m.routers.unstaked)
  const ready = routers.map(r => isGossipRouter(r) && r.topicPeerCount() >= need && r.meshPeerCount() >= 1)
  const count = (): number => ready.filter(Boolean).length
  let best = count()
  const listening = new AbortController()
  // one listener per node
  setMaxListeners(Infinity, listening.signal)
  let stall: ReturnType<typeof setTimeout> | undefined
  let quiet: ReturnType<typeof setTimeout> | undefined
  try {
    return await new Promise<MeshOutcome>((resolve, reject) => {
      const finish = (): void => { resolve({ ready: count(), nodes: n, need }) }
      const armStall = (): void => {
        clearTimeout(stall)
        stall = setTimeout(finish, STALL_MS)
      }
      // every change restarts the quiet moment once all are ready
      const changed = (): void => {
        const c = count()
        out.progress(`gossipsub mesh: ${c}/${n} nodes ready`)
        if (c > best) {
          best = c
          armStall()
        }
        clearTimeout(quiet)
        if (c < n) {
          // a node that lost its peers after all were ready: wait for it as for the others
          if (stall === undefined) armStall()
          return
        }
        clearTimeout(stall)
        stall = undefined
        quiet = setTimeout(finish, MESH_QUIET_MS)
      }
      routers.forEach((r, i) => {
        if (!isGossipRouter(r)) return
        r.events.on('gossip:peers', ({ topicPeers, meshPeers }) => {
          ready[i] = topicPeers >= need && meshPeers >= 1
          changed()
        }, { signal: listening.signal })
      })
      signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true, signal: listening.signal })
      armStall()
      changed()
    })
  } finally {
    listening.abort()
    clearTimeout(stall)
    clearTimeout(quiet)
  }
}
