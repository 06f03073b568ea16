import { describe, expect, it } from '@jest/globals'
import { referenceTables } from '@pokt-p2p/testing'
import { InterruptedError, parseLocalnetOptions, renderReport, runLocalnet, type CommandContext, type LocalnetReport } from '../src/index.js'
import { run } from './helpers.js'

/** Runs localnet in this process; returns the report and the log lines. */
const localnet = async (argv: string[], signal = new AbortController().signal): Promise<{ report: LocalnetReport, log: string[] }> => {
  const log: string[] = []
  const ctx: CommandContext = { out: () => {}, log: t => { log.push(t) }, interactive: false, signal }
  return { report: await runLocalnet(parseLocalnetOptions(argv), ctx), log }
}

const tables = referenceTables()

describe('localnet', () => {
  it('27 nodes over TCP in complete mode: 27/27 via RainTree (26 messages, depth 3) and 27/27 via background', async () => {
    const { report: r, log } = await localnet(['--json'])
    expect(r.nodes).toBe(27)
    expect(r.transport).toBe('tcp')
    // with the run's log, so that a failure shows how far the mesh got
    expect({ raintree: r.raintree, background: r.background, log }).toMatchObject({ raintree: { reached: 27, messages: 26, depth: 3 }, background: { reached: 27 } })
    expect(r.raintree.fullCoverageMs).not.toBeNull()
    for (const n of r.raintree.perNode.slice(1)) expect(n.reads).toBe(1)
    expect(r.background!.messages).toBeGreaterThanOrEqual(26)
    expect(r.delivered).toEqual({ exactlyOnce: 26, duplicates: 0 })
    // the mesh line states what is true: ready, or a warning, never both
    const mesh = log.filter(l => /gossipsub topic peers/.test(l))
    expect(mesh).toHaveLength(1)
    expect(mesh[0]).toMatch(/^background mesh ready in \d+\.\d s: every node sees 4\+ gossipsub topic peers$|^warning: only \d+\/27 nodes have 4 gossipsub topic peers/)
  }, 300_000)

  it.each(tables.map(t => [t.nodes, t] as const))('--mode reference --transport memory reproduces the reference table per node, N=%i', async (n, table) => {
    const { report: r } = await localnet(['--mode', 'reference', '--transport', 'memory', '--background', 'off', '--nodes', String(n), '--originator', String(table.originator), '--quiet-ms', '200'])
    expect(r.raintree.perNode.map(p => ({ index: p.index, reads: p.reads, writes: p.writes }))).toEqual(table.perNode)
  }, 120_000)

  it('another originator and seed still reach everyone once in complete mode (memory)', async () => {
    const { report: r } = await localnet(['--nodes', '40', '--originator', '17', '--seed', 'other', '--transport', 'memory', '--background', 'off'])
    expect(r.raintree).toMatchObject({ reached: 40, messages: 39 })
    expect(r.raintree.depth).toBeLessThanOrEqual(4)
    expect(r.raintree.perNode[16]).toMatchObject({ hops: 0, reads: 0 })
    // the spread of first-copy times over the 39 other nodes ends at full coverage
    const spread = r.raintree.firstCopyMs!
    expect(spread.p50).toBeLessThanOrEqual(spread.p90)
    expect(spread.p90).toBeLessThanOrEqual(spread.max)
    expect(spread.max).toBe(r.raintree.fullCoverageMs)
  }, 120_000)

  it('--background off says the background router is off (no mesh line) and the report has no background', async () => {
    const { report: r, log } = await localnet(['--nodes', '5', '--transport', 'memory', '--background', 'off'])
    expect(log).toContain('background router off: RainTree only')
    expect(log.filter(l => /mesh/.test(l))).toEqual([])
    expect(r.background).toBeNull()
    expect(renderReport(r)).toMatch(/^Background: off$/m)
  }, 120_000)

  it('the report explains its columns and what dominates its timings', async () => {
    const r = await run(['localnet', '--nodes', '4', '--transport', 'memory', '--background', 'off'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^ {2}node +address +reads writes +hops +first copy$/m)
    expect(r.out).toMatch(/^ {2}reads: RainTree copies the node received[^]*writes: RainTree messages it sent/m)
    expect(r.out).toMatch(/^Timings: all 4 nodes share this process and its one event loop, so latency is CPU-bound: every hop costs\nnoise decryption and encryption, protobuf coding and signature checks, run one after another on one core\.$/m)
  }, 120_000)

  it('--latency-ms 20 over memory: 9 nodes reached, full coverage no sooner than depth × 20 ms, and the report says so', async () => {
    const { report: r, log } = await localnet(['--nodes', '9', '--transport', 'memory', '--background', 'off', '--latency-ms', '20', '--quiet-ms', '100'])
    expect(r.raintree).toMatchObject({ reached: 9, messages: 8 })
    expect(r).toMatchObject({ latencyMs: 20, bandwidthMbps: null })
    // every hop crosses one emulated link: a lower bound only (CPU time adds to it)
    expect(r.raintree.fullCoverageMs).toBeGreaterThanOrEqual(r.raintree.depth * 20)
    expect(r.raintree.depth).toBeGreaterThanOrEqual(1)
    expect(log[0]).toBe('starting 9 nodes over memory (emulated links: 20 ms one way, unlimited uplinks)')
    expect(renderReport(r)).toMatch(/^Local network: 9 staked nodes over memory \(emulated links: 20 ms one way, unlimited uplinks\)/)
  }, 60_000)

  it('refuses emulated links over TCP (saying why) and values out of range, naming the flag', async () => {
    expect(() => parseLocalnetOptions(['--latency-ms', '20'])).toThrow(/^--latency-ms needs --transport memory: TCP over loopback cannot be delayed or throttled per message/)
    expect(() => parseLocalnetOptions(['--bandwidth-mbps', '100', '--transport', 'tcp'])).toThrow(/^--bandwidth-mbps needs --transport memory/)
    expect(() => parseLocalnetOptions(['--latency-ms', '10001', '--transport', 'memory'])).toThrow(/--latency-ms must be a number at least 0 and at most 10000, got "10001"/)
    expect(() => parseLocalnetOptions(['--bandwidth-mbps', '0', '--transport', 'memory'])).toThrow(/--bandwidth-mbps must be a number greater than 0/)
    expect(() => parseLocalnetOptions(['--bandwidth-mbps', 'fast', '--transport', 'memory'])).toThrow(/--bandwidth-mbps/)
    expect(parseLocalnetOptions(['--latency-ms', '2.5', '--bandwidth-mbps', '500', '--transport', 'memory'])).toMatchObject({ latencyMs: 2.5, bandwidthMbps: 500 })
    const r = await run(['localnet', '--latency-ms', '25'])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/^pokt-p2p: --latency-ms needs --transport memory/)
  })

  it('an abort before the broadcast stops every node and throws the abort reason', async () => {
    const controller = new AbortController()
    const log: string[] = []
    const ctx: CommandContext = {
      out: () => {},
      // abort as soon as the nodes have started: the run must not go on to the broadcast
      log: t => { log.push(t); if (t.startsWith('started ')) controller.abort(new InterruptedError('SIGINT')) },
      interactive: false,
      signal: controller.signal
    }
    const outcome = await runLocalnet(parseLocalnetOptions(['--nodes', '6', '--transport', 'memory']), ctx).then(() => 'finished', (err: unknown) => err)
    expect(outcome).toBeInstanceOf(InterruptedError)
    expect(log.filter(l => l.startsWith('broadcasting'))).toEqual([])
    expect(log.at(-1)).toBe('stopping 6 nodes (interrupted by SIGINT)')
  }, 120_000)
})
