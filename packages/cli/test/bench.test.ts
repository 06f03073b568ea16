import { describe, expect, it } from '@jest/globals'
import { benchGoals, type BenchRow } from '../src/index.js'
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
    // complete mode: one first copy per other node (an ACK late under load costs a resend, counted apart)
    expect(raintree.messages - raintree.resends).toBe(8)
    expect(gossipsub.resends).toBe(0)
    expect(gossipsub.messages).toBeGreaterThanOrEqual(8)
    // progress went to stderr, run by run
    expect(r.err).toMatch(new RegExp(`^ {2}run 1/1 raintree +full coverage [\\d.]+ ms, ${raintree.messages} copies`, 'm'))
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

  it('checks the goals: time, copies and bytes as multiples of gossipsub\'s, and the originator\'s upload', () => {
    const row = (router: 'raintree' | 'gossipsub', median: number, messages: number, bytes: number, upload: number, refused?: string): BenchRow => ({
      nodes: 81, payloadBytes: 1000, latencyMs: 25, bandwidthMbps: 500, router, runs: 3, complete: 3,
      fullCoverageMs: { median, min: median, max: median }, p99Ms: median, messages, resends: 0, bytes, originatorUploadBytes: upload,
      ...(refused === undefined ? {} : { refused })
    })
    const met = benchGoals([row('raintree', 100, 80, 90_000, 8000), row('gossipsub', 250, 400, 500_000, 20_000)])
    expect(met).toEqual(['81 nodes, 1000 B, 25 ms, 500 Mbit/s: RainTree ÷ gossipsub: time 0.40× (goal ≤ 0.5×: met), ' +
      'copies 0.20× (goal ≤ 0.25×: met), bytes 0.18× (goal ≤ 0.25×: met), originator upload 7.1 copies (goal ≤ 2·⌈log₃ N⌉ = 8: met)'])
    const missed = benchGoals([row('raintree', 200, 80, 200_000, 10_000), row('gossipsub', 250, 300, 500_000, 20_000)])
    expect(missed[0]).toMatch(/time 0\.80× \(goal ≤ 0\.5×: NOT met\), copies 0\.27× \(goal ≤ 0\.25×: NOT met\), bytes 0\.40× .*NOT met.*8\.9 copies .*NOT met/)
    const refused = benchGoals([row('raintree', 100, 80, 90_000, 8000), { ...row('gossipsub', 0, 0, 0, 0, 'MessageTooLargeError: too big'), fullCoverageMs: null, complete: 0 }])
    expect(refused[0]).toMatch(/time — \(goal ≤ 0\.5×: not measured\).*gossipsub refused the broadcast: MessageTooLargeError: too big$/)
  })
})
