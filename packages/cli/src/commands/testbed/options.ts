import { choiceOption, intOption, numberOption, onOffOption, parseOptions, stringOption, UsageError } from '../../args.js'
import { CONTROL_MAX_PAYLOAD_BYTES } from '../control.js'

/** The largest test bed: the network gives each host one address of a /24 (hosts 2..251). */
export const MAX_TESTBED_HOSTS = 250

/** The largest payload: what a node's `broadcast` control command accepts (its message limit less the framing). */
export const MAX_PAYLOAD_BYTES = CONTROL_MAX_PAYLOAD_BYTES

/** The help text of `pokt-p2p testbed` (`--help`). */
export const testbedHelp = `pokt-p2p testbed --validators N [--unstaked M] [options]
pokt-p2p testbed clean [--force] [--json]

  Linux, root. Starts N staked validators and M unstaked full nodes, each a separate 'pokt-p2p node' process in
  its own network namespace (pokttb-<i>), joined by veth pairs to one bridge on 10.213.0.0/24, optionally with a
  tc uplink limit per node; broadcasts from val_1 through the chosen router(s), applies faults on a schedule,
  measures from the nodes themselves (their JSON lines and their /metrics) and prints a report. Every namespace,
  link, qdisc, process and temporary file it made is removed on exit, on error and on SIGINT/SIGTERM.
  Latency is NOT emulated: the kernel here has no netem, so links are as fast as the veth pair (µs).

  --validators N         2..${MAX_TESTBED_HOSTS} staked nodes val_1 … val_N (val_i: the i-th smallest address)
  --unstaked M           0..${MAX_TESTBED_HOSTS - 2} unstaked full nodes full_1 … full_M, reached by the background
                         router only (default 0); N + M at most ${MAX_TESTBED_HOSTS}
  --uplink-mbps B        each node's uplink in Mbit/s (tc tbf, egress of its interface; default: unlimited)
  --payload-bytes S      broadcast size, 8..${MAX_PAYLOAD_BYTES} (default 1024): the node's message limit less
                         its framing; the payload starts with the broadcast's id and a newline
  --broadcasts R         measured broadcasts (default 1; with --router compare, R through each router)
  --router R             both | raintree | background | compare (default both). both: the P2P module's
                         broadcast, each router's copies timed apart; compare: raintree and background broadcasts
                         alternate on the same network, each through its router alone (as 'pokt-p2p bench')
  --interval-ms MS       pause between the starts of two broadcasts, 0..600000 (default 0: back to back;
                         a stream over time for --partition)
  --kill K               SIGKILL K validators (never val_1) when the first broadcast reaches its first node
  --stop K               SIGSTOP K validators then, SIGCONT them --stop-ms later (default 3000)
  --partition K          take K nodes' links down then (never val_1), up again --partition-ms later (default 5000)
  --restart K            SIGKILL K validators then and start them again at once, same key and config
  --kill-on-receive K    SIGKILL K validators (never val_1), each the moment the test bed reads its own "received"
                         line for the first measured broadcast: it has the message, has ACKed it and is
                         forwarding it (a crash the ACK layer cannot see; the clean-up layer can)
  --ack on|off           every node's RainTree ACK / adjust / resend layer (default: the router's default, on)
  --cleanup on|off       every node's RainTree clean-up layer, IGYW (default: the router's default, on); with
                         it on, each broadcast's counters are read once every node holding it has made its
                         clean-up walk (a few ACK timeouts after it got it), so that they include its cost
  --seed S               key seed, and which nodes the faults pick (default "pokt")
  --timeout-ms MS        how long one broadcast may take to reach every awaited node (default 60000), and the
                         bound of each set-up phase (start, readiness); then the missing nodes are named
  --json                 print one JSON object on stdout (progress on stderr)

  clean [--force] [--json]
                         remove every pokttb-* namespace, link and process and pokttb-* temporary directory
                         left by a run that was killed (a run also does this first). One test bed runs at a time
                         per machine (lock /run/pokttb.lock): while its owner lives, a second run and clean are
                         refused (TestbedBusyError); clean --force removes it anyway, breaking that run`

/** How the measured broadcasts go through the routers (`--router`). */
export type TestbedRouterChoice = 'both' | 'raintree' | 'background' | 'compare'

/** Options of `runTestbed`; {@link parseTestbedOptions} makes them from command-line arguments. */
export interface TestbedOptions {
  /** staked validators (`--validators`) */
  validators: number
  /** unstaked full nodes (`--unstaked`) */
  unstaked: number
  /** per-node uplink in Mbit/s (`--uplink-mbps`); null: unlimited */
  uplinkMbps: number | null
  /** payload of each broadcast in bytes (`--payload-bytes`) */
  payloadBytes: number
  /** measured broadcasts (`--broadcasts`), per router with `compare` */
  broadcasts: number
  /** which router(s) the broadcasts go through (`--router`) */
  router: TestbedRouterChoice
  /** ms between the starts of two broadcasts (`--interval-ms`) */
  intervalMs: number
  /** validators SIGKILLed mid-broadcast (`--kill`) */
  kill: number
  /** validators SIGSTOPped mid-broadcast (`--stop`) */
  stop: number
  /** ms until the stopped validators get SIGCONT (`--stop-ms`) */
  stopMs: number
  /** nodes whose link goes down mid-broadcast (`--partition`) */
  partition: number
  /** ms until their links come up again (`--partition-ms`) */
  partitionMs: number
  /** validators killed and restarted with the same key (`--restart`) */
  restart: number
  /**
   * validators SIGKILLed each as soon as the test bed reads its `received` line for the first measured broadcast
   * (`--kill-on-receive`)
   * @default 0
   */
  killOnReceive?: number
  /** every node's RainTree ACK layer (`--ack`); undefined: the router's default, whatever it is in this build */
  ack?: boolean
  /** every node's RainTree clean-up layer (`--cleanup`); undefined: the router's default, whatever it is in this build */
  cleanup?: boolean
  /** key seed, also the seed of the fault picks (`--seed`) */
  seed: string
  /** bound of one broadcast's wait and of each set-up phase, ms (`--timeout-ms`) */
  timeoutMs: number
  /** print one JSON object (`--json`) */
  json: boolean
}

