import { describe, expect, it } from '@jest/globals'
import type { BenchRow } from '../src/index.js'
import { run } from './helpers.js'

describe('bench', () => {
  it('one small combination over memory: a RainTree row and a gossipsub row, both reaching everyone', async () => {
    const r = await run(['bench', '--nodes', '9', '--payload-bytes', '1024', '--latency-ms', '0', '--runs', '1', '--transport', 'memory', '--json'])
    expect({ code: r.code, err: r.err }).toMatchObject({ code: 0 })
    const rows = JSON.parse(r.out) as BenchRow[]
    expect(rows.map(row => row.router)).toEqual(['raintree', 'gossipsub'])
    for (const row of rows) {
      expect(row).toMatchObject({ nodes: 9, payloadBytes: 1024, latencyMs: 0, bandwidthMbps: null, runs: 1, complete: 1 })
      expect(row.fullCoverageMs!.min).toBeGreaterThan(0)
      expect(row.fullCoverageMs!.min).toBeLessThanOrEqual(row.fullCoverageMs!.median)
      expect(row.fullCoverageMs!.median).toBeLessThanOrEqual(row.fullCoverageMs!.max)
      expect(row.p99Ms).toBeLessThanOrEqual(row.fullCoverageMs!.max)
      expect(row.bytes).toBeGreaterThanOrEqual(row.messages * 1024)
      expect(row.originatorUploadBytes).toBeGreaterThanOrEqual(1024)
      expect(row.originatorUploadBytes).toBeLessThanOrEqual(row.bytes)
    }
    const [raintree, gossipsub] = rows as [BenchRow, BenchRow]
    // complete mode: one copy per other node
    expect(raintree.messages).toBe(8)
    expect(gossipsub.messages).toBeGreaterThanOrEqual(8)
    // progress went to stderr, run by run
    expect(r.err).toMatch(/^ {2}run 1\/1 raintree +full coverage [\d.]+ ms, 8 copies/m)
  }, 60_000)

  it('refuses emulated links over TCP, and a bad list, naming the flag', async () => {
    const tcp = await run(['bench', '--nodes', '9', '--latency-ms', '0,25', '--transport', 'tcp'])
    expect(tcp.code).toBe(2)
    expect(tcp.err).toMatch(/--latency-ms needs --transport memory: TCP over loopback cannot be delayed/)
    const list = await run(['bench', '--nodes', '9,x'])
    expect(list.code).toBe(2)
    expect(list.err).toMatch(/--nodes/)
    const runs = await run(['bench', '--runs', '0'])
    expect(runs.code).toBe(2)
    expect(runs.err).toMatch(/--runs/)
  })
})
