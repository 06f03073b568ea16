import type { ConnectionType, RainTreeMode } from '@pokt-p2p/types'
import { choiceOption, intOption, numberOption, onOffOption, parseOptions, stringOption, UsageError } from '../../args.js'

/** The help text of `pokt-p2p localnet` (`--help`). */
export const localnetHelp = `pokt-p2p localnet [options]

  Starts N staked nodes in this process, broadcasts once, waits until the network is quiet, prints a report
  (propagation tree, per-node RainTree reads/writes, coverage, depth, timings, totals) and stops.
  --nodes N              1..1000 over memory, 1..300 over TCP (default 27)
  --originator K         1..N, val_K broadcasts (default 1)
  --mode M               reference | complete (default complete)
  --transport T          tcp | memory (default tcp)
  --background on|off    also gossip with the background router (default on)
  --payload-bytes B      0..4194304 (default 1024)
  --seed S               key seed; val_i is the i-th smallest address (default "pokt")
  --dht client|server    kad-dht mode of the background routers (default client: every node already knows the
                         staked set, and DHT servers keep more connections and CPU busy in one process)
  --quiet-ms MS          how long without traffic counts as quiet (default 500)
  --latency-ms L         0..10000: every message arrives L ms after it left, pipelined like a real link
                         (default 0; needs --transport memory)
  --bandwidth-mbps B     each node's uplink, shared by its connections, in Mbit/s (> 0; default unlimited;
                         needs --transport memory)
  --dead F               0 <= F < 1: stop round(F·N) nodes (drawn from --seed, never the originator) after set-up,
                         before the broadcasts (default 0)
  --crash-after-receive F
                         0 <= F < 1: round(F·N) other nodes stop as soon as the measured broadcast reaches their
                         RainTree router: it ACKs, forwards nothing (default 0; needs --background off)
  --ack on|off           RainTree's ACK / adjust / resend layer (default: the router's, on)
  --cleanup on|off       RainTree's clean-up layer, IGYW (default: the router's, on; on with --crash-after-receive
                         whatever the router's default)
  --json                 print one JSON object on stdout (logs on stderr)

  Every figure of the report is read from each node's own metrics (reads and writes from pokt_raintree_*, bytes
  from pokt_transport_bytes_total, gossip copies and bytes from gossipsub_rpc_sent_*), and first-delivery times
  are also recorded per node in the histogram pokt_localnet_delivery_seconds{router}.`

/**
 * The largest network `localnet` runs in one process, by transport: what reached every node in 3 runs out of 3 on a
 * 2-core machine.
 */
export const MAX_NODES: Readonly<Record<ConnectionType, number>> = { memory: 1000, tcp: 300 }

/** Options of `runLocalnet`; {@link parseLocalnetOptions} makes them from command-line arguments. */
export interface LocalnetOptions {
  /** how many staked nodes to start (`--nodes`: up to 1,000 over memory, 300 over TCP) */
  nodes: number
  /** 1-based index (in address order) of the node that broadcasts (`--originator`) */
  originator: number
  /** RainTree targeting rules (`--mode`) */
  mode: RainTreeMode
  /** libp2p transport between the nodes (`--transport`) */
  transport: ConnectionType
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
  /** one-way latency of every connection in ms (`--latency-ms`, memory transport only) */
  latencyMs: number
  /** each node's uplink in Mbit/s, `null` for unlimited (`--bandwidth-mbps`, memory transport only) */
  bandwidthMbps: number | null
  /**
   * share of the nodes stopped after set-up, before the warm-up and the measured broadcast (`--dead`): round(F·N),
   * drawn from the seed, never the originator
   * @default 0
   */
  dead?: number
  /**
   * share of the nodes that stop as soon as the measured broadcast reaches their RainTree router, before they
   * forward it (`--crash-after-receive`): round(F·N) of the nodes neither dead nor the originator
   * @default 0
   */
  crashAfterReceive?: number
  /** RainTree's ACK / adjust / resend layer (`--ack`); undefined: the router's default */
  ack?: boolean
  /** RainTree's clean-up layer, IGYW (`--cleanup`); undefined: the router's default */
  cleanup?: boolean
}

/** Why emulated links need the memory transport (the usage error of `--latency-ms` and `--bandwidth-mbps` over TCP). */
const LINKS_NEED_MEMORY = 'needs --transport memory: TCP over loopback cannot be delayed or throttled per message ' +
  'from inside the process (that would take the kernel\'s netem, which is not available here); the memory transport emulates the links'

/**
 * `--latency-ms` and `--bandwidth-mbps`, checked against the transport: links are emulated on the memory transport
 * only. A latency of 0 over TCP is no emulation and is accepted.
 * @throws {UsageError} a value out of range, or a link over TCP
 */
export function parseLinkOptions (latency: string | boolean | undefined, bandwidth: string | boolean | undefined, transport: ConnectionType): { latencyMs: number, bandwidthMbps: number | null } {
  const latencyMs = numberOption('latency-ms', latency, 0, { min: 0, max: 10_000 })
  const bandwidthMbps = numberOption('bandwidth-mbps', bandwidth, null, { min: 0, max: 1_000_000, exclusiveMin: true })
  if (transport === 'tcp' && latencyMs > 0) throw new UsageError(`--latency-ms ${LINKS_NEED_MEMORY}`)
  if (transport === 'tcp' && bandwidthMbps !== null) throw new UsageError(`--bandwidth-mbps ${LINKS_NEED_MEMORY}`)
  return { latencyMs, bandwidthMbps }
}