/**
 * Parses the arguments of `pokt-p2p testbed` (after the command name; `clean` is handled before).
 * @throws {UsageError} naming the option for an unknown option, a missing value or a value out of range
 */
export function parseTestbedOptions (argv: string[]): TestbedOptions & {
  /** `--help` was given: print the help, run nothing */
  help: boolean
} {
  const o = parseOptions(argv, {
    validators: { type: 'string' },
    unstaked: { type: 'string' },
    'uplink-mbps': { type: 'string' },
    'payload-bytes': { type: 'string' },
    broadcasts: { type: 'string' },
    router: { type: 'string' },
    'interval-ms': { type: 'string' },
    kill: { type: 'string' },
    stop: { type: 'string' },
    'stop-ms': { type: 'string' },
    partition: { type: 'string' },
    'partition-ms': { type: 'string' },
    restart: { type: 'string' },
    'kill-on-receive': { type: 'string' },
    ack: { type: 'string' },
    cleanup: { type: 'string' },
    seed: { type: 'string' },
    'timeout-ms': { type: 'string' },
    json: { type: 'boolean' }
  }, 'testbed')
  if (o.help === true) return { ...defaults(), help: true }
  if (o.validators === undefined) throw new UsageError('testbed: --validators is required')
  const validators = intOption('validators', o.validators, 0, 2, MAX_TESTBED_HOSTS)
  const unstaked = intOption('unstaked', o.unstaked, 0, 0, MAX_TESTBED_HOSTS - 2)
  if (validators + unstaked > MAX_TESTBED_HOSTS) {
    throw new UsageError(`testbed: --validators ${validators} and --unstaked ${unstaked} make ${validators + unstaked} nodes; at most ${MAX_TESTBED_HOSTS} fit the test bed's /24`)
  }
  const kill = intOption('kill', o.kill, 0, 0, validators - 1)
  const stop = intOption('stop', o.stop, 0, 0, validators - 1)
  const restart = intOption('restart', o.restart, 0, 0, validators - 1)
  const killOnReceive = intOption('kill-on-receive', o['kill-on-receive'], 0, 0, validators - 1)
  if (kill + stop + restart + killOnReceive > validators - 1) {
    throw new UsageError(`testbed: --kill ${kill}, --stop ${stop}, --restart ${restart} and --kill-on-receive ${killOnReceive} pick ` +
      `${kill + stop + restart + killOnReceive} validators; at most ${validators - 1} (every validator but the originator val_1) can be picked`)
  }
  const partition = intOption('partition', o.partition, 0, 0, validators + unstaked - 1)
  if (kill + stop + restart + killOnReceive + partition > validators + unstaked - 1) {
    throw new UsageError(`testbed: --partition ${partition} and the other faults pick ${kill + stop + restart + killOnReceive + partition} nodes; ` +
      `at most ${validators + unstaked - 1} (every node but val_1) can be picked`)
  }
  for (const [flag, needs] of [['stop-ms', 'stop'], ['partition-ms', 'partition']] as const) {
    if (o[flag] !== undefined && o[needs] === undefined) throw new UsageError(`testbed: --${flag} needs --${needs}`)
  }
  const uplink = numberOption('uplink-mbps', o['uplink-mbps'], null, { min: 0, max: 100_000, exclusiveMin: true })
  // absent: no value is passed on, and the nodes run the router's own default
  const ack = onOffOption('ack', o.ack)
  const cleanup = onOffOption('cleanup', o.cleanup)
  return {
    help: false,
    validators,
    unstaked,
    uplinkMbps: uplink,
    payloadBytes: intOption('payload-bytes', o['payload-bytes'], 1024, 8, MAX_PAYLOAD_BYTES),
    broadcasts: intOption('broadcasts', o.broadcasts, 1, 1, 10_000),
    router: choiceOption<TestbedRouterChoice>('router', o.router, ['both', 'raintree', 'background', 'compare'], 'both'),
    intervalMs: intOption('interval-ms', o['interval-ms'], 0, 0, 600_000),
    kill,
    stop,
    stopMs: intOption('stop-ms', o['stop-ms'], 3000, 1, 600_000),
    partition,
    partitionMs: intOption('partition-ms', o['partition-ms'], 5000, 1, 600_000),
    restart,
    killOnReceive,
    ...(ack === undefined ? {} : { ack }),
    ...(cleanup === undefined ? {} : { cleanup }),
    seed: stringOption('seed', o.seed) ?? 'pokt',
    timeoutMs: intOption('timeout-ms', o['timeout-ms'], 60_000, 1000, 3_600_000),
    json: o.json === true
  }
}

function defaults (): TestbedOptions {
  return {
    validators: 2, unstaked: 0, uplinkMbps: null, payloadBytes: 1024, broadcasts: 1, router: 'both', intervalMs: 0, kill: 0, stop: 0,
    stopMs: 3000, partition: 0, partitionMs: 5000, restart: 0, killOnReceive: 0, seed: 'pokt', timeoutMs: 60_000, json: false
  }
}
