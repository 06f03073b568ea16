import { setMaxListeners } from 'node:events'
import { encodePocketEnvelope, generateNonce, type ConnectionType, type Router } from '@pokt-p2p/types'
import { anyOf } from '@pokt-p2p/p2p'
import { ceilLog3 } from '@pokt-p2p/raintree'
import { intOption, parseOptions, choiceOption, stringOption, UsageError } from '../args.js'
import type { CommandContext } from '../context.js'
import { bringUp, progressOf } from './localnet/index.js'
import { BroadcastTracker } from './localnet/measurement.js'
import { createLocalNetwork, stopNetwork, type Progress } from './localnet/network.js'
import { parseLinkOptions, type LocalnetOptions } from './localnet/options.js'

/** The help text of `pokt-p2p bench` (`--help`). */
export const benchHelp = `pokt-p2p bench [options]

  RainTree against gossipsub, same run, same nodes: for every combination of --nodes, --payload-bytes and
  --latency-ms, starts a local network (as localnet does, background router on), broadcasts --runs times through
  each router alternately (RainTree through the staked router, gossipsub through the background router), waits
  each time until every node has that broadcast through that router, and prints per router the median/min/max time
  to full coverage, the time to 99 % of the nodes, message copies, bytes and the originator's upload.
  --nodes N,N,…            2..300 each (default 27,81)
  --payload-bytes B,B,…    0..4194304 each (default 1024)
  --latency-ms L,L,…       0..10000 each, one-way latency of every link (default 0; above 0 needs --transport memory)
  --bandwidth-mbps B       each node's uplink in Mbit/s (> 0; default unlimited; needs --transport memory)
  --runs R                 1..100 measured broadcasts per router and combination (default 3), after one warm-up
  --transport T            memory | tcp (default memory)
  --seed S                 key seed (default "pokt")
  --quiet-ms MS            how long without router events ends a broadcast (default 200)
  --json                   print one JSON array of rows on stdout (progress on stderr)`

/** The routers a bench compares. */
export type BenchRouter = 'raintree' | 'gossipsub'

/** One row of `pokt-p2p bench --json`: one router in one combination. */
export interface BenchRow {
  /** N, the staked nodes of the network */
  nodes: number
  /** size of the broadcast payload in bytes */
  payloadBytes: number
  /** one-way latency of every emulated link in ms */
  latencyMs: number
  /** each node's emulated uplink in Mbit/s; null: unlimited */
  bandwidthMbps: number | null
  /** the router this row measured */
  router: BenchRouter
  /** measured broadcasts */
  runs: number
  /** runs that reached every node */
  complete: number
  /** ms from the broadcast call to the last node's first copy, over the runs that reached every node (null: none did) */
  fullCoverageMs: {
    /** the median run */
    median: number
    /** the fastest run */
    min: number
    /** the slowest run */
    max: number
  } | null
  /** median over the runs of the ms until 99 % of the other nodes had a copy (null: no run got that far) */
  p99Ms: number | null
  /** median over the runs of the full message copies sent (RainTree messages; gossipsub's full copies in RPCs) */
  messages: number
  /**
   * median over the runs of the RainTree copies among `messages` that were resends (no ACK in time: under load, a
   * late ACK; `messages − resends` are the first copies); always 0 for gossipsub
   */
  resends: number
  /** median over the runs of the bytes sent for it, summed over the nodes */
  bytes: number
  /** median over the runs of the bytes the originator sent for it */
  originatorUploadBytes: number
  /** why the router refused the broadcast, when it did (then no run reached anyone) */
  refused?: string
}

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** the network sizes (`--nodes`) */
  nodes: number[]
  /** the payload sizes in bytes (`--payload-bytes`) */
  payloadBytes: number[]
  /** the one-way latencies of the emulated links in ms (`--latency-ms`) */
  latencyMs: number[]
  /** each node's emulated uplink in Mbit/s; null: unlimited (`--bandwidth-mbps`) */
  bandwidthMbps: number | null
  /** measured broadcasts per router and combination (`--runs`) */
  runs: number
  /** libp2p transport between the nodes (`--transport`) */
  transport: ConnectionType
  /** seed of the nodes' keys (`--seed`) */
  seed: string
  /** how long without router events ends a broadcast, in ms (`--quiet-ms`) */
  quietMs: number
  /** print the rows as one JSON array (`--json`) */
  json: boolean
}

