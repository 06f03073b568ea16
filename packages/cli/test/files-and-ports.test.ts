import { afterEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePortRange, genesisNetwork, holdPort, killAll, runBin } from './helpers.js'

afterEach(killAll)

/** stderr lines that are not JSON log records */
const plain = (err: string): string[] => err.trim().split('\n').filter(l => l !== '' && !l.startsWith('{'))

describe('node --config: only regular files, bounded', () => {
  it('a FIFO as --config: refused at once (it used to block forever, deaf to SIGINT/SIGTERM)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pokt-fifo-'))
    const fifo = join(dir, 'config.json')
    execFileSync('mkfifo', [fifo])
    const r = await runBin(['node', '--config', fifo])
    expect(r.code).toBe(2)
    expect(plain(r.err)[0]).toBe(`pokt-p2p: node: --config: cannot read ${fifo}: it is a FIFO (named pipe), not a regular file`)
    expect(r.out).toBe('')
  }, 60_000)

  it('/dev/zero as --config: refused before reading a byte', async () => {
    const r = await runBin(['node', '--config', '/dev/zero'])
    expect(r.code).toBe(2)
    expect(plain(r.err)[0]).toBe('pokt-p2p: node: --config: cannot read /dev/zero: it is a character device, not a regular file')
  }, 60_000)

  it('/dev/zero as the genesis file: one line naming it, exit 1', async () => {
    const { dir } = await genesisNetwork(1, 'zero-genesis')
    const config = join(dir, 'node-1.json')
    const json = JSON.parse(await readFile(config, 'utf8')) as Record<string, unknown>
    await writeFile(config, JSON.stringify({ ...json, genesis_file: '/dev/zero' }))
    const r = await runBin(['node', '--config', config])
    expect(r.code).toBe(1)
    expect(plain(r.err)).toEqual(['pokt-p2p node: GenesisFileError: genesis file /dev/zero: cannot read: it is a character device, not a regular file'])
  }, 60_000)
})

describe('node: every port checked before anything starts', () => {
  async function withRpc (seed: string, rpcPort: (p2pPort: number) => number): Promise<{ config: string, p2pPort: number, rpc: number }> {
    const { dir, base } = await genesisNetwork(1, seed)
    const config = join(dir, 'node-1.json')
    const json = JSON.parse(await readFile(config, 'utf8')) as Record<string, unknown>
    const rpc = rpcPort(base)
    await writeFile(config, JSON.stringify({ ...json, rpc: { hostname: '127.0.0.1', port: rpc } }))
    return { config, p2pPort: base, rpc }
  }

  it('an RPC port in use: one line naming it, exit 1, before the P2P node starts', async () => {
    const busy = await freePortRange(1)
    const { config } = await withRpc('rpc-busy', () => busy)
    const release = await holdPort(busy)
    try {
      const r = await runBin(['node', '--config', config])
      expect(r.code).toBe(1)
      // nothing started: not even the "starting" line
      expect(r.out).toBe('')
      expect(plain(r.err)).toEqual([`pokt-p2p node: rpc.port of ${config}: port ${busy} on 127.0.0.1 is already in use by another process`])
    } finally {
      await release()
    }
  }, 60_000)

  it('the same port for P2P and RPC: one line naming both', async () => {
    const { config, p2pPort } = await withRpc('rpc-same', p => p)
    const r = await runBin(['node', '--config', config])
    expect(r.code).toBe(1)
    expect(r.out).toBe('')
    expect(plain(r.err)).toEqual([`pokt-p2p node: PortConflictError: rpc.port of ${config}: port ${p2pPort} is also p2p.port of ${config}; give them different ports`])
  }, 60_000)
})
