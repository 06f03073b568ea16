import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parseLocalnetOptions, runLocalnet, type CommandContext, type LocalnetReport } from '../src/index.js'

const ctx: CommandContext = { out: () => {}, log: () => {}, interactive: false, signal: new AbortController().signal }
const localnet = async (argv: string[]): Promise<LocalnetReport> => await runLocalnet(parseLocalnetOptions(argv), ctx)

interface Table { nodes: number, originator: number, perNode: Array<{ index: number, reads: number, writes: number }> }
const tables = (JSON.parse(readFileSync(new URL('../../raintree/test/fixtures/raintree-reference-tables.json', import.meta.url), 'utf8')) as { tables: Table[] }).tables

describe('localnet', () => {
  it('27 nodes over TCP in complete mode: 27/27 via RainTree (26 messages, depth 3) and 27/27 via background', async () => {
    const r = await localnet(['--json'])
    expect(r.nodes).toBe(27)
    expect(r.transport).toBe('tcp')
    expect(r.raintree).toMatchObject({ reached: 27, messages: 26, depth: 3 })
    expect(r.raintree.fullCoverageMs).not.toBeNull()
    for (const n of r.raintree.perNode.slice(1)) expect(n.reads).toBe(1)
    expect(r.background).toMatchObject({ reached: 27 })
    expect(r.background!.messages).toBeGreaterThanOrEqual(26)
    expect(r.delivered).toEqual({ exactlyOnce: 26, duplicates: 0 })
  }, 120_000)

  it.each(tables.map(t => [t.nodes, t] as const))('--mode reference --transport memory reproduces the reference table per node, N=%i', async (n, table) => {
    const r = await localnet(['--mode', 'reference', '--transport', 'memory', '--background', 'off', '--nodes', String(n), '--originator', String(table.originator), '--quiet-ms', '200'])
    expect(r.raintree.perNode.map(p => ({ index: p.index, reads: p.reads, writes: p.writes }))).toEqual(table.perNode)
  }, 60_000)

  it('another originator and seed still reach everyone once in complete mode (memory)', async () => {
    const r = await localnet(['--nodes', '40', '--originator', '17', '--seed', 'other', '--transport', 'memory', '--background', 'off'])
    expect(r.raintree).toMatchObject({ reached: 40, messages: 39 })
    expect(r.raintree.depth).toBeLessThanOrEqual(4)
    expect(r.raintree.perNode[16]).toMatchObject({ hops: 0, reads: 0 })
  }, 60_000)
})
