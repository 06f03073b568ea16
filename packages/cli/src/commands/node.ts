import { dirname, resolve } from 'node:path'
import delay from 'delay'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import {
  InvalidConfigError, integerOption, signalWithTimeout, type CurrentHeightProvider, type PeerstoreProvider,
  type Router
} from '@pokt-p2p/types'
import { anyOf, createP2P, parseP2PConfig, type P2PConfig, type RouterRole } from '@pokt-p2p/p2p'
import { RainTreeRouter } from '@pokt-p2p/raintree'
import {
  bootstrap, genesisPeerstoreProvider, loadGenesisFile, readRegularTextFile, rpcCurrentHeightProvider, rpcPeerstoreProvider,
  rpcServer, staticProviders
} from '@pokt-p2p/providers'
import { intOption, onOffOption, parseOptions, stringOption, UsageError } from '../args.js'
import type { CommandContext } from '../context.js'
import { addressInUse, interruptedExitCode, PortInUseError } from '../errors.js'
import { startInterruptibly } from '../lifecycle.js'
import { jsonLogger } from '../logging.js'
import { serveMetrics, type MetricsServer } from '../metrics-server.js'
import { checkPortsFree } from '../ports.js'
import { isGossipRouter, onBootstrap, rainTreeLayers, waitForTopicPeers } from '../routers.js'
import {
  CONTROL_MAX_LINE_BYTES, CONTROL_MAX_PAYLOAD_BYTES, CONTROL_MAX_PENDING, ControlChannel, controlPayload, controlPayloadId, ControlRouterUnavailableError,
  preciseNow, type BroadcastCommand
} from './control.js'

/** How long `--broadcast-wait-peers` waits for its gossip peers before broadcasting anyway. */
const BROADCAST_WAIT_PEERS_MAX_MS = 60_000

