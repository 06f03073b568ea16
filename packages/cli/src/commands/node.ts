import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { InvalidConfigError, type CurrentHeightProvider, type PeerstoreProvider } from '@pokt-p2p/types'
import { anyOf, createP2P, type P2PConfig } from '@pokt-p2p/p2p'
import {
  bootstrap, createRpcServer, genesisPeerstoreProvider, loadGenesisFile, rpcCurrentHeightProvider, rpcPeerstoreProvider,
  staticProviders
} from '@pokt-p2p/providers'
import { intOption, parseOptions, stringOption, UsageError } from '../args.js'
import type { CommandContext } from '../context.js'

export const nodeHelp = `pokt-p2p node --config FILE [--broadcast TEXT] [--broadcast-delay-ms MS]

  Runs one long-lived node until SIGINT/SIGTERM, logging every message it receives (one line each on stdout).
  The config file (JSON):
    {
      "p2p": { "private_key": "<128 hex>", "hostname": "127.0.0.1", "port": 42069, ... },  // reference P2PConfig fields
      "genesis_file": "genesis.json",            // staked set from a genesis file (path relative to the config), or
                                                  // omit it to bootstrap over RPC from p2p.bootstrap_nodes_csv
      "rpc": { "hostname": "127.0.0.1", "port": 50832 }   // optional: serve the RPC API for others to bootstrap from
    }
  --broadcast TEXT         broadcast TEXT once after start (as pocket.DebugMessage)
  --broadcast-delay-ms MS  wait before broadcasting, so peers can connect (default 3000)`

/** The `node --config` file. */
export interface NodeFileConfig {
  p2p: Partial<P2PConfig> & { private_key: string }
  genesis_file?: string
  rpc?: { hostname?: string, port: number }
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

export async function node (argv: string[], ctx: CommandContext): Promise<number> {
  const o = parseOptions(argv, { config: { type: 'string' }, broadcast: { type: 'string' }, 'broadcast-delay-ms': { type: 'string' } }, 'node')
  if (o.help === true) { ctx.out(nodeHelp); return 0 }
  const file = stringOption('config', o.config)
  if (file === undefined) throw new UsageError('node: --config FILE is required')
  const delay = intOption('broadcast-delay-ms', o['broadcast-delay-ms'], 3000, 0, 600_000)
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

  let heights: CurrentHeightProvider
  let peerstores: PeerstoreProvider
  if (config.genesis_file !== undefined) {
    const genesisPath = resolve(dirname(path), config.genesis_file)
    const g = await loadGenesisFile(genesisPath)
    heights = staticProviders({ height: g.height ?? 1n })
    peerstores = genesisPeerstoreProvider({ path: genesisPath })
  } else {
    const found = await bootstrap(config.p2p.bootstrap_nodes_csv ?? '', { signal: ctx.signal })
    ctx.log(`bootstrapped from ${found.url}: height ${found.height}, ${found.peerstore.size} staked peers`)
    heights = rpcCurrentHeightProvider({ url: found.url })
    peerstores = rpcPeerstoreProvider({ url: found.url })
  }

  const p2p = createP2P({ config: config.p2p, currentHeightProvider: heights, peerstoreProvider: peerstores })
  p2p.events.on('message', ({ content, router, from }) => {
    const text = Buffer.from(content.value).toString('utf8')
    ctx.out(JSON.stringify({ event: 'received', typeUrl: content.typeUrl, bytes: content.value.length, router, from: from ?? null, text: text.slice(0, 200) }))
  })
  await p2p.start()
  const rpcServer = config.rpc === undefined ? undefined : createRpcServer({ heightProvider: heights, peerstoreProvider: peerstores })
  if (rpcServer !== undefined && config.rpc !== undefined) await rpcServer.listen(config.rpc.port, config.rpc.hostname ?? '127.0.0.1')
  const addrs = p2p.node?.getMultiaddrs().map(String) ?? []
  ctx.log(`node ${p2p.getAddress()} started (${p2p.isStaked() ? 'staked' : 'unstaked'}), listening on ${addrs.join(', ')}${rpcServer === undefined ? '' : `, RPC ${rpcServer.url}`}`)
  ctx.out(JSON.stringify({ event: 'started', address: p2p.getAddress(), staked: p2p.isStaked(), listen: addrs }))

  const stopped = new Promise<void>(resolve => { ctx.signal.addEventListener('abort', () => { resolve() }, { once: true }) })
  const message = stringOption('broadcast', o.broadcast)
  if (message !== undefined) {
    await Promise.race([new Promise(resolve => setTimeout(resolve, delay)), stopped])
    if (!ctx.signal.aborted) {
      await p2p.broadcast(anyOf('pocket.DebugMessage', new TextEncoder().encode(message)))
      ctx.out(JSON.stringify({ event: 'broadcast', text: message }))
    }
  }
  await stopped
  ctx.log('shutting down')
  await rpcServer?.close()
  await p2p.stop()
  ctx.out(JSON.stringify({ event: 'stopped' }))
  return 0
}
