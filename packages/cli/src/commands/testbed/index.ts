import { createHash } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createPeer, type Identity } from '@pokt-p2p/types'
import { writeGenesisFile } from '@pokt-p2p/providers'
import { parseOptions } from '../../args.js'
import type { CommandContext } from '../../context.js'
import { localnetIdentities, seededIdentities } from '../../keys.js'
import { renderTestbedReport, type TestbedFault, type TestbedReport, type TestbedRouter } from '../../report.js'
import { progressOf } from '../localnet/index.js'
import type { NodeFileConfig } from '../node.js'
import { TestbedControlError, TestbedNodeExitedError, TestbedNotReadyError, TestbedStartError } from './failures.js'
import { BroadcastRecord, countersOf, pick, sortNames, summarize, walksPending, type Counters, type TrackedNode } from './measurement.js'
import { checkTestbedAvailable, cleanTestbed, TESTBED_PREFIX, TestbedNetwork } from './network.js'
import { TestbedNode, type NodeEvent } from './nodes.js'
import { parseTestbedOptions, testbedHelp, type TestbedOptions, type TestbedRouterChoice } from './options.js'
import { scrapeMetrics } from './prometheus.js'

export { parseTestbedOptions, testbedHelp, type TestbedOptions, type TestbedRouterChoice }

/** The port every node serves /metrics on, inside its own namespace (one address per namespace: no clash). */
export const METRICS_PORT = 9000
/** The P2P port of every node, in its namespace. */
export const P2P_PORT = 42069
/** The CLI entry the nodes run: this package's built bin.js (next to this file's dist/commands/). */
export const NODE_BIN = fileURLToPath(new URL('../../bin.js', import.meta.url))

/** What a program running the test bed (the benchmark) may change. */
export interface TestbedRunInit {
  /**
   * the `pokt-p2p` entry (bin.js) each node runs
   * @default NODE_BIN — this build's; the benchmark, compiled elsewhere, points at dist/bin.js
   */
  nodeBin?: string
}
/** How long one /metrics scrape may take (a node's exposition is ~100 KiB; the machine may be busy). */
const SCRAPE_TIMEOUT_MS = 10_000
/** Scrapes at once: enough to overlap, few enough not to take the CPU from the nodes. */
const SCRAPE_PARALLEL = 8
/** Two scrapes this far apart with no new RainTree write nor gossip message: the broadcast's traffic is over. */
const QUIET_MS = 300
/**
 * The longest wait for quiet after a broadcast (without --interval-ms): RainTree resends to a node that is away go on
 * for as long as its ACK timer allows, and the figures should not wait for them.
 */
const MAX_QUIET_WAIT_MS = 30_000
/** After the last broadcast, with nodes that were away: how long without a new copy ends the wait for late ones. */
const CATCH_UP_QUIET_MS = 3000
/** How long a node gets to stop on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 10_000
/** Set-up bounds get at least this much per node: starting N node processes on 2 shared cores takes seconds each. */
const START_MS_PER_NODE = 4000
/** A warm-up broadcast that reached nobody new for this long is sent again (a gossip mesh still forming). */
const WARM_UP_RETRY_MS = 3000

/** Wall-clock epoch ms with a sub-ms fraction: the nodes' `at` clock. */
const now = (): number => performance.timeOrigin + performance.now()