/** The help text of `pokt-p2p node` (`--help`). */
export const nodeHelp = `pokt-p2p node --config FILE [--broadcast TEXT] [--broadcast-wait-peers K] [--broadcast-delay-ms MS]
                     [--metrics-port P [--metrics-host H]] [--control stdin] [--ack on|off] [--cleanup on|off]

  Runs one long-lived node until SIGINT/SIGTERM, then stops it cleanly (exit status 130 / 143).
  The config file (JSON):
    {
      "p2p": { "private_key": "<128 hex>", "hostname": "127.0.0.1", "port": 42069, ... },  // reference P2PConfig fields
      "genesis_file": "genesis.json",            // staked set from a genesis file (path relative to the config), or
                                                  // omit it to bootstrap over RPC from p2p.bootstrap_nodes_csv
      "rpc": { "hostname": "127.0.0.1", "port": 50832 }   // optional: serve the RPC API for others to bootstrap from
    }
  --broadcast TEXT           broadcast TEXT once after start (as pocket.DebugMessage)
  --broadcast-wait-peers K   before broadcasting, wait until K peers are subscribed to the gossip topic (default 0;
                             at most 60 s, then it broadcasts anyway and logs gossip-peers-short)
  --broadcast-delay-ms MS    then wait MS more (default 3000, or 0 with --broadcast-wait-peers)
  --metrics-port P           serve Prometheus metrics at http://H:P/metrics: this node's (pokt_p2p_*, pokt_raintree_*,
                             pokt_background_*, pokt_transport_*), libp2p's own (libp2p_*, gossipsub_*) and the
                             process's (nodejs_*, process_*). Default: no metrics server
  --metrics-host H           the address it listens on (default 127.0.0.1; 0.0.0.0 for every interface)
  --control stdin            take commands on stdin (what a test bed drives a node with; see "control channel" below).
                             Without it stdin is not read at all
  --ack on|off               RainTree's ACK / adjust / resend layer (default: the router's own default, on)
  --cleanup on|off           RainTree's clean-up layer, IGYW: neighbours ask each other for a message after a delay
                             and repair who lacks it (default: the router's own default, on). Both apply to the
                             staked router only, and need its stream protocol; "started" says what is in effect

  control channel (--control stdin): one JSON command a line, each at most ${CONTROL_MAX_LINE_BYTES} bytes; commands that
  come before "started" wait (in order, at most ${CONTROL_MAX_PENDING}) and run after it. The end of stdin does not stop the
  node (whoever drives it may close stdin or keep it open); SIGINT/SIGTERM do.
    {"cmd":"broadcast","id":"b1","bytes":4194304,"router":"both"}
        id: 1..64 characters of [A-Za-z0-9._-]; bytes: the payload size, from the id's length + 1 to ${CONTROL_MAX_PAYLOAD_BYTES}
        (the largest message less framing); the payload is id, "\\n", then "." (as pocket.DebugMessage); router:
        "both" (default: the module's broadcast, as --broadcast), "raintree" (the staked router only; staked nodes),
        "background" (gossipsub only; it sends no message over 4 MiB less 64 KiB). Broadcasts run one at a time in
        arrival order, at most ${CONTROL_MAX_PENDING} waiting
    {"cmd":"ping","id":"p1"}     answered at once with "pong"
  "at" and "doneAt" are wall-clock epoch milliseconds with a sub-millisecond fraction (comparable between processes
  on one machine).

  stdout, one JSON object per line:
    {"event":"starting","address","hostname","port"}  (the start lasts until the bootstrap has dialled every peer)
    {"event":"started","at","address","staked","listen"} (and "rpc", the RPC server's URL, with "rpc" in the
                                    config, "metrics", the metrics URL, with --metrics-port, and "raintree":
                                    {"ack","cleanup"}, the RainTree layers in effect, on a staked node)
    {"event":"received","router","from","typeUrl","bytes","text","at","id","nonce"}  each message delivered to the
                                    application, once, with the router whose copy arrived first ("raintree" or
                                    "background"); id: the payload's text before its first "\\n" when that is a
                                    valid id (a control broadcast's), else null; nonce: the envelope's, in decimal
    {"event":"duplicate","router","from","at","id","nonce"}  a later copy of a delivered message (usually the other
                                    router's), dropped
    {"event":"broadcast","text","gossipPeers"}  --broadcast returned
    {"event":"broadcasting","id","router","bytes","at"}  a control broadcast is sent now
    {"event":"broadcast","id","router","bytes","at","doneAt","gossipPeers"}  it returned (doneAt); gossipPeers: the
                                    peers on the gossip topic then
    {"event":"pong","id","at"}      the answer to a ping
    {"event":"stopped"}
  stderr, one JSON object per line: what failed or could not be reached
    {"event":"unreachable","router":"background","peer","attempts","reason"}  a peer the bootstrap could not dial
    {"event":"isolated","router":"background","error"}  the bootstrap could dial no peer (the node keeps trying)
    {"event":"gossip-peers-short","router","want","have","waitedMs"}  --broadcast-wait-peers gave up waiting
    {"event":"send-failed","router","to","level","error"}  a send that failed (to is null for a whole broadcast;
                                    "id" names the control broadcast it was part of)
    {"event":"control-error","error","line"}  a control line that was not run: error names the field that was wrong
                                    (or "(line)"), line is its first 200 characters
    {"event":"invalid","router","from","reason","error"}  a message that was rejected, and why
    {"event":"bootstrapped","url","height","stakedPeers"}, {"event":"stopping","reason"}
    {"event":"log","level","namespace","time","message"}  the libraries' logs: every error of a pokt:* component
                                    (a failed send names the peer and the reason), and the debug lines of the
                                    namespaces DEBUG enables, as for libp2p: DEBUG=pokt:* (every Pocket P2P
                                    component: pokt:p2p, pokt:raintree, pokt:background, pokt:transport,
                                    pokt:providers), DEBUG=pokt:*,libp2p:* (libp2p's too), DEBUG=pokt:*:trace
                                    (per-message trace lines), -pokt:transport to leave one out`

/** The `node --config` file. */
export interface NodeFileConfig {
  /** the node's P2P configuration: reference `P2PConfig` fields, of which only `private_key` is required */
  p2p: Partial<P2PConfig> & {
    /** 128 hex characters: ed25519 seed ‖ public key */
    private_key: string
  }
  /** a genesis file with the staked set (path relative to the config file); absent: bootstrap over RPC */
  genesis_file?: string
  /** serve the RPC API (height and staked set) for other nodes to bootstrap from */
  rpc?: {
    /** listen host (default `127.0.0.1`) */
    hostname?: string
    /** listen port */
    port: number
  }
}

