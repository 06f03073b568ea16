import { setMaxListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import { anyOf } from '@pokt-p2p/p2p'
import { encodePocketEnvelope, generateNonce } from '@pokt-p2p/types'
import type { CommandContext } from '../../context.js'
import { linkText, renderReport, type LocalnetReport } from '../../report.js'
import { BroadcastTracker } from './measurement.js'
import {
  connectRainTreeEdges, createLocalNetwork, nodeList, startNetwork, STALL_MS, stopDeadNodes, stopNetwork, waitForMesh,
  type LocalNetwork, type Progress
} from './network.js'
import { localnetHelp, parseLocalnetOptions, type LocalnetOptions } from './options.js'

export { localnetHelp, parseLocalnetOptions, type LocalnetOptions }

/** A progress line redrawn in place on a terminal (never with `--json`), and log lines that clear it first. */
export function progressOf (opts: { json: boolean }, ctx: CommandContext): Progress {
  let shown = false
  const progress = (text: string): void => {
    if (opts.json || !ctx.interactive) return
    process.stderr.write(`\r\x1b[K${text}`)
    shown = text !== ''
  }
  return {
    progress,
    say: text => {
      if (shown) progress('')
      ctx.log(text)
    }
  }
}

/**
 * Starts the nodes of `net`, opens the connections RainTree's broadcast from `--originator` will use and, with the
 * background router, waits for its gossipsub mesh; stops the `--dead` nodes; warms RainTree up; says how each phase
 * went. Rejects with the signal's reason when it aborts (the caller stops the network).
 */
export async function bringUp (opts: LocalnetOptions, net: LocalNetwork, out: Progress, signal: AbortSignal): Promise<void> {
  const setupStart = performance.now()
  out.say(`starting ${opts.nodes} nodes over ${opts.transport}${linkText(opts)}` +
    (opts.transport === 'tcp' ? ` on 127.0.0.1 ports ${net.ports.slice(0, 8).join(' ')}${opts.nodes > 8 ? ` … (${opts.nodes} in all)` : ''}` : ''))
  await startNetwork(net, out, signal)
  out.say(`started ${opts.nodes} nodes over ${opts.transport} in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`)
  await connectRainTreeEdges(opts, net, out, signal)
  if (opts.background) {
    const meshStart = performance.now()
    const mesh = await waitForMesh(net, out, signal)
    const seconds = ((performance.now() - meshStart) / 1000).toFixed(1)
    out.say(mesh.ready === mesh.nodes
      ? `background mesh ready in ${seconds} s: every node sees ${mesh.need}+ gossipsub topic peers`
      : `warning: only ${mesh.ready}/${mesh.nodes} nodes have ${mesh.need} gossipsub topic peers (no progress for ${STALL_MS / 1000} s); broadcasting anyway`)
  } else {
    out.say('background router off: RainTree only')
  }
  await stopDeadNodes(net, out)
  signal.throwIfAborted()
  await warmUp(opts, net, out, signal)
}

/** What the warm-up broadcast carries: unlike any measured payload (which starts with byte 0, or is empty). */
const WARM_UP_PAYLOAD = new TextEncoder().encode('localnet warm-up')

/**
 * Broadcasts once through RainTree alone, from `--originator`, and waits for it to settle (to reach every live node,
 * with `--dead`). Its first message on each edge opens the framed stream there (multistream-select and a yamux
 * stream at both ends, 2–3 ms of CPU each), which a network that has been running keeps open; measured without it,
 * 1,000 nodes in one process spent 2.6 s opening them one after another on one core and the report timed that.
 * Nodes that are to crash after receiving do not crash on it.
 */
async function warmUp (opts: LocalnetOptions, net: LocalNetwork, out: Progress, signal: AbortSignal): Promise<void> {
  const router = net.modules[opts.originator - 1]?.routers.staked
  if (router === undefined || opts.nodes < 2) return
  const started = performance.now()
  const tracker = new BroadcastTracker(opts, net, 'raintree')
  tracker.attach()
  tracker.broadcasting()
  const nonce = generateNonce()
  net.faults.spare(nonce)
  await router.broadcast(encodePocketEnvelope(anyOf('pocket.DebugMessage', WARM_UP_PAYLOAD), nonce), { signal })
  const outcome = await tracker.settled(signal)
  const reached = tracker.firstRainTree.filter((f, i) => f !== undefined && net.faults.isLive(i)).length
  const live = opts.nodes - net.faults.dead.size
  out.say(`warm-up broadcast through RainTree: ${reached}/${live - 1}${net.faults.dead.size > 0 ? ' live' : ''} nodes in ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s` + (outcome === 'stalled' ? ' (did not settle)' : ''))
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
  const out = progressOf(opts, ctx)
  const net = await createLocalNetwork(opts)
  try {
    await bringUp(opts, net, out, signal)

    const tracker = new BroadcastTracker(opts, net)
    tracker.attach()
    const setupMs = performance.now() - setupStart
    const payload = new Uint8Array(opts.payloadBytes).map((_, i) => i & 0xff)
    signal.throwIfAborted()
    const crashing = [...net.faults.crashAfterReceive]
    if (crashing.length > 0) out.say(`${crashing.length} node${crashing.length === 1 ? '' : 's'} will crash on receiving the broadcast (--crash-after-receive): ${nodeList(crashing)}`)
    out.say(`broadcasting ${opts.payloadBytes} bytes from val_${opts.originator}`)
    net.faults.arm()
    tracker.broadcasting(payload)
    await net.modules[opts.originator - 1]?.broadcast(anyOf('pocket.DebugMessage', payload), { signal })
    if (await tracker.settled(signal) === 'stalled') {
      out.say(`warning: nothing moved for ${STALL_MS / 1000} s and the broadcast has not settled; reporting what arrived`)
    }
    out.progress('')
    if (tracker.sendErrors.length > 0 && net.faults.dead.size > 0) out.say(`${tracker.sendErrors.length} RainTree sends failed (the dead nodes' among them)`)
    for (const e of tracker.sendErrors.slice(0, 10)) out.say(`RainTree send failed: ${e}`)
    if (tracker.sendErrors.length > 10) out.say(`… and ${tracker.sendErrors.length - 10} more failed sends`)
    return tracker.report(setupMs)
  } catch (err) {
    if (signal.aborted) out.say(`stopping ${opts.nodes} nodes (${(signal.reason as Error)?.message ?? 'aborted'})`)
    throw err
  } finally {
    await stopNetwork(net)
  }
}

/** `pokt-p2p localnet`: parses the options, runs the network, prints the report (or `--help`). */
export async function localnet (argv: string[], ctx: CommandContext): Promise<number> {
  const opts = parseLocalnetOptions(argv)
  if (opts.help) { ctx.out(localnetHelp); return 0 }
  const report = await runLocalnet(opts, ctx)
  ctx.out(opts.json ? JSON.stringify(report) : renderReport(report))
  return 0
}
