import { describe, expect, it } from '@jest/globals'
import { SimulationAbortedError, formatReport, simulate, type SimulationOptions, type SimulationProgress } from '../src/index.js'
import { deterministicPart } from './helpers.js'

const OPTIONS: SimulationOptions = {
  nodes: 2000,
  mode: 'complete',
  latency: { kind: 'uniform', minMs: 10, maxMs: 120 },
  bandwidthMbps: 50,
  payloadBytes: 4096,
  loss: 0.01,
  dead: 0.05,
  crashAfterReceive: 0.02,
  crashes: [{ node: 7, atMs: 130 }],
  viewMiss: { peers: 3, fraction: 0.05 },
  viewExtra: { peers: 2, fraction: 0.02 },
  seed: 11,
  trace: true
}

describe('determinism', () => {
  it('one seed ⇒ the same JSON, byte for byte, apart from wallMs, peakRssBytes, bytesPerIdleNode and eventsPerSecond', async () => {
    const a = await simulate(OPTIONS)
    const b = await simulate(OPTIONS)
    expect(JSON.stringify(deterministicPart(a))).toBe(JSON.stringify(deterministicPart(b)))
    // the run did something worth comparing
    expect(a.failedSends).toBeGreaterThan(0)
    expect(a.lostMessages).toBeGreaterThan(0)
    expect(a.liveReached).toBeGreaterThan(100)
  })

  it('another seed ⇒ another run', async () => {
    const a = await simulate(OPTIONS)
    const c = await simulate({ ...OPTIONS, seed: 12 })
    expect(JSON.stringify(deterministicPart(c))).not.toBe(JSON.stringify(deterministicPart(a)))
    expect(c.trace?.map(r => r.firstMs)).not.toEqual(a.trace?.map(r => r.firstMs))
  })

  it('the report echoes the options with every default filled in, and has the fields the CLI prints', async () => {
    const report = await simulate({ nodes: 10, latency: 5 })
    expect(report.options).toEqual({
      nodes: 10, originator: 0, mode: 'complete', seed: 1, payloadBytes: 1024, latency: { kind: 'fixed', ms: 5 },
      uploadMbps: null, downloadMbps: null, loss: 0, dead: 0, crashes: [], crashAfterReceive: 0, viewMiss: null,
      viewExtra: null, untilMs: null, trace: false, ack: false, cleanup: false, redundancy: false
    })
    expect(Object.keys(report)).toEqual([
      'nodes', 'originator', 'mode', 'seed', 'live', 'reached', 'liveReached', 'dataMessages', 'controlMessages',
      'controlBytes', 'bytesByClass', 'messagesByClass', 'lostMessages', 'undeliveredMessages', 'failedSends', 'deliveries', 'duplicates', 'replays', 'dropped', 'bytes', 'depth',
      'coverageMs', 'ticks',
      'tickMs', 'originatorUploadBytes', 'maxUploadBytes', 'maxUploadNode', 'virtualMs', 'events', 'eventsPerSecond',
      'wallMs', 'peakRssBytes', 'bytesPerIdleNode', 'options'
    ])
    expect(report.trace).toBeUndefined()
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  })
})

describe('context', () => {
  it('reports progress through the phases', async () => {
    const seen: SimulationProgress[] = []
    await simulate({ nodes: 500, latency: 10 }, { onProgress: p => seen.push(p), progressIntervalMs: 0 })
    const phases = seen.map(p => p.phase)
    expect(phases[0]).toBe('setup')
    expect(phases.at(-1)).toBe('done')
    expect(phases).toContain('run')
    const done = seen.at(-1)!
    expect(done).toMatchObject({ nodes: 500, nodesCreated: 500, pending: 0, virtualMs: expect.any(Number) })
    expect(done.events).toBeGreaterThan(0)
  })

  it('an aborted signal stops the run with a SimulationAbortedError (before and during the run)', async () => {
    await expect(simulate({ nodes: 10 }, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(SimulationAbortedError)
    const controller = new AbortController()
    const run = simulate({ nodes: 3000, latency: 10 }, {
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: p => { if (p.phase === 'run' && p.events > 0) controller.abort(new Error('Ctrl-C')) }
    })
    const error = await run.catch((err: unknown) => err)
    expect(error).toBeInstanceOf(SimulationAbortedError)
    expect((error as Error).cause).toEqual(new Error('Ctrl-C'))
  })

  it('a classifier splits data from control messages', async () => {
    let i = 0
    const report = await simulate({ nodes: 81 }, { classify: () => (i++ % 4 === 0 ? 'ack' : 'data') })
    expect(report.dataMessages + report.controlMessages).toBe(80)
    expect(report.controlMessages).toBe(20)
    expect(report.messagesByClass).toEqual({ ack: 20, data: 60 })
  })

  it('a logger receives what the routers log', async () => {
    const lines: string[] = []
    const log = Object.assign((f: string) => { lines.push(f) }, { enabled: true, error: (f: string) => { lines.push(`error ${f}`) }, trace: () => {}, newScope: () => log })
    await simulate({ nodes: 9, dead: [3] }, { logger: { forComponent: () => log } })
    expect(lines.some(l => l.startsWith('started'))).toBe(true)
    expect(lines.some(l => l.startsWith('error send to'))).toBe(true)
  })

  it('untilMs stops the run at a virtual time', async () => {
    const report = await simulate({ nodes: 1000, latency: 50, untilMs: 120 })
    expect(report.virtualMs).toBeLessThanOrEqual(120)
    expect(report.liveReached).toBeLessThan(1000)
  })
})

describe('formatReport', () => {
  it('a table with the setting, the outcome and the cost', async () => {
    const report = await simulate({ nodes: 1000, dead: 0.1, latency: 50, viewMiss: { peers: 3, fraction: 0.05 } })
    const table = formatReport(report)
    const lines = table.split('\n')
    expect(lines[0]).toMatch(/^\| figure +\| value +\|$/)
    expect(new Set(lines.map(l => l.length)).size).toBe(1)
    expect(table).toContain('| nodes ')
    expect(table).toContain('1,000 (originator 0, complete mode, seed 1)')
    expect(table).toContain('latency 50 ms; upload unlimited, download unlimited; payload 1.0 KiB')
    expect(table).toContain('10 % dead, 5 % miss 3 peers')
    expect(table).toContain(`${report.liveReached.toLocaleString('en-US')} (`)
    expect(table).toMatch(/\| coverage of live +\| p50 \d+ ms \(\d+ ticks\), p90/)
  })
})