const CONFIG_KEYS = new Set(['p2p', 'genesis_file', 'rpc'])

/** Validates a parsed node config file; errors name the file and field. */
export function parseNodeFileConfig (json: unknown, file: string): NodeFileConfig {
  const fail = (field: string, reason: string): never => { throw new InvalidConfigError(`${file}: ${field}`, reason) }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('(top level)', 'must be a JSON object')
  const raw = json as Record<string, unknown>
  for (const k of Object.keys(raw)) if (!CONFIG_KEYS.has(k)) fail(k, 'unknown field (known: p2p, genesis_file, rpc)')
  if (typeof raw.p2p !== 'object' || raw.p2p === null) fail('p2p', 'is required: an object with at least private_key')
  if (raw.genesis_file !== undefined && (typeof raw.genesis_file !== 'string' || raw.genesis_file === '')) fail('genesis_file', 'must be a non-empty string')
  if (raw.rpc !== undefined) {
    const rpc = raw.rpc as Record<string, unknown>
    if (typeof rpc !== 'object' || rpc === null) fail('rpc', 'must be an object')
    integerOption(`${file}: rpc.port`, rpc.port, { min: 0, max: 65535 })
    if (rpc.hostname !== undefined && typeof rpc.hostname !== 'string') fail('rpc.hostname', 'must be a string')
  }
  return raw as unknown as NodeFileConfig
}

/** One JSON line on stderr. */
function logJson (ctx: CommandContext, record: Record<string, unknown>): void {
  ctx.log(JSON.stringify(record))
}

const describe = (e: unknown): string => e instanceof Error ? `${e.name}: ${e.message}` : String(e)

/**
 * Logs, as JSON lines on stderr, the failures a router reports on its own events: sends that failed, messages it
 * dropped (the `Router` contract's events) and, for a router that bootstraps, the peers it could not reach. Only
 * the generic events are used: any router is followed the same way.
 */
function followRouter (router: Router, ctx: CommandContext): void {
  router.events.on('send:failed', e => {
    // RainTree adds the level of the message to the generic event
    const level = 'level' in e && typeof e.level === 'number' ? { level: e.level } : {}
    logJson(ctx, { event: 'send-failed', router: router.name, to: e.to, ...level, error: describe(e.error) })
  })
  router.events.on('drop', e => { logJson(ctx, { event: 'invalid', router: router.name, from: e.from ?? null, reason: e.reason, error: describe(e.error) }) })
  onBootstrap(router, ({ failed, isolated }) => {
    for (const f of failed) logJson(ctx, { event: 'unreachable', router: router.name, peer: f.target, attempts: f.attempts, reason: f.error.message })
    if (isolated) logJson(ctx, { event: 'isolated', router: router.name, error: `none of the ${failed.length} bootstrap peers could be reached; the node keeps trying` })
  })
}

/** The RainTree layers in effect (read from the router: the options say only what was asked), for `started`. */
function raintreeLayers (router: Router | undefined): { raintree?: { ack: boolean, cleanup: boolean } } {
  if (!(router instanceof RainTreeRouter)) return {}
  const { ack, cleanup } = router.layers
  return { raintree: { ack, cleanup } }
}

/** Resolves when `signal` aborts (at once when it already has). */
async function aborted (signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => { signal.addEventListener('abort', () => { resolve() }, { once: true }) })
}

