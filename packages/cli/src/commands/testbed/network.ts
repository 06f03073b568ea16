/**
 * The test bed's network (issue 16): one Linux network namespace per host, joined by a bridge in the root
 * namespace, each host's uplink optionally limited with a `tc` token bucket.
 *
 * ```
 *   root namespace:  pokttbbr (bridge, 10.213.0.1/24) ── pokttbh0 ── pokttbh1 ── … (bridge-side veth ends)
 *                                                          │            │
 *   namespaces:                               pokttb-0: eth0 10.213.0.2   pokttb-1: eth0 10.213.0.3   …
 * ```
 *
 * Everything is done with `ip` and `tc` (iproute2) run through `execFile` (no shell), each call with a timeout and the
 * caller's abort signal; a failure is a {@link TestbedCommandError} carrying the command line and its stderr. It needs
 * root ({@link checkTestbedAvailable} says so). No IP forwarding and no iptables rule is needed: all hosts share one
 * L2 segment. Nothing outside the names starting with {@link TESTBED_PREFIX} is touched.
 *
 * Latency: the test bed adds none. Delay would need the `netem` qdisc, which the kernel of the machines this runs on
 * lacks; `tbf` only limits the rate (and queues at most {@link TBF_LATENCY_MS} behind the limit).
 */
import { execFile } from 'node:child_process'
import { readFile, readdir, stat, unlink, writeFile } from 'node:fs/promises'
import { TestbedBusyError, TestbedCommandError, TestbedUnavailableError, UsageError } from '../../errors.js'

/** Every namespace, link and bridge the test bed makes is named starting with this: how leftovers are found. */
export const TESTBED_PREFIX = 'pokttb'

/** Linux's limit on interface names (IFNAMSIZ - 1). */
const MAX_IFNAME = 15
/** The bridge in the root namespace. */
const BRIDGE = `${TESTBED_PREFIX}br`
/** How long one `ip` / `tc` call may take: they take milliseconds, but the machine may be very busy. */
const COMMAND_TIMEOUT_MS = 30_000
/** How many per-namespace commands run at once: enough to overlap process start-up, few enough not to swamp 2 cores. */
const PARALLEL = 8
/**
 * `tbf latency`: how long a packet may wait behind the rate limit before it is dropped (sets the queue length to
 * rate × latency). 50 ms lets TCP keep the link busy (the RTT between namespaces is well under 1 ms, so its window
 * needs little queue) while bounding the delay that a bulk transfer adds to other traffic on the same uplink.
 */
export const TBF_LATENCY_MS = 50
/**
 * `tbf burst` is the bucket size: how many bytes may leave at once. It must hold at least one whole packet as the
 * kernel hands it over, and veth passes GSO packets of up to 64 KiB: a smaller bucket makes tbf segment or drop them
 * and the achieved rate falls below the limit. It must also hold what the rate earns while tbf waits for its
 * watchdog timer to dequeue again (late by milliseconds on a busy machine): tokens beyond the bucket are lost, so a
 * bucket smaller than that caps the rate below B at high rates.
 * So: the larger of 64 KiB + 1 MTU and 10 ms at the rate; a burst of 10 ms is a 1 % error over a one-second transfer.
 * Measured (2 busy cores, one TCP stream between two namespaces, 2 s): at 1000 Mbit/s a 3 kB bucket gave 694 Mbit/s,
 * 20 kB 677, 10 ms (1.25 MB) 948; at 2000 Mbit/s 3 kB gave 519, 10 ms 1894. At 50-500 Mbit/s even 3-10 kB held.
 * The rate is of whole frames: TCP payload goodput is about 96 % of it (1448 of 1514 bytes per full frame).
 */
export function tbfBurstBytes (mbps: number): number {
  return Math.max(64 * 1024 + 1514, Math.ceil(mbps * 1e6 / 8 * 0.010))
}

/** The test bed's network: how many hosts, their uplink limit, their subnet. */
export interface TestbedNetworkInit {
  /** how many hosts (namespaces); 1..250 */
  hosts: number
  /** per-host uplink limit in Mbit/s (tc tbf on the host's interface inside its namespace, egress); undefined: none */
  uplinkMbps?: number
  /**
   * subnet: 10.<subnetOctet>.0.0/24
   *
   * @default 213 — a private range unlikely to be used by the machine's own networks; change it if it is
   */
  subnetOctet?: number
}

