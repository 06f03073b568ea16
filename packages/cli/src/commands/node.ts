import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { InvalidConfigError, type CurrentHeightProvider, type PeerstoreProvider, type Router } from '@pokt-p2p/types'
import { anyOf, createP2P, type P2PConfig } from '@pokt-p2p/p2p'
import {
  bootstrap, createRpcServer, genesisPeerstoreProvider, loadGenesisFile, rpcCurrentHeightProvider, rpcPeerstoreProvider,
  staticProviders
} from '@pokt-p2p/providers'
import type { RainTreeRouter } from '@pokt-p2p/raintree'
import type { BackgroundRouter, BootstrapFailure } from '@pokt-p2p/background'
import { intOption, parseOptions, stringOption, UsageError } from '../args.js'
import type { CommandContext } from '../context.js'
import { addressInUse, interruptedExitCode, PortInUseError } from '../errors.js'
import { sleep, startInterruptibly } from '../lifecycle.js'

/** How long `--broadcast-wait-peers` waits for its gossip peers before broadcasting anyway. */
const BROADCAST_WAIT_PEERS_MAX_MS = 60_000

export const nodeHelp = `pokt-p2p node --config FILE [--broadcast TEXT] [--broadcast-wait-peers K] [--broadcast-delay-ms MS]

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

  stdout, one JSON object per line:
    {"event":"starting","address","hostname","port"}  (the start lasts until the bootstrap has dialled every peer)
    {"event":"started","address","staked","listen"} (and "rpc", the RPC server's URL, with "rpc" in the config)
    {"event":"received","router","from","typeUrl","bytes","text"}  each message delivered to the application, once,
                                    with the router whose copy arrived first ("raintree" or "background")
    {"event":"duplicate","router","from"}  a later copy of a delivered message (usually the other router's), dropped
    {"event":"broadcast","text","gossipPeers"}
    {"event":"stopped"}
  stderr, one JSON object per line: what failed or could not be reached
    {"event":"unreachable","router":"background","peer","attempts","reason"}  a peer the bootstrap could not dial
    {"event":"isolated","router":"background","error"}  the bootstrap could dial no peer (the node keeps trying)
    {"event":"gossip-peers-short","router","want","have","waitedMs"}  --broadcast-wait-peers gave up waiting
    {"event":"send-failed","router","to","level","error"}  a send that failed (to is null for a whole broadcast)
    {"event":"invalid","router","from","error"}  a message that was rejected
    {"event":"bootstrapped","url","height","stakedPeers"}, {"event":"stopping","reason"}`

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
    if (typeof rpc.port !== 'number' || !Number.isInteger(rpc.port) || rpc.port < 0 || rpc.port > 65535) fail('rpc.port', `must be an integer in [0, 65535], got ${JSON.stringify(rpc.port)}`)
    if (rpc.hostname !== undefined && typeof rpc.hostname !== 'string') fail('rpc.hostname', 'must be a string')
  }
  return raw as unknown as NodeFileConfig
}

/** One JSON line on stderr. */
function logJson (ctx: CommandContext, record: Record<string, unknown>): void {
  ctx.log(JSON.stringify(record))
}

const describe = (e: unknown): string => e instanceof Error ? `${e.name}: ${e.message}` : String(e)

/** Logs, as JSON lines on stderr, the failures a router reports on its own events (sends, bootstrap, rejections). */
function followRouter (router: Router, ctx: CommandContext): void {
  if (router.name === 'raintree') {
    const rt = router as RainTreeRouter
    rt.events.on('send-error', e => { logJson(ctx, { event: 'send-failed', router: rt.name, to: e.to, level: e.level, error: describe(e.error) }) })
    rt.events.on('drop', e => { logJson(ctx, { event: 'invalid', router: rt.name, from: e.from, reason: e.reason, error: describe(e.error) }) })
  } else if (router.name === 'background') {
    const bg = router as BackgroundRouter
    const unreachable = (failed: BootstrapFailure[]): void => {
      for (const f of failed) logJson(ctx, { event: 'unreachable', router: bg.name, peer: f.address, attempts: f.attempts, reason: f.reason })
    }
    bg.events.on('bootstrap:succeeded', e => { unreachable(e.failed) })
    bg.events.on('bootstrap:failed', e => {
      unreachable(e.failed)
      logJson(ctx, { event: 'isolated', router: bg.name, error: `none of the ${e.failed.length} bootstrap peers could be reached; the node keeps trying` })
    })
    bg.events.on('message:rejected', e => { logJson(ctx, { event: 'invalid', router: bg.name, from: e.from ?? null, reason: e.reason, error: describe(e.error) }) })
  }
}

/** Resolves when `signal` aborts (at once when it already has). */
async function aborted (signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => { signal.addEventListener('abort', () => { resolve() }, { once: true }) })
}