/** `pokt-p2p node`: runs one node from a config file until a signal (see {@link nodeHelp}). */
export async function node (argv: string[], ctx: CommandContext): Promise<number> {
  const o = parseOptions(argv, {
    config: { type: 'string' }, broadcast: { type: 'string' }, 'broadcast-delay-ms': { type: 'string' }, 'broadcast-wait-peers': { type: 'string' },
    'metrics-port': { type: 'string' }, 'metrics-host': { type: 'string' }, control: { type: 'string' },
    ack: { type: 'string' }, cleanup: { type: 'string' }
  }, 'node')
  if (o.help === true) { ctx.out(nodeHelp); return 0 }
  const file = stringOption('config', o.config)
  if (file === undefined) throw new UsageError('node: --config FILE is required')
  const waitPeers = intOption('broadcast-wait-peers', o['broadcast-wait-peers'], 0, 0, 10_000)
  const delayMs = intOption('broadcast-delay-ms', o['broadcast-delay-ms'], o['broadcast-wait-peers'] === undefined ? 3000 : 0, 0, 600_000)
  const message = stringOption('broadcast', o.broadcast)
  const metricsPort = o['metrics-port'] === undefined ? undefined : intOption('metrics-port', o['metrics-port'], 0, 0, 65535)
  const metricsHost = stringOption('metrics-host', o['metrics-host']) ?? '127.0.0.1'
  if (o['metrics-host'] !== undefined && metricsPort === undefined) throw new UsageError('node: --metrics-host needs --metrics-port')
  const control = stringOption('control', o.control)
  if (control !== undefined && control !== 'stdin') throw new UsageError(`node: --control must be stdin (the only channel so far), got ${JSON.stringify(control)}`)
  const raintree = rainTreeLayers(onOffOption('ack', o.ack), onOffOption('cleanup', o.cleanup))
  const path = resolve(file)
  let text: string
  try {
    // a regular file of at most 1 MiB: a FIFO would block forever, /dev/zero grow until memory ran out
    text = await readRegularTextFile(path, { signal: ctx.signal })
  } catch (err) {
    ctx.signal.throwIfAborted()
    throw new UsageError(`node: --config: ${(err as Error).message}`, { cause: err })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new InvalidConfigError(path, `not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  const config = parseNodeFileConfig(json, path)
  const p2pConfig = parseP2PConfig(config.p2p)
  const { signal } = ctx
  // every port before anything starts: a taken one fails here, in one line naming it
  await checkPortsFree([
    ...(p2pConfig.connection_type === 'tcp' ? [{ host: p2pConfig.hostname, port: p2pConfig.port, what: `p2p.port of ${path}` }] : []),
    ...(config.rpc === undefined ? [] : [{ host: config.rpc.hostname ?? '127.0.0.1', port: config.rpc.port, what: `rpc.port of ${path}` }]),
    ...(metricsPort === undefined ? [] : [{ host: metricsHost, port: metricsPort, what: '--metrics-port' }])
  ])
  // every library logs through it: JSON lines on stderr, errors always, debug lines as DEBUG says
  const logger = jsonLogger({ write: line => { ctx.log(line) } })
  // one registry for the providers, libp2p and the module (prom-client's is process-wide: one node per process)
  const metrics = metricsPort === undefined ? undefined : prometheusMetrics()({ logger })
  const components = { logger, ...(metrics === undefined ? {} : { metrics }) }

  let heights: CurrentHeightProvider
  let peerstores: PeerstoreProvider
  if (config.genesis_file !== undefined) {
    const genesisPath = resolve(dirname(path), config.genesis_file)
    const g = await loadGenesisFile(genesisPath, { ...components, signal })
    heights = staticProviders({ height: g.height ?? 1n })(components)
    peerstores = genesisPeerstoreProvider({ path: genesisPath })(components)
  } else {
    let found
    try {
      found = await bootstrap(config.p2p.bootstrap_nodes_csv ?? '', { ...components, signal })
    } catch (err) {
      signal.throwIfAborted()
      throw err
    }
    logJson(ctx, { event: 'bootstrapped', url: found.url, height: String(found.height), stakedPeers: found.peerstore.size })
    heights = rpcCurrentHeightProvider({ url: found.url })(components)
    peerstores = rpcPeerstoreProvider({ url: found.url })(components)
  }

  const p2p = createP2P({
    config: config.p2p,
    currentHeightProvider: heights,
    peerstoreProvider: peerstores,
    logger,
    raintree,
    ...(metrics === undefined ? {} : { metrics: () => metrics })
  })
  p2p.events.on('router:created', ({ router }) => { followRouter(router, ctx) })
  p2p.events.on('message', ({ content, nonce, router, from }) => {
    // the first 800 bytes hold the first 200 characters: a 4 MiB payload is not decoded whole for them
    const text = Buffer.from(content.value.subarray(0, 800)).toString('utf8').slice(0, 200)
    ctx.out(JSON.stringify({
      event: 'received', router, from: from ?? null, typeUrl: content.typeUrl, bytes: content.value.length, text,
      at: preciseNow(), id: controlPayloadId(content.value), nonce: String(nonce)
    }))
  })
  p2p.events.on('duplicate', ({ nonce, content, router, from }) => {
    // the background router hands a node its own broadcasts back (gossipsub emitSelf): not a copy from the network
    if (from === p2p.getAddress()) return
    ctx.out(JSON.stringify({ event: 'duplicate', router, from: from ?? null, at: preciseNow(), id: controlPayloadId(content.value), nonce: String(nonce) }))
  })
  // the control broadcast running now, if any: a router's failure during it names it
  let controlId: string | undefined
  // the module's `invalid` events are its routers' drops, logged with their sender by followRouter
  p2p.events.on('broadcast:failed', ({ router, error }) => {
    logJson(ctx, { event: 'send-failed', ...(controlId === undefined ? {} : { id: controlId }), router, to: null, error: describe(error) })
  })
  // start() returns while the background router still bootstraps: say when that ends, and loudly if it fails
  p2p.events.on('router:started', ({ role, router }) => { logJson(ctx, { event: 'router-started', role, router: router.name }) })
  p2p.events.on('router:failed', ({ role, error }) => { logJson(ctx, { event: 'router-failed', role, error: describe(error) }) })

  const rpc = config.rpc === undefined
    ? undefined
    : rpcServer({ port: config.rpc.port, host: config.rpc.hostname ?? '127.0.0.1' })({ ...components, heightProvider: heights, peerstoreProvider: peerstores })
  let metricsServer: MetricsServer | undefined

  /** One `broadcast` command of the control channel, through the router(s) it names. */
  const controlBroadcast = async (c: BroadcastCommand): Promise<void> => {
    const content = anyOf('pocket.DebugMessage', controlPayload(c.id, c.bytes))
    if (c.router === 'raintree' && !p2p.isStaked()) {
      throw new ControlRouterUnavailableError(c.router, 'this node is not staked: it has no RainTree router')
    }
    if (c.router === 'background' && p2p.routers.unstaked === undefined) {
      throw new ControlRouterUnavailableError(c.router, 'this node runs no background router')
    }
    // one router alone still goes through the module: the broadcast is this node's own, its echoes duplicates
    const routers: RouterRole[] | undefined = c.router === 'both' ? undefined : [c.router === 'raintree' ? 'staked' : 'unstaked']
    const at = preciseNow()
    ctx.out(JSON.stringify({ event: 'broadcasting', id: c.id, router: c.router, bytes: c.bytes, at }))
    controlId = c.id
    try {
      await p2p.broadcast(content, { signal, ...(routers === undefined ? {} : { routers }) })
    } finally {
      controlId = undefined
    }
    const doneAt = preciseNow()
    const bg = p2p.routers.unstaked
    ctx.out(JSON.stringify({ event: 'broadcast', id: c.id, router: c.router, bytes: c.bytes, at, doneAt, gossipPeers: isGossipRouter(bg) ? bg.topicPeerCount() : 0 }))
  }
  // reads from now on (what comes before `started` waits), and stops reading when the command ends however it ends
  const controlStop = new AbortController()
  const channel = control === undefined
    ? undefined
    : new ControlChannel({
      input: process.stdin,
      out: r => { ctx.out(JSON.stringify(r)) },
      log: r => { logJson(ctx, r) },
      broadcast: controlBroadcast,
      signal: AbortSignal.any([signal, controlStop.signal])
    })
  try {
    ctx.out(JSON.stringify({ event: 'starting', address: p2p.getAddress(), hostname: p2p.config.hostname, port: p2p.config.port }))
    try {
      await startInterruptibly(p2p, signal)
    } catch (err) {
      const inUse = addressInUse(err)
      if (inUse !== undefined) throw new PortInUseError(inUse.host, inUse.port, `p2p.port of ${path}`, { cause: err })
      throw err
    }
    if (rpc !== undefined && config.rpc !== undefined) {
      const host = config.rpc.hostname ?? '127.0.0.1'
      try {
        await rpc.start()
      } catch (err) {
        if (addressInUse(err) !== undefined) throw new PortInUseError(host, config.rpc.port, `rpc.port of ${path}`, { cause: err })
        throw err
      }
    }
    if (metricsPort !== undefined) {
      try {
        metricsServer = await serveMetrics(metricsPort, metricsHost)
      } catch (err) {
        if (addressInUse(err) !== undefined) throw new PortInUseError(metricsHost, metricsPort, '--metrics-port', { cause: err })
        throw err
      }
    }
    const addrs = p2p.node?.getMultiaddrs().map(String) ?? []
    ctx.out(JSON.stringify({
      event: 'started',
      at: preciseNow(),
      address: p2p.getAddress(),
      staked: p2p.isStaked(),
      listen: addrs,
      ...(rpc === undefined ? {} : { rpc: rpc.url }),
      ...(metricsServer === undefined ? {} : { metrics: metricsServer.url }),
      ...raintreeLayers(p2p.routers.staked)
    }))
    channel?.ready()

    if (message !== undefined) {
      const gossip = p2p.routers.unstaked
      // the gossip copy needs the background router started (its bootstrap ends after start()); bounded as below
      if (gossip !== undefined && !gossip.isStarted()) await waitForRouterStart(p2p, BROADCAST_WAIT_PEERS_MAX_MS, signal, ctx)
      const bg = isGossipRouter(gossip) ? gossip : undefined
      // bounded: a broadcast that waits forever for gossip peers would not reach RainTree's peers either
      if (bg !== undefined && !(await waitForTopicPeers(bg, waitPeers, BROADCAST_WAIT_PEERS_MAX_MS, signal))) {
        logJson(ctx, { event: 'gossip-peers-short', router: bg.name, want: waitPeers, have: bg.topicPeerCount(), waitedMs: BROADCAST_WAIT_PEERS_MAX_MS })
      }
      if (delayMs > 0) await delay(delayMs, { signal })
      try {
        await p2p.broadcast(anyOf('pocket.DebugMessage', new TextEncoder().encode(message)), { signal })
      } catch (err) {
        if (signal.aborted) throw err
        // every router failed: say so and keep running (the node still relays and receives)
        logJson(ctx, { event: 'send-failed', router: null, to: null, error: describe(err) })
      }
      const gossipPeers = bg?.topicPeerCount() ?? 0
      if (bg !== undefined && gossipPeers === 0) {
        logJson(ctx, { event: 'send-failed', router: bg.name, to: null, error: 'no peer is subscribed to the gossip topic: the gossip copy reached nobody' })
      }
      ctx.out(JSON.stringify({ event: 'broadcast', text: message, gossipPeers }))
    }
    await aborted(signal)
  } catch (err) {
    // a signal during start or before the broadcast ends the run like one afterwards; anything else is a failure
    if (!(signal.aborted && err === signal.reason)) throw err
  } finally {
    controlStop.abort()
    if (signal.aborted) logJson(ctx, { event: 'stopping', reason: describe(signal.reason) })
    await channel?.idle()
    await rpc?.stop()
    await metricsServer?.close()
    await p2p.stop()
  }
  ctx.out(JSON.stringify({ event: 'stopped' }))
  return interruptedExitCode(signal.reason)
}

/** Waits until the module's unstaked router has started or failed; logs `router-starting` when `maxMs` passed first. */
async function waitForRouterStart (p2p: ReturnType<typeof createP2P>, maxMs: number, signal: AbortSignal, ctx: CommandContext): Promise<void> {
  const done = new AbortController()
  const bounded = AbortSignal.any([signalWithTimeout(signal, maxMs), done.signal])
  try {
    await Promise.race([
      p2p.events.once('router:started', { signal: bounded, filter: d => d.role === 'unstaked' }),
      p2p.events.once('router:failed', { signal: bounded, filter: d => d.role === 'unstaked' })
    ])
  } catch {
    signal.throwIfAborted()
    logJson(ctx, { event: 'router-starting', role: 'unstaked', waitedMs: maxMs })
  } finally {
    done.abort()
  }
}