/** One host of the test bed: a network namespace with one interface, `eth0`, on the bridge. */
export interface TestbedHost {
  /** 0-based */
  index: number
  /** `${TESTBED_PREFIX}-${index}` */
  namespace: string
  /** `10.<subnetOctet>.0.(index + 2)` */
  address: string
  /** the veth end on the bridge side (in the root namespace), `${TESTBED_PREFIX}h${index}` */
  hostLink: string
}

/** Options of the calls that run commands. */
export interface TestbedCallOptions {
  /** stops the call (the running command is killed); the promise rejects with the signal's reason */
  signal?: AbortSignal
}

interface RunOptions extends TestbedCallOptions {
  /** written to the command's stdin (e.g. `ip -batch -` lines) */
  input?: string
}

/** Runs argv (no shell) with a timeout and the abort signal; resolves with stdout, rejects with a TestbedCommandError. */
async function run (argv: string[], options: RunOptions = {}): Promise<string> {
  options.signal?.throwIfAborted()
  return await new Promise<string>((resolve, reject) => {
    const child = execFile(argv[0] as string, argv.slice(1), {
      timeout: COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      signal: options.signal,
      maxBuffer: 16 * 1024 * 1024,
      encoding: 'utf8'
    }, (err, stdout, stderr) => {
      if (err === null) { resolve(stdout); return }
      if (options.signal?.aborted === true) { reject(options.signal.reason); return }
      const e = err as NodeJS.ErrnoException & { code?: unknown, killed?: boolean }
      const exitCode = typeof e.code === 'number' ? e.code : null
      let why = stderr.trim()
      if (e.code === 'ENOENT') why = `${argv[0] as string} not found (${e.message})`
      else if (e.killed === true && exitCode === null) why = `timed out after ${COMMAND_TIMEOUT_MS} ms${why === '' ? '' : `: ${why}`}`
      else if (why === '') why = e.message
      reject(new TestbedCommandError(argv, exitCode, why, { cause: err }))
    })
    // a command that fails to start has no stdin to write to; its error comes through the callback
    child.stdin?.on('error', () => {})
    child.stdin?.end(options.input ?? '')
  })
}

/** Runs fn on every item, at most `limit` at once; rejects with the first error once the running ones have settled. */
async function eachLimited<T> (items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failed: { err: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const item = items[next++] as T
      try {
        await fn(item)
      } catch (err) {
        failed ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failed !== undefined) throw failed.err
}

/** The names of the network namespaces that exist (`ip netns list`). */
async function listNamespaces (options?: TestbedCallOptions): Promise<string[]> {
  const out = await run(['ip', 'netns', 'list'], options)
  // lines are "name" or "name (id: 3)"
  return out.split('\n').map(l => l.trim().split(/\s+/)[0] ?? '').filter(n => n !== '')
}

/** The names of the root namespace's links (`ip -o link show`), without the `@peer` suffix. */
async function listLinks (options?: TestbedCallOptions): Promise<string[]> {
  const out = await run(['ip', '-o', 'link', 'show'], options)
  const names: string[] = []
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)/.exec(line)
    if (m !== null) names.push(m[1] as string)
  }
  return names
}

/**
 * The pids of the processes in each named namespace: what `ip netns pids NS` reports (a process whose
 * `/proc/PID/ns/net` is the namespace's file in /run/netns), for all namespaces in one pass over /proc instead of
 * one `ip` process per namespace. Zombies have no namespace any more and are not listed.
 */
async function namespacePids (namespaces: string[]): Promise<Map<string, number[]>> {
  const byInode = new Map<string, string>()
  for (const ns of namespaces) {
    try {
      const s = await stat(`/run/netns/${ns}`)
      byInode.set(`${s.dev}:${s.ino}`, ns)
    } catch {
      // gone already (or never mounted): no processes to find through it
    }
  }
  const found = new Map<string, number[]>()
  if (byInode.size === 0) return found
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const s = await stat(`/proc/${entry}/ns/net`)
      const ns = byInode.get(`${s.dev}:${s.ino}`)
      if (ns !== undefined) found.set(ns, [...(found.get(ns) ?? []), Number(entry)])
    } catch {
      // the process ended while we looked, or is a zombie
    }
  }
  return found
}