export async function node (argv: string[], ctx: CommandContext): Promise<number> {
  const o = parseOptions(argv, {
    config: { type: 'string' }, broadcast: { type: 'string' }, 'broadcast-delay-ms': { type: 'string' }, 'broadcast-wait-peers': { type: 'string' }
  }, 'node')
  if (o.help === true) { ctx.out(nodeHelp); return 0 }
  const file = stringOption('config', o.config)
  if (file === undefined) throw new UsageError('node: --config FILE is required')
  const waitPeers = intOption('broadcast-wait-peers', o['broadcast-wait-peers'], 0, 0, 10_000)
  const delay = intOption('broadcast-delay-ms', o['broadcast-delay-ms'], o['broadcast-wait-peers'] === undefined ? 3000 : 0, 0, 600_000)
  const message = stringOption('broadcast', o.broadcast)
  const path = resolve(file)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new UsageError(`node: cannot read --config ${path}: ${(err as Error).message}`, { cause: err })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new InvalidConfigError(path, `not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  const config = parseNodeFileConfig(json, path)
  const { signal } = ctx

  let heights: CurrentHeightProvider
  let peerstores: PeerstoreProvider
  if (config.genesis_file !== undefined) {
    const genesisPath = resolve(dirname(path), config.genesis_file)
    const g = await loadGenesisFile(genesisPath)
    heights = staticProviders({ height: g.height ?? 1n })
    peerstores = genesisPeerstoreProvider({ path: genesisPath })
  } else {
    let found
    try {
      found = await bootstrap(config.p2p.bootstrap_nodes_csv ?? '', { signal })
    } catch (err) {
      signal.throwIfAborted()
      throw err
    }
    logJson(ctx, { event: 'bootstrapped', url: found.url, height: String(found.height), stakedPeers: found.peerstore.size })
    heights = rpcCurrentHeightProvider({ url: found.url })
    peerstores = rpcPeerstoreProvider({ url: found.url })
  }

  const p2p = createP2P({ config: config.p2p, currentHeightProvider: heights, peerstoreProvider: peerstores })
  p2p.events.on('router:created', ({ router }) => { followRouter(router, ctx) })
  p2p.events.on('message', ({ content, router, from }) => {
    const text = Buffer.from(content.value).toString('utf8')
    ctx.out(JSON.stringify({ event: 'received', router, from: from ?? null, typeUrl: content.typeUrl, bytes: content.value.length, text: text.slice(0, 200) }))
  })
  p2p.events.on('duplicate', ({ router, from }) => {
    // the background router hands a node its own broadcasts back (gossipsub emitSelf): not a copy from the network
    if (from === p2p.getAddress()) return
    ctx.out(JSON.stringify({ event: 'duplicate', router, from: from ?? null }))
  })
  p2p.events.on('invalid', ({ router, error }) => { logJson(ctx, { event: 'invalid', router, from: null, error: describe(error) }) })
  p2p.events.on('broadcast:failed', ({ router, error }) => { logJson(ctx, { event: 'send-failed', router, to: null, error: describe(error) }) })

  const rpcServer = config.rpc === undefined ? undefined : createRpcServer({ heightProvider: heights, peerstoreProvider: peerstores })
  try {
    ctx.out(JSON.stringify({ event: 'starting', address: p2p.getAddress(), hostname: p2p.config.hostname, port: p2p.config.port }))
    try {
      await startInterruptibly(p2p, signal)
    } catch (err) {
      const inUse = addressInUse(err)
      if (inUse !== undefined) throw new PortInUseError(inUse.host, inUse.port, `p2p.port of ${path}`, { cause: err })
      throw err
    }
    if (rpcServer !== undefined && config.rpc !== undefined) {
      const host = config.rpc.hostname ?? '127.0.0.1'
      try {
        await rpcServer.listen(config.rpc.port, host)
      } catch (err) {
        if (addressInUse(err) !== undefined) throw new PortInUseError(host, config.rpc.port, `rpc.port of ${path}`, { cause: err })
        throw err
      }
    }
    const addrs = p2p.node?.getMultiaddrs().map(String) ?? []
    ctx.out(JSON.stringify({ event: 'started', address: p2p.getAddress(), staked: p2p.isStaked(), listen: addrs, ...(rpcServer === undefined ? {} : { rpc: rpcServer.url }) }))

    if (message !== undefined) {
      const bg = p2p.routers.unstaked as BackgroundRouter | undefined
      // bounded: a broadcast that waits forever for gossip peers would not reach RainTree's peers either
      const waitUntil = Date.now() + BROADCAST_WAIT_PEERS_MAX_MS
      while (bg !== undefined && bg.topicPeerCount() < waitPeers && Date.now() < waitUntil) await sleep(100, signal)
      if (bg !== undefined && bg.topicPeerCount() < waitPeers) {
        logJson(ctx, { event: 'gossip-peers-short', router: bg.name, want: waitPeers, have: bg.topicPeerCount(), waitedMs: BROADCAST_WAIT_PEERS_MAX_MS })
      }
      if (delay > 0) await sleep(delay, signal)
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
    if (signal.aborted) logJson(ctx, { event: 'stopping', reason: describe(signal.reason) })
    await rpcServer?.close()
    await p2p.stop()
  }
  ctx.out(JSON.stringify({ event: 'stopped' }))
  return interruptedExitCode(signal.reason)
}