/** A comma-separated list of integers in [min, max]. */
function intList (name: string, value: string | boolean | undefined, fallback: number[], min: number, max: number): number[] {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} needs a comma-separated list of integers`)
  return [...new Set(value.split(',').map(v => intOption(name, v, 0, min, max)))]
}

/**
 * Parses the arguments of `pokt-p2p bench`.
 * @throws {UsageError} for an unknown option, a value out of range, or emulated links over TCP
 */
export function parseBenchOptions (argv: string[]): BenchOptions & {
  /** `--help` was given */
  help: boolean
} {
  const o = parseOptions(argv, {
    nodes: { type: 'string' }, 'payload-bytes': { type: 'string' }, 'latency-ms': { type: 'string' },
    'bandwidth-mbps': { type: 'string' }, runs: { type: 'string' }, transport: { type: 'string' },
    seed: { type: 'string' }, 'quiet-ms': { type: 'string' }, json: { type: 'boolean' }
  }, 'bench')
  const transport = choiceOption<ConnectionType>('transport', o.transport, ['memory', 'tcp'], 'memory')
  const latencies = typeof o['latency-ms'] === 'string' ? o['latency-ms'].split(',') : [o['latency-ms']]
  const links = latencies.map(l => parseLinkOptions(l, o['bandwidth-mbps'], transport))
  return {
    help: o.help === true,
    nodes: intList('nodes', o.nodes, [27, 81], 2, 300),
    payloadBytes: intList('payload-bytes', o['payload-bytes'], [1024], 0, 4 * 1024 * 1024),
    latencyMs: [...new Set(links.map(l => l.latencyMs))],
    bandwidthMbps: links[0]?.bandwidthMbps ?? null,
    runs: intOption('runs', o.runs, 3, 1, 100),
    transport,
    seed: stringOption('seed', o.seed) ?? 'pokt',
    quietMs: intOption('quiet-ms', o['quiet-ms'], 200, 50, 60_000),
    json: o.json === true
  }
}

/** What one broadcast through one router measured. */
interface Sample {
  /** ms to the last node, null unless every node was reached */
  fullCoverageMs: number | null
  p99Ms: number | null
  messages: number
  resends: number
  bytes: number
  originatorUploadBytes: number
  /** why the router refused the broadcast */
  refused?: string
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
const round = (v: number): number => Math.round(v * 10) / 10

/** ms until ⌈0.99·(n−1)⌉ of the other nodes had a copy, or null when fewer got one. */
function p99 (times: number[], others: number): number | null {
  const need = Math.ceil(0.99 * others)
  if (times.length < need) return null
  return [...times].sort((a, b) => a - b)[need - 1] ?? 0
}

/** Broadcasts once from val_1 through `router` only and measures it with localnet's tracker. */
async function broadcastOnce (opts: LocalnetOptions, net: Awaited<ReturnType<typeof createLocalNetwork>>, router: BenchRouter, out: Progress, signal: AbortSignal): Promise<Sample> {
  const origin = net.modules[0]
  const r: Router | undefined = router === 'raintree' ? origin?.routers.staked : origin?.routers.unstaked
  if (r === undefined) throw new Error(`val_1 has no ${router} router`)
  const tracker = new BroadcastTracker(opts, net, router)
  tracker.attach()
  const payload = new Uint8Array(opts.payloadBytes).map((_, i) => i & 0xff)
  const bytes = encodePocketEnvelope(anyOf('pocket.DebugMessage', payload), generateNonce())
  tracker.broadcasting()
  try {
    await r.broadcast(bytes, { signal })
  } catch (err) {
    tracker.detach()
    if (signal.aborted) throw err
    // e.g. gossipsub cannot send an RPC over 4 MiB, and the background router says so rather than lose it
    return { fullCoverageMs: null, p99Ms: null, messages: 0, resends: 0, bytes: 0, originatorUploadBytes: 0, refused: `${(err as Error).name}: ${(err as Error).message}` }
  }
  if (await tracker.settled(signal) === 'stalled') out.say(`warning: a ${router} broadcast did not settle; counting what arrived`)
  const report = tracker.report(0)
  const others = opts.nodes - 1
  if (router === 'raintree') {
    const times = tracker.firstRainTree.flatMap((f, i) => i === 0 || f === undefined ? [] : [f.at])
    return { fullCoverageMs: report.raintree.fullCoverageMs, p99Ms: p99(times, others), messages: report.raintree.messages, resends: report.raintree.resends, bytes: report.raintree.bytes, originatorUploadBytes: tracker.originatorUploadBytes('raintree') }
  }
  const bg = report.background
  const times = tracker.firstBackground.flatMap((t, i) => i === 0 || t === undefined ? [] : [t])
  return { fullCoverageMs: bg?.fullCoverageMs ?? null, p99Ms: p99(times, others), messages: bg?.messages ?? 0, resends: 0, bytes: bg?.bytes ?? 0, originatorUploadBytes: tracker.originatorUploadBytes('gossipsub') }
}

function rowOf (opts: LocalnetOptions, router: BenchRouter, samples: Sample[]): BenchRow {
  const covered = samples.flatMap(s => s.fullCoverageMs === null ? [] : [s.fullCoverageMs])
  const p99s = samples.flatMap(s => s.p99Ms === null ? [] : [s.p99Ms])
  return {
    nodes: opts.nodes,
    payloadBytes: opts.payloadBytes,
    latencyMs: opts.latencyMs,
    bandwidthMbps: opts.bandwidthMbps,
    router,
    runs: samples.length,
    complete: covered.length,
    fullCoverageMs: covered.length === 0 ? null : { median: round(median(covered)), min: round(Math.min(...covered)), max: round(Math.max(...covered)) },
    p99Ms: p99s.length === 0 ? null : round(median(p99s)),
    messages: median(samples.map(s => s.messages)),
    resends: median(samples.map(s => s.resends)),
    bytes: median(samples.map(s => s.bytes)),
    originatorUploadBytes: median(samples.map(s => s.originatorUploadBytes)),
    ...refusal(samples)
  }
}

function refusal (samples: Sample[]): { refused?: string } {
  const refused = samples.find(s => s.refused !== undefined)?.refused
  return refused === undefined ? {} : { refused }
}

/**
 * Runs every combination and returns the rows (two per combination, RainTree first). When `ctx.signal` aborts,
 * the network of the combination running is stopped and the signal's reason is thrown.
 */
export async function runBench (opts: BenchOptions, ctx: CommandContext): Promise<BenchRow[]> {
  const { signal } = ctx
  signal.throwIfAborted()
  setMaxListeners(Infinity, signal)
  const out = progressOf(opts, ctx)
  const rows: BenchRow[] = []
  for (const nodes of opts.nodes) {
    for (const payloadBytes of opts.payloadBytes) {
      for (const latencyMs of opts.latencyMs) {
        const local: LocalnetOptions = {
          nodes, originator: 1, mode: 'complete', transport: opts.transport, background: true, payloadBytes,
          seed: opts.seed, dht: 'client', quietMs: opts.quietMs, json: opts.json, latencyMs, bandwidthMbps: opts.bandwidthMbps
        }
        out.say(`bench: ${nodes} nodes, ${payloadBytes} bytes, ${latencyMs} ms${opts.bandwidthMbps === null ? '' : `, ${opts.bandwidthMbps} Mbit/s`}`)
        const net = await createLocalNetwork(local)
        try {
          await bringUp(local, net, out, signal)
          const samples: Record<BenchRouter, Sample[]> = { raintree: [], gossipsub: [] }
          // run 0 warms up: streams of the framed protocol and gossipsub's are opened by the first message
          for (let run = 0; run <= opts.runs; run++) {
            for (const router of ['raintree', 'gossipsub'] as const) {
              const s = await broadcastOnce(local, net, router, out, signal)
              if (run > 0) samples[router].push(s)
              out.say(`  ${run === 0 ? 'warm-up' : `run ${run}/${opts.runs}`} ${router.padEnd(9)} ` + (s.refused !== undefined
                ? `refused: ${s.refused}`
                : `full coverage ${s.fullCoverageMs === null ? 'not reached' : `${s.fullCoverageMs.toFixed(1)} ms`}, ${s.messages} copies${s.resends > 0 ? ` (${s.resends} resent)` : ''}, ${s.bytes} bytes`))
            }
          }
          rows.push(rowOf(local, 'raintree', samples.raintree), rowOf(local, 'gossipsub', samples.gossipsub))
        } catch (err) {
          if (signal.aborted) out.say(`stopping ${nodes} nodes (${(signal.reason as Error)?.message ?? 'aborted'})`)
          throw err
        } finally {
          await stopNetwork(net)
        }
      }
    }
  }
  return rows
}

/** The rows as a table, RainTree and gossipsub of a combination side by side in consecutive lines. */
export function renderBench (rows: BenchRow[]): string {
  const head = ['nodes', 'payload', 'latency', 'uplink', 'router', 'full coverage median (min–max)', 'p99', 'copies', 'bytes', 'originator upload']
  const cells = rows.map(r => [
    String(r.nodes), `${r.payloadBytes} B`, `${r.latencyMs} ms`, r.bandwidthMbps === null ? '∞' : `${r.bandwidthMbps} Mbit/s`, r.router,
    r.refused !== undefined ? 'refused (see goals)' : r.fullCoverageMs === null ? `not reached (${r.complete}/${r.runs})` : `${r.fullCoverageMs.median.toFixed(1)} ms (${r.fullCoverageMs.min.toFixed(1)}–${r.fullCoverageMs.max.toFixed(1)})${r.complete < r.runs ? ` ${r.complete}/${r.runs} complete` : ''}`,
    r.p99Ms === null ? '—' : `${r.p99Ms.toFixed(1)} ms`, String(r.messages), String(r.bytes), String(r.originatorUploadBytes)
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map(c => (c[i] as string).length)))
  const line = (c: string[]): string => c.map((v, i) => v.padEnd(widths[i] as number)).join('  ').trimEnd()
  return [line(head), ...cells.map(line)].join('\n')
}

/**
 * What a RainTree copy adds to its payload on the wire, for counting the originator's copies from its upload: the
 * envelope, RainTree's fields and the frame header (about 70 bytes measured; a copy is never counted short).
 */
const COPY_FRAMING_BYTES = 128

/** Ratio `a / b` as text (`0.45×`), or `—` when either is missing or `b` is 0. */
function ratio (a: number | null | undefined, b: number | null | undefined): { value: number | null, text: string } {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return { value: null, text: '—' }
  const value = a / b
  return { value, text: `${value.toFixed(2)}×` }
}

/** `met` / `NOT met` / `not measured` for a ratio against a ceiling. */
function verdict (r: { value: number | null }, ceiling: number): string {
  return r.value === null ? 'not measured' : r.value <= ceiling ? 'met' : 'NOT met'
}

/**
 * The issue's goals, checked against the rows: for each combination, RainTree's figures as a multiple of
 * gossipsub's. With latency: median time to full coverage ≤ 0.5× from 81 nodes on, ≤ 1.0× below. Always: copies
 * and bytes ≤ ¼. With an uplink limit: the originator uploads at most 2·⌈log₃ N⌉ copies of the payload.
 */
export function benchGoals (rows: BenchRow[]): string[] {
  const lines: string[] = []
  for (const rt of rows.filter(r => r.router === 'raintree')) {
    const gs = rows.find(r => r.router === 'gossipsub' && r.nodes === rt.nodes && r.payloadBytes === rt.payloadBytes && r.latencyMs === rt.latencyMs)
    if (gs === undefined) continue
    const parts: string[] = []
    const time = ratio(rt.fullCoverageMs?.median, gs.fullCoverageMs?.median)
    if (rt.latencyMs > 0) {
      const ceiling = rt.nodes >= 81 ? 0.5 : 1
      parts.push(`time ${time.text} (goal ≤ ${ceiling.toFixed(1)}×: ${verdict(time, ceiling)})`)
    } else {
      parts.push(`time ${time.text}`)
    }
    const copies = ratio(rt.messages, gs.messages)
    const bytes = ratio(rt.bytes, gs.bytes)
    parts.push(`copies ${copies.text} (goal ≤ 0.25×: ${verdict(copies, 0.25)})`, `bytes ${bytes.text} (goal ≤ 0.25×: ${verdict(bytes, 0.25)})`)
    if (rt.bandwidthMbps !== null && rt.payloadBytes > 0) {
      const most = 2 * ceilLog3(rt.nodes)
      const uploaded = rt.originatorUploadBytes / (rt.payloadBytes + COPY_FRAMING_BYTES)
      parts.push(`originator upload ${uploaded.toFixed(1)} copies (goal ≤ 2·⌈log₃ N⌉ = ${most}: ${uploaded <= most ? 'met' : 'NOT met'})`)
    }
    if (gs.refused !== undefined) parts.push(`gossipsub refused the broadcast: ${gs.refused}`)
    lines.push(`${rt.nodes} nodes, ${rt.payloadBytes} B, ${rt.latencyMs} ms${rt.bandwidthMbps === null ? '' : `, ${rt.bandwidthMbps} Mbit/s`}: RainTree ÷ gossipsub: ${parts.join(', ')}`)
  }
  return lines
}

/** `pokt-p2p bench`: parses the options, runs every combination, prints the table or the JSON rows (or `--help`). */
export async function bench (argv: string[], ctx: CommandContext): Promise<number> {
  const opts = parseBenchOptions(argv)
  if (opts.help) { ctx.out(benchHelp); return 0 }
  const rows = await runBench(opts, ctx)
  const goals = benchGoals(rows)
  if (opts.json) {
    ctx.out(JSON.stringify(rows))
    for (const line of goals) ctx.log(line)
  } else {
    ctx.out([renderBench(rows), '', 'goals:', ...goals].join('\n'))
  }
  return 0
}