/** Resolves after the next turn of the event loop's timers: the pause between two looks at a changing state. */
async function tick (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/**
 * SIGKILLs every process in the namespaces and waits until none is left; returns how many were killed. A process
 * may fork while it is being killed, so it looks again until a pass finds none.
 */
async function killNamespaceProcesses (namespaces: string[]): Promise<number> {
  const killed = new Set<number>()
  for (let pass = 0; ; pass++) {
    const pids = [...(await namespacePids(namespaces)).values()].flat()
    if (pids.length === 0) return killed.size
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
        killed.add(pid)
      } catch {
        // already gone
      }
    }
    // a SIGKILLed process leaves its namespace within milliseconds, unless the machine is very busy;
    // 3000 passes of >= 10 ms is a bound that only a process stuck in the kernel (state D) reaches
    if (pass > 3000) throw new TestbedCommandError(['kill', '-KILL', ...pids.map(String)], null, `processes still in ${namespaces.join(', ')} after SIGKILL`)
    await tick(10)
  }
}

/**
 * Deletes the links and namespaces named, then checks nothing named so is left. `ip -force -batch` goes on past
 * the lines naming things already gone (what makes removal idempotent); the check after it is what says whether
 * the removal worked, so its exit status is not.
 */
async function removeAll (namespaces: string[], links: string[]): Promise<void> {
  // deleting a veth end deletes its peer too; doing it before the namespace goes is what makes the bridge-side ends
  // disappear at once (a deleted namespace's devices are dismantled later, by a kernel work queue)
  const lines = [...links.map(l => `link del ${l}`), ...namespaces.map(ns => `netns del ${ns}`)]
  if (lines.length === 0) return
  const argv = ['ip', '-force', '-batch', '-']
  let failure: unknown
  try {
    await run(argv, { input: lines.join('\n') + '\n' })
  } catch (err) {
    if (!(err instanceof TestbedCommandError)) throw err
    failure = err
  }
  const leftNs = new Set(await listNamespaces())
  const leftLinks = new Set(await listLinks())
  const left = [...namespaces.filter(ns => leftNs.has(ns)), ...links.filter(l => leftLinks.has(l))]
  if (left.length > 0) {
    const why = failure instanceof TestbedCommandError ? failure.stderr : 'no error reported'
    throw new TestbedCommandError(argv, failure instanceof TestbedCommandError ? failure.exitCode : 0, `still present after removal: ${left.join(', ')}; ${why}`, { cause: failure })
  }
}

/**
 * Records which process owns the test bed, so that a second one started meanwhile does not take the first one's
 * network away (all use the same names): it gets a {@link TestbedBusyError} instead. In /run, a tmpfs, like the
 * namespaces it goes with: both are gone after a reboot.
 */
export const TESTBED_LOCK_FILE = `/run/${TESTBED_PREFIX}.lock`

/**
 * Is process pid running? A zombie (killed, not yet reaped by its parent, e.g. a run a test has just SIGKILLed) is
 * not: its test bed is a leftover.
 */
async function alive (pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: it exists, run by another user
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  try {
    // "pid (comm) S ...": the state follows the last ')' (comm may contain one)
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** The live process that owns the test bed, if any (a lock left by a dead process names no owner). */
async function lockOwner (): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(TESTBED_LOCK_FILE, 'utf8')
  } catch {
    return undefined
  }
  const pid = Number(text.trim())
  return Number.isInteger(pid) && pid > 0 && await alive(pid) ? pid : undefined
}

/** The live process other than this one that owns the test bed, if any. */
async function otherOwner (): Promise<number | undefined> {
  const pid = await lockOwner()
  return pid === process.pid ? undefined : pid
}

/** Makes this process the test bed's owner; throws TestbedBusyError if another live process is. */
async function takeLock (): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      // 'wx': two processes taking it at once cannot both succeed
      await writeFile(TESTBED_LOCK_FILE, `${process.pid}\n`, { flag: 'wx' })
      return
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = await otherOwner()
      if (owner !== undefined) throw new TestbedBusyError(owner, TESTBED_LOCK_FILE)
      // a stale lock that removing did not remove (a racing process re-took it and died, or unlink fails): give up
      if (attempt >= 2) throw err
    }
    // a dead process's (or this process's own earlier) lock: replace it
    await unlink(TESTBED_LOCK_FILE).catch(() => {})
  }
}

/** Removes the lock if it names this process or a dead one. */
async function releaseLock (): Promise<void> {
  if (await otherOwner() === undefined) await unlink(TESTBED_LOCK_FILE).catch(() => {})
}

/** Is the name one of the test bed's? */
function ours (name: string): boolean {
  return name.startsWith(TESTBED_PREFIX)
}

/**
 * Removes everything named with {@link TESTBED_PREFIX} (left by a run that was killed): kills the processes in its
 * namespaces (SIGKILL), deletes its links (veth pairs and the bridge, with their qdiscs) and namespaces. Returns
 * what it removed. Idempotent: with nothing left, it removes nothing and resolves.
 *
 * A test bed whose owner process still runs (see {@link TESTBED_LOCK_FILE}) is not a leftover: cleanTestbed throws
 * {@link TestbedBusyError} instead, unless `force` (then it is removed too, and its owner's run breaks).
 */