/** Waits for conditions that change on events: every node event and state change calls `changed()`. */
class Conditions {
  readonly #waiters = new Set<() => void>()
  changed (): void {
    for (const w of [...this.#waiters]) w()
  }

  /** Resolves true once `pred()` holds, false after `timeoutMs`; rejects with the signal's reason or `pred`'s error. */
  async until (pred: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    signal.throwIfAborted()
    if (pred()) return true
    return await new Promise<boolean>((resolve, reject) => {
      const done = (fn: () => void): void => {
        this.#waiters.delete(check)
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        fn()
      }
      const check = (): void => {
        try {
          if (pred()) done(() => { resolve(true) })
        } catch (err) {
          done(() => { reject(err) })
        }
      }
      const onAbort = (): void => { done(() => { reject(signal.reason) }) }
      const timer = setTimeout(() => { done(() => { resolve(false) }) }, timeoutMs)
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiters.add(check)
    })
  }

  /** Resolves after `ms` (rejects on abort): the schedule of faults and broadcast intervals, not a test's wait. */
  async pause (ms: number, signal: AbortSignal): Promise<void> {
    await this.until(() => false, ms, signal)
  }
}

/** A node's state in the run: `up`, or away (killed, frozen, cut off, restarting). */
type NodeState = 'up' | 'killed' | 'stopped' | 'partitioned' | 'restarting'

/** `pokt-p2p testbed`: parses the options, runs the test bed, prints the report (or `--help`); `testbed clean`. */
export async function testbed (argv: string[], ctx: CommandContext): Promise<number> {
  if (argv[0] === 'clean') return await clean(argv.slice(1), ctx)
  const opts = parseTestbedOptions(argv)
  if (opts.help) { ctx.out(testbedHelp); return 0 }
  const report = await runTestbed(opts, ctx)
  ctx.out(opts.json ? JSON.stringify(report) : renderTestbedReport(report))
  return 0
}

/** `pokt-p2p testbed clean`: what a killed run left (namespaces, links, processes, temporary directories). */
async function clean (argv: string[], ctx: CommandContext): Promise<number> {
  const o = parseOptions(argv, { json: { type: 'boolean' }, force: { type: 'boolean' } }, 'testbed clean')
  if (o.help === true) { ctx.out(testbedHelp); return 0 }
  await checkTestbedAvailable({ signal: ctx.signal })
  // first: it refuses (TestbedBusyError) while a run's owner lives, before any of that run's files is touched
  const removed = await cleanTestbed({ force: o.force === true })
  const dirs = await removeTempDirs()
  const result = { ...removed, directories: dirs }
  ctx.out(o.json === true
    ? JSON.stringify(result)
    : `removed ${removed.namespaces.length} namespaces, ${removed.links.length} links, ${removed.processes} processes, ${dirs.length} temporary directories` +
      (removed.namespaces.length + removed.links.length + dirs.length === 0 ? ' (nothing was left)' : ''))
  return 0
}

/** Removes the `pokttb-*` directories in the temporary directory (node configs with private keys); returns them. */
async function removeTempDirs (): Promise<string[]> {
  const base = tmpdir()
  const found = (await readdir(base).catch(() => [] as string[])).filter(n => n.startsWith(`${TESTBED_PREFIX}-`)).map(n => join(base, n))
  for (const d of found) await rm(d, { recursive: true, force: true })
  return found
}

/**
 * Runs the test bed: network, files, nodes, readiness, the measured broadcasts with their faults, then removes
 * everything (also on error and on the context's signal) and returns the report.
 * @throws {TestbedUnavailableError} when not root or namespaces cannot be created
 */
export async function runTestbed (opts: TestbedOptions, ctx: CommandContext, init: TestbedRunInit = {}): Promise<TestbedReport> {
  const { signal } = ctx
  const out = progressOf(opts, ctx)
  await checkTestbedAvailable({ signal })
  const setupStart = now()
  const total = opts.validators + opts.unstaked
  const setupBoundMs = Math.max(opts.timeoutMs, START_MS_PER_NODE * total)
  const conditions = new Conditions()
  const scrapeErrors = { malformed: 0 }
  let net: TestbedNetwork | undefined
  let dir: string | undefined
  const nodes: TestbedNode[] = []
  try {
    out.say(`creating ${total} network namespaces on 10.213.0.0/24` +
      (opts.uplinkMbps === null ? '' : ` with ${opts.uplinkMbps} Mbit/s uplinks (tc tbf)`))
    net = await TestbedNetwork.create({ hosts: total, ...(opts.uplinkMbps === null ? {} : { uplinkMbps: opts.uplinkMbps }) }, {
      signal, onProgress: (done, all) => { out.progress(`  namespaces ${done}/${all}`) }
    })
    out.progress('')
    const network = net
    dir = await mkdtemp(join(tmpdir(), `${TESTBED_PREFIX}-`))
    const specs = await writeFiles(opts, network, dir, init.nodeBin ?? NODE_BIN)
    out.say(`wrote the genesis (${opts.validators} validators) and ${total} node configs (mode 0600) to ${dir}`)

    // the run's state, fed by the nodes' events
    const state = new Map<string, NodeState>()
    const records = new Map<string, BroadcastRecord>()
    const pongs = new Set<string>()
    const routersStarted = new Set<string>()
    const controlErrors: Array<{ node: string, error: string }> = []
    let firstCopy: (() => void) | undefined
    // --kill-on-receive: called with each node's `received` line of the first measured broadcast (set once picked)
    let receivedFirst = (_node: TestbedNode): void => {}
    const measuredFirst = 'b1'
    const onEvent = ({ node, record }: NodeEvent): void => {
      const ev = record.event
      const id = typeof record.id === 'string' ? record.id : undefined
      const rec = id === undefined ? undefined : records.get(id)
      if (ev === 'received' || ev === 'duplicate') {
        if (rec === undefined) return
        rec.copy(node.name, ev, record.router, record.at, now(), node.runs)
        if (ev === 'received' && id === measuredFirst) receivedFirst(node)
        // the faults come with the first measured broadcast's first copy (a late warm-up copy is not it)
        if (ev === 'received' && firstCopy !== undefined && id === measuredFirst) { const f = firstCopy; firstCopy = undefined; f() }
      } else if (ev === 'broadcasting' && rec !== undefined) {
        rec.startAt = typeof record.at === 'number' ? record.at : now()
      } else if (ev === 'broadcast' && rec !== undefined) {
        rec.doneAt = typeof record.doneAt === 'number' ? record.doneAt : now()
      } else if (ev === 'send-failed' && rec !== undefined) {
        rec.sendFailures.push(`${String(record.router)}: ${String(record.error)}`)
      } else if (ev === 'pong' && id !== undefined) {
        pongs.add(`${node.name}/${id}`)
      } else if (ev === 'router-started' && record.role === 'unstaked') {
        routersStarted.add(node.name)
      } else if (ev === 'control-error') {
        controlErrors.push({ node: node.name, error: String(record.error) })
      }
    }
    // a node whose process ends while it should be up (it crashed, or something outside the run killed it): during
    // set-up the run fails naming it; during the broadcasts it counts as killed, and the report says so
    let measuring = false
    const unexpectedExits: TestbedNode[] = []
    const onExit = (node: TestbedNode): void => {
      if (state.get(node.name) !== 'up') return
      unexpectedExits.push(node)
      if (measuring) {
        state.set(node.name, 'killed')
        fault('exited', [node.name])
      }
    }
    const failIfAnyExited = (): void => {
      const n = unexpectedExits[0]
      if (n !== undefined) throw new TestbedNodeExitedError(n.name, describeExit(n.exit ?? { code: null, signal: null }), n.stderrTail)
    }
    for (const spec of specs) {
      nodes.push(new TestbedNode(spec, onEvent, () => { conditions.changed() }, onExit))
      state.set(spec.name, 'up')
    }
    const byName = new Map(nodes.map(n => [n.name, n]))
    const originator = nodes[0] as TestbedNode
    const tracked: TrackedNode[] = nodes.map(n => ({ name: n.name, staked: n.spec.staked }))
    const present = (name: string): boolean => state.get(name) === 'up'
    const live = (name: string): boolean => state.get(name) !== 'killed'
    const failIfOriginatorGone = (): void => {
      if (originator.exit !== undefined) throw new TestbedNodeExitedError(originator.name, describeExit(originator.exit), originator.stderrTail)
    }

    // start every node and wait for `started`
    out.say(`starting ${total} nodes (pokt-p2p node --control stdin), each in its namespace`)
    for (const n of nodes) n.start()
    const allStarted = await conditions.until(() => {
      out.progress(`  started ${nodes.filter(n => n.started !== undefined).length}/${total}`)
      return nodes.every(n => n.started !== undefined || n.exit !== undefined)
    }, setupBoundMs, signal)
    out.progress('')
    const notStarted = nodes.filter(n => n.started === undefined)
    if (!allStarted || notStarted.length > 0) {
      throw new TestbedStartError(notStarted.map(n => n.name), notStarted.slice(0, 5).map(n =>
        `${n.name}${n.exit === undefined ? ' (still running)' : ` (exited: ${describeExit(n.exit)})`}:\n  ${n.stderrTail.slice(-5).join('\n  ')}`).join('\n'), setupBoundMs)
    }
    out.say(`started ${total} nodes in ${((now() - setupStart) / 1000).toFixed(1)} s`)

    // readiness: every node answers on its control channel, its background router has started, and a warm-up
    // broadcast through each router measured reaches every node it serves
    for (const n of nodes) n.send({ cmd: 'ping', id: 'ready' })
    const background = opts.router !== 'raintree'
    const raintree = opts.router !== 'background'
    const ready = await conditions.until(() => {
      failIfAnyExited()
      return nodes.every(n => pongs.has(`${n.name}/ready`) && (!background || routersStarted.has(n.name)))
    }, setupBoundMs, signal)
    if (!ready) {
      throw new TestbedNotReadyError('no pong, or background router not started', nodes.filter(n => !pongs.has(`${n.name}/ready`) || (background && !routersStarted.has(n.name))).map(n => n.name), setupBoundMs)
    }
    let warmUps = 0
    const warmUp = async (router: TestbedRouter): Promise<void> => {
      const deadline = now() + setupBoundMs
      for (;;) {
        const rec = new BroadcastRecord(`warm-up-${++warmUps}`, router, 256)
        records.set(rec.id, rec)
        originator.send({ cmd: 'broadcast', id: rec.id, bytes: rec.bytes, router })
        const reached = await conditions.until(() => {
          failIfAnyExited()
          if (controlErrors.length > 0) throw new TestbedControlError(controlErrors[0]?.node ?? '?', controlErrors[0]?.error ?? '')
          return rec.awaiting(tracked, originator.name, present).length === 0
        }, Math.min(WARM_UP_RETRY_MS, Math.max(1, deadline - now())), signal)
        if (reached) return
        if (now() >= deadline) {
          throw new TestbedNotReadyError(`the ${router} warm-up broadcast did not reach`, rec.awaiting(tracked, originator.name, present), setupBoundMs)
        }
        const eligible = tracked.filter(n => n.name !== originator.name && BroadcastRecord.eligible(n, router)).length
        out.say(`warm-up through ${router} reached ${eligible - rec.awaiting(tracked, originator.name, present).length} of ${eligible} nodes in ${WARM_UP_RETRY_MS / 1000} s; again`)
      }
    }
    // the layers in effect, as val_1's router says (every node has the same options); with clean-up on, the walks
    // of each RainTree broadcast come a few ACK timeouts after it: its counters are read once they are made
    const raintreeLayers = layersOf(originator.started?.raintree)
    const walks = raintreeLayers?.cleanup === true
    const beforeWarmUp = raintree && walks ? await scrapeAll(nodes, network, signal, scrapeErrors) : undefined
    if (raintree) await warmUp('raintree')
    if (background) await warmUp('background')
    if (beforeWarmUp !== undefined) {
      // the warm-up's walks end before the measured broadcasts start, or their queries would count in the first's:
      // one walk per warm-up message a node holds (a loaded test bed may take a dozen tries, each a message)
      out.say('waiting for the clean-up walks of the RainTree warm-up')
      const warmUpRecords = [...records.values()].filter(r => r.router === 'raintree')
      await scrapeQuiet(nodes, beforeWarmUp, present, network, conditions, signal, scrapeErrors, now() + MAX_QUIET_WAIT_MS,
        name => warmUpRecords.filter(r => name === originator.name || r.has(name, 'raintree')).length)
    }
    const setupMs = now() - setupStart
    out.say(`ready in ${(setupMs / 1000).toFixed(1)} s: every node answered, and a warm-up broadcast through ${[raintree ? 'raintree' : '', background ? 'background' : ''].filter(t => t !== '').join(' and ')} reached every node`)

    // the faults: drawn from the seed, applied when the first measured broadcast reaches its first node
    const hash = (t: string): string => createHash('sha256').update(t).digest('hex')
    const others = nodes.slice(1).filter(n => n.spec.staked).map(n => n.name)
    const killed = pick(others, opts.kill, `${opts.seed}\0kill`, hash)
    const left1 = others.filter(n => !killed.includes(n))
    const stopped = pick(left1, opts.stop, `${opts.seed}\0stop`, hash)
    const left2 = left1.filter(n => !stopped.includes(n))
    const restarted = pick(left2, opts.restart, `${opts.seed}\0restart`, hash)
    const taken = new Set([...killed, ...stopped, ...restarted])
    // picked after the others, so that adding it leaves their picks as they were for a seed
    const onReceive = pick(left2.filter(n => !restarted.includes(n)), opts.killOnReceive ?? 0, `${opts.seed}\0kill-on-receive`, hash)
    for (const name of onReceive) taken.add(name)
    const partitioned = pick(nodes.slice(1).map(n => n.name).filter(n => !taken.has(n)), opts.partition, `${opts.seed}\0partition`, hash)
    const faults: TestbedFault[] = []
    let runStart = 0
    let current: string | null = null
    const fault = (kind: TestbedFault['kind'], names: string[]): void => {
      if (names.length === 0) return
      faults.push({ kind, nodes: names, atMs: Math.round((now() - runStart) * 10) / 10, during: current })
      out.say(`fault: ${kind} ${names.join(', ')}`)
      conditions.changed()
    }
    // each at once, as its line is read: the node has delivered the message, so its RainTree router has ACKed the
    // range and is forwarding it (the crash the ACK layer cannot see)
    const victims = new Set(onReceive)
    receivedFirst = node => {
      if (!victims.delete(node.name) || state.get(node.name) !== 'up') return
      state.set(node.name, 'killed')
      node.signal('SIGKILL')
      fault('kill-on-receive', [node.name])
    }
    const recoveries: Array<Promise<void>> = []
    const applyFaults = (): void => {
      for (const name of killed) { state.set(name, 'killed'); byName.get(name)?.signal('SIGKILL') }
      fault('kill', killed)
      for (const name of stopped) { state.set(name, 'stopped'); byName.get(name)?.signal('SIGSTOP') }
      fault('stop', stopped)
      if (stopped.length > 0) {
        recoveries.push(conditions.pause(opts.stopMs, signal).then(() => {
          for (const name of stopped) { byName.get(name)?.signal('SIGCONT'); state.set(name, 'up') }
          fault('cont', stopped)
        }))
      }
      for (const name of restarted) state.set(name, 'restarting')
      if (restarted.length > 0) {
        recoveries.push((async () => {
          await Promise.all(restarted.map(async name => {
            const n = byName.get(name) as TestbedNode
            n.signal('SIGKILL')
            await n.exited
          }))
          fault('restart', restarted)
          for (const name of restarted) byName.get(name)?.start()
          const back = await conditions.until(() => restarted.every(name => byName.get(name)?.started !== undefined), setupBoundMs, signal)
          for (const name of restarted) if (byName.get(name)?.started !== undefined) state.set(name, 'up')
          fault('restarted', restarted.filter(name => state.get(name) === 'up'))
          if (!back) out.say(`warning: ${restarted.filter(name => state.get(name) !== 'up').join(', ')} did not start again within ${setupBoundMs} ms`)
        })())
      }
      if (partitioned.length > 0) {
        for (const name of partitioned) state.set(name, 'partitioned')
        recoveries.push((async () => {
          await Promise.all(partitioned.map(async name => { await network.partition((byName.get(name) as TestbedNode).spec.host, { signal }) }))
          fault('partition', partitioned)
          await conditions.pause(opts.partitionMs, signal)
          await Promise.all(partitioned.map(async name => { await network.heal((byName.get(name) as TestbedNode).spec.host, { signal }) }))
          for (const name of partitioned) state.set(name, 'up')
          fault('heal', partitioned)
        })())
      }
    }
    const anyFaults = killed.length + stopped.length + restarted.length + partitioned.length > 0
    // a recovery that fails (e.g. `ip` fails) fails the run, once the broadcasts are done
    const recoveryErrors: unknown[] = []

    // the measured broadcasts
    const plan: Array<'both' | TestbedRouter> = opts.router === 'compare'
      ? Array.from({ length: opts.broadcasts * 2 }, (_, i) => i % 2 === 0 ? 'raintree' : 'background')
      : Array.from({ length: opts.broadcasts }, () => opts.router as 'both' | TestbedRouter)
    const measured: BroadcastRecord[] = []
    out.say(`broadcasting ${plan.length} × ${opts.payloadBytes} bytes from ${originator.name} through ${opts.router === 'compare' ? 'raintree and background alternately' : opts.router}`)
    runStart = now()
    failIfAnyExited()
    measuring = true
    // with --interval-ms the broadcasts are a stream: each is sent on schedule, whether the one before has reached
    // everyone or not (their copies overlap, so only the stream's counters are measured, not each broadcast's);
    // without it, one at a time, each with its own counters
    const stream = opts.intervalMs > 0
    const streamBefore = stream ? await scrapeAll(nodes.filter(n => present(n.name)), network, signal, scrapeErrors) : new Map<string, Counters>()
    // the schedule starts now: a scrape of every node takes seconds on a loaded machine
    runStart = now()
    const waits: Array<Promise<void>> = []
    // each broadcast of a stream waits on the signal at once: as many listeners as broadcasts, on purpose
    if (stream) setMaxListeners(plan.length + 16, signal)
    const reachedLine = (rec: BroadcastRecord): void => {
      const reachedText = rec.routers.map(r => `${r} ${tracked.filter(n => BroadcastRecord.eligible(n, r) && (n.name === originator.name || rec.has(n.name, r))).length}`).join(', ')
      out.say(`  ${rec.id} ${rec.router}: reached ${reachedText}${rec.startAt !== undefined ? ` (last copy ${(Math.max(...[...rec.copies.values()].flatMap(c => Object.values(c.first)), rec.startAt) - rec.startAt).toFixed(1)} ms)` : ''}`)
    }
    for (const [i, router] of plan.entries()) {
      if (stream && i > 0) {
        const wait = runStart + i * opts.intervalMs - now()
        if (wait > 0) await conditions.pause(wait, signal)
      }
      const rec = new BroadcastRecord(`b${i + 1}`, router, opts.payloadBytes)
      current = rec.id
      if (!stream) rec.before = await scrapeAll(nodes.filter(n => present(n.name)), network, signal, scrapeErrors)
      records.set(rec.id, rec)
      measured.push(rec)
      if (i === 0 && anyFaults) firstCopy = () => { applyFaults(); for (const r of recoveries) r.catch(err => { recoveryErrors.push(err) }) }
      const before = controlErrors.length
      originator.send({ cmd: 'broadcast', id: rec.id, bytes: opts.payloadBytes, router })
      const waited = (async () => {
        const done = await conditions.until(() => {
          failIfOriginatorGone()
          const err = controlErrors.slice(before).find(e => e.node === originator.name)
          if (err !== undefined) throw new TestbedControlError(err.node, err.error)
          // a broadcast through one router that failed at the originator reaches nobody more: stop waiting for it
          if (router !== 'both' && rec.sendFailures.length > 0) return true
          // first, on every check: awaiting() also marks the nodes that are away now (a node away when the command
          // was sent is away for this broadcast, even if it is back by the time the originator starts it)
          const waiting = rec.awaiting(tracked, originator.name, present)
          return rec.startAt !== undefined && rec.doneAt !== undefined && waiting.length === 0
        }, opts.timeoutMs, signal)
        for (const f of rec.sendFailures) out.say(`warning: ${originator.name} could not send ${rec.id}: ${f}`)
        rec.waitEndedAt = now()
        if (!done) {
          rec.timedOut = true
          const waiting = rec.awaiting(tracked, originator.name, present)
          out.say(`warning: ${rec.id} (${router}) did not reach ${waiting.length === 0 ? 'the end of the originator\'s call' : waiting.join(', ')} within ${opts.timeoutMs} ms`)
        }
      })()
      if (stream) {
        // awaited after the loop; handled now, so that an abort meanwhile is no unhandled rejection
        waited.catch(() => {})
        waits.push(waited.then(() => { reachedLine(rec) }))
        continue
      }
      await waited
      rec.after = await scrapeQuiet(nodes, rec.before, present, network, conditions, signal, scrapeErrors, now() + MAX_QUIET_WAIT_MS,
        walks && rec.routers.includes('raintree') ? name => (name === originator.name || rec.has(name, 'raintree')) ? 1 : 0 : undefined)
      reachedLine(rec)
    }
    await Promise.all(waits)
    const streamAfter = stream ? await scrapeQuiet(nodes, streamBefore, present, network, conditions, signal, scrapeErrors, now() + MAX_QUIET_WAIT_MS) : new Map<string, Counters>()
    current = null
    firstCopy = undefined

    // faults still under way (a partition longer than the stream): let them end, then give the nodes that were away
    // time to catch up on what they missed before anything is declared missing
    await Promise.allSettled(recoveries)
    if (recoveryErrors.length > 0) throw recoveryErrors[0]
    if (stopped.length + restarted.length + partitioned.length > 0) {
      out.say(`waiting for late copies at the nodes that were away (until none arrives for ${CATCH_UP_QUIET_MS / 1000} s)`)
      const countCopies = (): number => measured.reduce((s, r) => s + r.copies.size, 0)
      for (let seen = countCopies(), started = now(); now() - started < opts.timeoutMs;) {
        const allIn = (): boolean => measured.every(r => r.awaiting(tracked.filter(n => live(n.name)), originator.name, () => true).length === 0)
        const moved = await conditions.until(() => allIn() || countCopies() !== seen, CATCH_UP_QUIET_MS, signal)
        if (!moved || allIn()) break
        seen = countCopies()
      }
    }

    measuring = false
    const broadcasts = measured.map(r => r.report(tracked, originator.name, live, runStart))
    const liveNodes = nodes.filter(n => live(n.name))
    const report: TestbedReport = {
      validators: opts.validators,
      unstaked: opts.unstaked,
      live: liveNodes.length,
      liveValidators: liveNodes.filter(n => n.spec.staked).length,
      uplinkMbps: opts.uplinkMbps,
      payloadBytes: opts.payloadBytes,
      router: opts.router,
      originator: originator.name,
      seed: opts.seed,
      raintreeLayers,
      raintree: summarize(broadcasts, 'raintree', stream ? { before: streamBefore, after: streamAfter, originator: originator.name } : undefined),
      background: summarize(broadcasts, 'background', stream ? { before: streamBefore, after: streamAfter, originator: originator.name } : undefined),
      broadcasts,
      faults,
      nodes: nodes.map(n => ({
        name: n.name, address: n.spec.address, host: n.spec.hostAddress, staked: n.spec.staked,
        state: live(n.name) ? 'live' : 'killed', runs: n.runs, malformedLines: n.malformed
      })),
      accounted: true,
      missingTotal: broadcasts.reduce((s, b) => s + b.missing.length, 0),
      malformedLines: nodes.reduce((s, n) => s + n.malformed, 0),
      malformedMetricLines: scrapeErrors.malformed,
      setupMs: Math.round(setupMs),
      notes: notes(opts)
    }
    // nothing silently lost: every (broadcast, live eligible node) pair was delivered or is named as missing
    report.accounted = broadcasts.every(b => b.deliveredOnce + b.deliveredMoreThanOnce.filter(live).length + b.missing.length ===
      tracked.filter(n => n.name !== originator.name && live(n.name) && (b.router !== 'raintree' || n.staked)).length)
    return report
  } catch (err) {
    if (signal.aborted) out.say(`stopping ${nodes.length} nodes and removing the test bed (${(signal.reason as Error)?.message ?? 'aborted'})`)
    throw err
  } finally {
    out.progress('')
    await Promise.all(nodes.map(async n => { await n.stop(STOP_GRACE_MS) }))
    await net?.destroy()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  }
}

/** Writes the genesis and one config per node into `dir`; returns what the nodes are started from. */
async function writeFiles (opts: TestbedOptions, net: TestbedNetwork, dir: string, bin: string): Promise<Array<TestbedNode['spec']>> {
  // val_i is the i-th smallest address (as in localnet); full nodes' keys from a seed of their own, as genesis --compose
  const validators = localnetIdentities(opts.validators, opts.seed)
  const unstaked = seededIdentities(opts.unstaked, `${opts.seed}\0unstaked`)
  const hosts = net.hosts
  const genesisPath = join(dir, 'genesis.json')
  await writeGenesisFile(genesisPath, validators.map((id, i) => createPeer(id.publicKey, `${hosts[i]?.address as string}:${P2P_PORT}`)), { height: 1n })
  const all: Array<{ id: Identity, name: string, staked: boolean }> = [
    ...validators.map((id, i) => ({ id, name: `val_${i + 1}`, staked: true })),
    ...unstaked.map((id, j) => ({ id, name: `full_${j + 1}`, staked: false }))
  ]
  const specs: Array<TestbedNode['spec']> = []
  for (const [i, { id, name, staked }] of all.entries()) {
    const host = hosts[i] as TestbedNetwork['hosts'][number]
    const config: NodeFileConfig = {
      // allow_loopback keeps private addresses (10.213.0.0/24) in the DHT, which would drop them otherwise
      p2p: { private_key: id.privateKeyHex, hostname: host.address, port: P2P_PORT, allow_loopback: true },
      genesis_file: 'genesis.json'
    }
    const file = join(dir, `${name}.json`)
    // private keys: readable by the owner only
    await writeFile(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 })
    await chmod(file, 0o600)
    specs.push({
      name,
      host: i,
      hostAddress: host.address,
      address: id.address,
      staked,
      argv: net.commandIn(i, [process.execPath, bin, 'node', '--config', file, '--control', 'stdin',
        '--metrics-port', String(METRICS_PORT), '--metrics-host', '0.0.0.0',
        // only when given: otherwise each node runs the router's own default
        ...(opts.ack === undefined ? [] : ['--ack', opts.ack ? 'on' : 'off']),
        ...(opts.cleanup === undefined ? [] : ['--cleanup', opts.cleanup ? 'on' : 'off'])])
    })
  }
  return specs
}

/** Scrapes every node of `nodes` (a few at once); a node that does not answer is left out. */
async function scrapeAll (nodes: TestbedNode[], net: TestbedNetwork, signal: AbortSignal, errors: { malformed: number }): Promise<Map<string, Counters>> {
  const result = new Map<string, Counters>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < nodes.length) {
      const n = nodes[next++] as TestbedNode
      try {
        const e = await scrapeMetrics(`http://${net.hosts[n.spec.host]?.address as string}:${METRICS_PORT}/metrics`, { timeoutMs: SCRAPE_TIMEOUT_MS, signal })
        errors.malformed += e.malformed
        result.set(n.name, countersOf(e))
      } catch {
        signal.throwIfAborted()
        // a node frozen, cut off or killed meanwhile: its counters are left out (the report names it in `unscraped`)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(SCRAPE_PARALLEL, nodes.length) }, worker))
  return result
}

/**
 * Scrapes the present nodes until two scrapes {@link QUIET_MS} apart show no new RainTree write, clean-up event nor
 * gossip message (the broadcast's traffic is over: late resends, gossip to peers that had it) and, with `walks`
 * (clean-up on), every node it names has made its clean-up walk since `before`; or until `deadline` (wall-clock ms).
 */
async function scrapeQuiet (nodes: TestbedNode[], before: Map<string, Counters>, present: (name: string) => boolean, net: TestbedNetwork,
  conditions: Conditions, signal: AbortSignal, errors: { malformed: number }, deadline: number,
  walks?: (name: string) => number): Promise<Map<string, Counters>> {
  const activity = (m: Map<string, Counters>): number => [...m.values()].reduce((s, c) =>
    s + c.raintreeWrites + c.gossipMessages + Object.values(c.cleanup).reduce((x, y) => x + y, 0), 0)
  const up = (): TestbedNode[] => nodes.filter(n => present(n.name) && before.has(n.name))
  let last = await scrapeAll(up(), net, signal, errors)
  while (now() < deadline) {
    await conditions.pause(QUIET_MS, signal)
    const again = await scrapeAll(up(), net, signal, errors)
    const same = again.size === last.size && activity(again) === activity(last)
    last = again
    if (same && (walks === undefined || walksPending(before, again, walks).length === 0)) break
  }
  return last
}

/** The `raintree` field of a node's `started` line: the layers its RainTree router runs; null when absent or malformed. */
function layersOf (field: unknown): TestbedReport['raintreeLayers'] {
  if (typeof field !== 'object' || field === null) return null
  const { ack, cleanup } = field as Record<string, unknown>
  return typeof ack === 'boolean' && typeof cleanup === 'boolean' ? { ack, cleanup } : null
}

function describeExit (exit: { code: number | null, signal: NodeJS.Signals | null }): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `exit code ${String(exit.code)}`
}

/** How the run was measured: printed under the summary, and in the JSON's `notes`. */
function notes (opts: TestbedOptions): string[] {
  return [
    'Latency is not emulated: this kernel has no netem, so a link between two namespaces (veth pair and bridge) takes',
    `microseconds; ${opts.uplinkMbps === null ? 'uplinks are not limited' : `each node's uplink is limited to ${opts.uplinkMbps} Mbit/s by tc tbf on its interface (egress)`}.`,
    'Times: from the originator\'s "broadcasting" event to each node\'s first copy through the router ("received" or',
    '"duplicate" event, "at": one wall clock for every process). messages / bytes: differences of each node\'s /metrics',
    'across the broadcast (raintree: pokt_raintree_writes_total, pokt_transport_bytes_total{direction="sent"}, i.e.',
    'unicast payload bytes incl. ACKs; background: gossipsub_rpc_sent_message_total, gossipsub_rpc_sent_bytes_total,',
    'incl. gossip control messages), summed over the nodes. All nodes share the machine\'s cores.'
  ]
}

export { sortNames }