/**
 * A share of the nodes in [0, 1) (`--dead`, `--crash-after-receive`); 0 when absent.
 * @throws {UsageError} naming `--name` and the value
 */
export function fractionOption (name: string, value: string | boolean | undefined): number {
  let fraction: number
  try {
    fraction = numberOption(name, value, 0, { min: 0, max: 1 })
  } catch {
    fraction = Number.NaN
  }
  if (!(fraction >= 0 && fraction < 1)) throw new UsageError(`--${name} must be a fraction at least 0 and below 1, got ${JSON.stringify(value)}`)
  return fraction
}

/**
 * `--dead`, `--crash-after-receive`, `--ack` and `--cleanup`, checked together: the faults must leave the originator
 * and at least one other node live, and a crash after receipt needs RainTree alone.
 * @throws {UsageError} naming the options and the values
 */
export function parseFaultOptions (o: Record<'dead' | 'crash-after-receive' | 'ack' | 'cleanup', string | boolean | undefined>, nodes: number, background: boolean): Pick<LocalnetOptions, 'dead' | 'crashAfterReceive' | 'ack' | 'cleanup'> {
  const dead = fractionOption('dead', o.dead)
  const crashAfterReceive = fractionOption('crash-after-receive', o['crash-after-receive'])
  if (dead > 0 || crashAfterReceive > 0) {
    const { dead: d, crashAfterReceive: c } = faultCounts(nodes, dead, crashAfterReceive)
    if (nodes - d - c < 2) {
      throw new UsageError(`--dead ${dead} and --crash-after-receive ${crashAfterReceive} stop ${d} + ${c} of ${nodes} nodes: ` +
        'they must leave the originator and at least one other node live')
    }
  }
  if (crashAfterReceive > 0 && background) {
    throw new UsageError('--crash-after-receive needs --background off: the crash is made in front of RainTree\'s transport, and ' +
      'gossipsub (inside libp2p) would receive and forward the same broadcast on its own')
  }
  const ack = onOffOption('ack', o.ack)
  const cleanup = onOffOption('cleanup', o.cleanup)
  return {
    dead,
    crashAfterReceive,
    // a dead head loses its whole range unless the sender hands the range on to the next node: ACK / adjust
    // does that (a failed send, or no ACK in time). Without faults, the router's own default
    ...(ack !== undefined ? { ack } : dead > 0 || crashAfterReceive > 0 ? { ack: true } : {}),
    // a node that crashes after receiving has ACKed first (RainTree ACKs a range before forwarding it): its sender
    // counts the range as taken, and only the clean-up walks of its neighbours repair it
    ...(cleanup !== undefined ? { cleanup } : crashAfterReceive > 0 ? { cleanup: true } : {})
  }
}

/**
 * How many nodes `--dead` and `--crash-after-receive` stand for among `nodes`: round(F·N) each, the simulator's
 * rule, dead ones first (at most N − 1), then crashes among the rest but the originator.
 */
export function faultCounts (nodes: number, dead: number, crashAfterReceive: number): { dead: number, crashAfterReceive: number } {
  const d = Math.max(0, Math.min(nodes - 1, Math.round(dead * nodes)))
  const c = Math.max(0, Math.min(nodes - 1 - d, Math.round(crashAfterReceive * nodes)))
  return { dead: d, crashAfterReceive: c }
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
    'quiet-ms': { type: 'string' }, json: { type: 'boolean' }, dht: { type: 'string' },
    'latency-ms': { type: 'string' }, 'bandwidth-mbps': { type: 'string' },
    dead: { type: 'string' }, 'crash-after-receive': { type: 'string' }, ack: { type: 'string' }, cleanup: { type: 'string' }
  }, 'localnet')
  const transport = choiceOption<ConnectionType>('transport', o.transport, ['tcp', 'memory'], 'tcp')
  const nodes = intOption('nodes', o.nodes, 27, 1, MAX_NODES.memory)
  if (nodes > MAX_NODES[transport]) {
    throw new UsageError(`--nodes over ${transport} must be between 1 and ${MAX_NODES[transport]}, got ${nodes}: every TCP node in one ` +
      'process holds sockets and runs its handshakes on the same core; --transport memory runs up to ' + String(MAX_NODES.memory))
  }
  const originator = intOption('originator', o.originator, 1, 1, Number.MAX_SAFE_INTEGER)
  if (originator > nodes) throw new UsageError(`--originator must be between 1 and --nodes (${nodes}), got ${originator}`)
  const background = choiceOption('background', o.background, ['on', 'off'] as const, 'on') === 'on'
  return {
    help: o.help === true,
    nodes,
    originator,
    mode: choiceOption<RainTreeMode>('mode', o.mode, ['reference', 'complete'], 'complete'),
    transport,
    background,
    payloadBytes: intOption('payload-bytes', o['payload-bytes'], 1024, 0, 4 * 1024 * 1024),
    seed: stringOption('seed', o.seed) ?? 'pokt',
    dht: choiceOption('dht', o.dht, ['client', 'server'] as const, 'client'),
    quietMs: intOption('quiet-ms', o['quiet-ms'], 500, 50, 60_000),
    json: o.json === true,
    ...parseLinkOptions(o['latency-ms'], o['bandwidth-mbps'], transport),
    ...parseFaultOptions(o, nodes, background)
  }
}