export async function cleanTestbed (options: { force?: boolean } = {}): Promise<{ namespaces: string[], links: string[], processes: number }> {
  if (options.force !== true) {
    const owner = await otherOwner()
    if (owner !== undefined) throw new TestbedBusyError(owner, TESTBED_LOCK_FILE)
  }
  const namespaces = (await listNamespaces()).filter(ours)
  const links = (await listLinks()).filter(ours)
  const processes = await killNamespaceProcesses(namespaces)
  await removeAll(namespaces, links)
  // a dead owner's lock is a leftover too; this process's own (taken by create, which calls this) is not
  if (options.force === true || await lockOwner() !== process.pid) await unlink(TESTBED_LOCK_FILE).catch(() => {})
  return { namespaces, links, processes }
}

/** Probe namespaces made so far by this process (see {@link checkTestbedAvailable}). */
let probes = 0

/**
 * Resolves when the test bed can run here, else throws {@link TestbedUnavailableError} with the reason: not root,
 * `ip` (iproute2) missing, or a network namespace cannot be created (the system's message). Creates and removes a
 * probe namespace.
 */
export async function checkTestbedAvailable (options: TestbedCallOptions = {}): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new TestbedUnavailableError('the test bed needs root (network namespaces, veth, tc): run it as root, e.g. sudo')
  }
  // both come with iproute2; `tc` sets the uplink limits
  for (const tool of ['ip', 'tc']) {
    try {
      await run([tool, '-V'], options)
    } catch (err) {
      if (err instanceof TestbedCommandError && err.exitCode === null) {
        throw new TestbedUnavailableError(`the \`${tool}\` command (iproute2) cannot be run: ${err.stderr}; install iproute2`, { cause: err })
      }
      throw err
    }
  }
  // one name per call: two checks at once in one process (two test files' set-up) must not collide
  const probe = `${TESTBED_PREFIX}-probe-${process.pid}-${++probes}`
  try {
    await run(['ip', 'netns', 'add', probe], options)
  } catch (err) {
    if (err instanceof TestbedCommandError) {
      throw new TestbedUnavailableError(`network namespaces cannot be created (\`ip netns add\`): ${err.stderr}`, { cause: err })
    }
    throw err
  } finally {
    await run(['ip', 'netns', 'del', probe]).catch(() => {})
  }
}

/** Throws a UsageError naming the field unless v is an integer in [min, max]. */
function checkInteger (field: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(`${field} must be an integer from ${min} to ${max}, got ${String(v)}`)
  }
}

/** The test bed's network: namespaces, veth pairs, a bridge, optional uplink limits. Make one with {@link TestbedNetwork.create}. */
export class TestbedNetwork {
  /** the hosts, by index */
  readonly hosts: TestbedHost[]
  /** `10.<subnetOctet>.0.1`: the root namespace's address on the bridge (the test bed reads /metrics through it) */
  readonly bridgeAddress: string
  /** the bridge's name in the root namespace */
  readonly bridge = BRIDGE
  /** the uplink limit applied, Mbit/s, if any */
  readonly uplinkMbps: number | undefined
  #destroyed = false

  private constructor (hosts: TestbedHost[], bridgeAddress: string, uplinkMbps: number | undefined) {
    this.hosts = hosts
    this.bridgeAddress = bridgeAddress
    this.uplinkMbps = uplinkMbps
  }

