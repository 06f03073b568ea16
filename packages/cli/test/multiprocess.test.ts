import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePortRange, runBin, startBin } from './helpers.js'

describe('a 3-process network started from a generated genesis file', () => {
  const procs: Array<ReturnType<typeof startBin>> = []
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
  })

  it('delivers a broadcast to every other process, and each shuts down cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pokt-3proc-'))
    const base = await freePortRange(3)
    const g = await runBin(['genesis', '--nodes', '3', '--seed', 'three', '--out', join(dir, 'genesis.json'), '--configs', dir, '--base-port', String(base)])
    expect(g.code).toBe(0)

    procs.push(startBin(['node', '--config', join(dir, 'node-1.json'), '--broadcast', 'hello from val_1', '--broadcast-delay-ms', '4000']))
    procs.push(startBin(['node', '--config', join(dir, 'node-2.json')]))
    procs.push(startBin(['node', '--config', join(dir, 'node-3.json')]))
    for (const p of procs) {
      const started = JSON.parse(await p.waitFor(l => l.includes('"started"')))
      expect(started.staked).toBe(true)
    }
    await procs[0]!.waitFor(l => l.includes('"broadcast"'), 30_000)
    for (const p of procs.slice(1)) {
      const line = await p.waitFor(l => l.includes('"received"'), 30_000)
      expect(JSON.parse(line)).toMatchObject({ event: 'received', text: 'hello from val_1', typeUrl: 'type.googleapis.com/pocket.DebugMessage' })
    }
    // exactly once per process, although RainTree and gossip both carried it
    await new Promise(resolve => setTimeout(resolve, 1000))
    for (const p of procs.slice(1)) expect(p.lines.filter(l => l.includes('"received"'))).toHaveLength(1)
    expect(procs[0]!.lines.filter(l => l.includes('"received"'))).toHaveLength(0)

    for (const p of procs) p.child.kill('SIGTERM')
    for (const p of procs) {
      expect(await p.exit).toBe(0)
      expect(p.lines.at(-1)).toContain('"stopped"')
    }
  }, 90_000)
})