  /**
   * Makes the network: takes the machine's test bed lock ({@link TestbedBusyError} if another live process holds it),
   * removes a previous run's leftovers ({@link cleanTestbed}), then makes the bridge, and per host a
   * namespace with `lo` and `eth0` up, its address, and the uplink limit. If it fails or is aborted half-way, it
   * removes what it made before rethrowing. `onProgress(done, total)` is called as hosts are ready.
   *
   * Measured on 2 shared cores (Node 20): see the CLI README's test bed section.
   */
  static async create (init: TestbedNetworkInit, options: TestbedCallOptions & { onProgress?: (done: number, total: number) => void } = {}): Promise<TestbedNetwork> {
    checkInteger('hosts', init.hosts, 1, 250)
    const octet = init.subnetOctet ?? 213
    checkInteger('subnetOctet', octet, 0, 255)
    if (init.uplinkMbps !== undefined && !(Number.isFinite(init.uplinkMbps) && init.uplinkMbps > 0 && init.uplinkMbps <= 100_000)) {
      throw new UsageError(`uplinkMbps must be a number above 0 and at most 100000 (Mbit/s), got ${String(init.uplinkMbps)}`)
    }
    const { signal } = options
    signal?.throwIfAborted()

    const subnet = `10.${octet}.0`
    const hosts: TestbedHost[] = Array.from({ length: init.hosts }, (_, index) => ({
      index,
      namespace: `${TESTBED_PREFIX}-${index}`,
      address: `${subnet}.${index + 2}`,
      hostLink: `${TESTBED_PREFIX}h${index}`
    }))
    for (const name of [BRIDGE, ...hosts.map(h => h.hostLink)]) {
      if (name.length > MAX_IFNAME) throw new UsageError(`interface name ${name} is longer than ${MAX_IFNAME} characters`)
    }
    const net = new TestbedNetwork(hosts, `${subnet}.1`, init.uplinkMbps)

    await takeLock()
    try {
      await cleanTestbed()
    } catch (err) {
      await releaseLock()
      throw err
    }
    try {
      // one `ip` process makes the bridge, every namespace and every veth pair; the namespace end is created
      // in its namespace directly, already named eth0 (no move, no rename)
      const root = [
        `link add ${BRIDGE} type bridge`,
        `addr add ${net.bridgeAddress}/24 dev ${BRIDGE}`,
        `link set ${BRIDGE} up`,
        ...hosts.map(h => `netns add ${h.namespace}`),
        ...hosts.flatMap(h => [
          `link add ${h.hostLink} type veth peer name eth0 netns ${h.namespace}`,
          `link set ${h.hostLink} master ${BRIDGE} up`
        ])
      ]
      await run(['ip', '-batch', '-'], { signal, input: root.join('\n') + '\n' })
      // an address and a qdisc are per namespace: one `ip -n` (and one `tc -n`) per host, a few at once
      let done = 0
      await eachLimited(hosts, PARALLEL, async h => {
        const lines = ['link set lo up', `addr add ${h.address}/24 dev eth0`, 'link set eth0 up']
        await run(['ip', '-n', h.namespace, '-batch', '-'], { signal, input: lines.join('\n') + '\n' })
        if (init.uplinkMbps !== undefined) {
          await run(['tc', '-n', h.namespace, 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf',
            'rate', `${init.uplinkMbps}mbit`, 'burst', String(tbfBurstBytes(init.uplinkMbps)), 'latency', `${TBF_LATENCY_MS}ms`], { signal })
        }
        options.onProgress?.(++done, hosts.length)
      })
    } catch (err) {
      await net.destroy().catch(() => {})
      throw err
    }
    return net
  }

  /** argv that runs argv inside host i's namespace: `['ip', 'netns', 'exec', ns, ...argv]` */
  commandIn (index: number, argv: string[]): string[] {
    return ['ip', 'netns', 'exec', this.#host(index).namespace, ...argv]
  }

  /** Cuts host i off: its bridge-side link down (its `eth0` loses carrier). Idempotent. */
  async partition (index: number, options: TestbedCallOptions = {}): Promise<void> {
    await run(['ip', 'link', 'set', this.#host(index).hostLink, 'down'], options)
  }

  /** Brings host i back: its bridge-side link up (the bridge forwards at once: no STP). Idempotent. */
  async heal (index: number, options: TestbedCallOptions = {}): Promise<void> {
    await run(['ip', 'link', 'set', this.#host(index).hostLink, 'up'], options)
  }

  /**
   * Removes every namespace, link, bridge and qdisc it made; kills processes still in its namespaces (SIGKILL) and
   * waits until they are gone. Idempotent; what is already gone is no error.
   */
  async destroy (): Promise<void> {
    const namespaces = this.hosts.map(h => h.namespace)
    const existingNs = new Set(await listNamespaces())
    const existingLinks = new Set(await listLinks())
    const ns = namespaces.filter(n => existingNs.has(n))
    const links = [...this.hosts.map(h => h.hostLink), BRIDGE].filter(l => existingLinks.has(l))
    await killNamespaceProcesses(ns)
    await removeAll(ns, links)
    await releaseLock()
    this.#destroyed = true
  }

  /** true once {@link destroy} has completed */
  get destroyed (): boolean {
    return this.#destroyed
  }

  #host (index: number): TestbedHost {
    const h = this.hosts[index]
    if (h === undefined) throw new UsageError(`host index ${index} is out of range 0..${this.hosts.length - 1}`)
    return h
  }
}
