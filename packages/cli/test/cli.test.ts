import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadGenesisFile } from '@pokt-p2p/providers'
import { localnetIdentities, parseNodeFileConfig } from '../src/index.js'
import { run, runBin } from './helpers.js'

describe('usage errors: non-zero exit and a message naming the problem', () => {
  const cases: Array<[string[], RegExp]> = [
    [['localnet', '--nodes', '0'], /--nodes must be between 1 and 300, got 0/],
    [['localnet', '--nodes', 'many'], /--nodes must be an integer, got "many"/],
    [['localnet', '--nodes', '5', '--originator', '6'], /--originator must be between 1 and --nodes \(5\), got 6/],
    [['localnet', '--mode', 'fast'], /--mode must be one of reference, complete, got "fast"/],
    [['localnet', '--transport', 'udp'], /--transport must be one of tcp, memory/],
    [['localnet', '--background', 'maybe'], /--background must be one of on, off/],
    [['localnet', '--payload-bytes=-1'], /--payload-bytes must be between 0 and 4194304/],
    [['localnet', '--payload-bytes', '-1'], /argument is ambiguous/],
    [['localnet', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['localnet', 'extra'], /unexpected argument "extra"/],
    [['keygen', '--seed-int', '4294967296'], /--seed-int must be between 0 and 4294967295/],
    [['genesis', '--nodes', '3'], /--out is required/],
    [['node'], /--config FILE is required/],
    [['node', '--config', '/nonexistent/x.json'], /cannot read --config/]
  ]
  it.each(cases)('%j', async (argv, message) => {
    const r = await run(argv)
    expect(r.code).toBe(2)
    expect(r.err).toMatch(message)
    expect(r.out).toBe('')
  })

  it('an unknown command prints usage and exits 2', async () => {
    const r = await run(['fly'])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/unknown command "fly"/)
  })
})

describe('keygen', () => {
  it('--seed-int 1 is the reference GetPrivKeySeed(1) vector', async () => {
    const r = await run(['keygen', '--seed-int', '1', '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toEqual({
      privateKey: '0100000000000000000000000000000000000000000000000000000000000000cecc1507dc1ddd7295951c290888f095adb9044d1b73d696e6df065d683bd4fc',
      publicKey: 'cecc1507dc1ddd7295951c290888f095adb9044d1b73d696e6df065d683bd4fc',
      address: 'fa4d86c3b551aa6cd7c3759d040c037ef2c6379f',
      peerId: '12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X'
    })
  })

  it('without a seed, a fresh key each time', async () => {
    const a = JSON.parse((await run(['keygen', '--json'])).out)
    const b = JSON.parse((await run(['keygen', '--json'])).out)
    expect(a.address).not.toBe(b.address)
    expect(a.privateKey).toMatch(/^[0-9a-f]{128}$/)
  })
})

describe('genesis', () => {
  it('writes a genesis file the providers read, and node configs, with val_i the i-th smallest address', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pokt-genesis-'))
    const r = await run(['genesis', '--nodes', '4', '--seed', 's', '--out', join(dir, 'genesis.json'), '--configs', dir, '--base-port', '30000'])
    expect(r.code).toBe(0)
    const g = await loadGenesisFile(join(dir, 'genesis.json'))
    const ids = localnetIdentities(4, 's')
    expect(g.validators.map(v => v.address)).toEqual(ids.map(id => id.address))
    expect(g.validators.map(v => v.serviceUrl)).toEqual(['127.0.0.1:30000', '127.0.0.1:30001', '127.0.0.1:30002', '127.0.0.1:30003'])
    const config = parseNodeFileConfig(JSON.parse(await readFile(join(dir, 'node-2.json'), 'utf8')), 'node-2.json')
    expect(config.p2p.private_key).toBe(ids[1]!.privateKeyHex)
    expect(config.p2p.port).toBe(30001)
  })
})

describe('node --config validation', () => {
  it.each([
    ['[]', /\(top level\): must be a JSON object/],
    ['{"p2p": {"private_key": "zz"}, "genesis_file": "g.json"}', /invalid p2p|private_key|cannot|GenesisFileError|not valid hex/],
    ['{"genesis_file": "g.json"}', /p2p: is required/],
    ['{"p2p": {}, "rpc": {"port": 99999}}', /rpc\.port: must be an integer in \[0, 65535\]/],
    ['{"p2p": {}, "extra": 1}', /extra: unknown field/],
    ['{not json', /not valid JSON/]
  ])('%s is rejected with a clear message', async (text, message) => {
    const dir = await mkdtemp(join(tmpdir(), 'pokt-node-'))
    await writeFile(join(dir, 'node.json'), text)
    const r = await run(['node', '--config', join(dir, 'node.json')])
    expect(r.code).not.toBe(0)
    expect(r.err).toMatch(message)
  })
})

describe('the binary', () => {
  it('localnet --json prints exactly one JSON object on stdout, logs on stderr', async () => {
    const r = await runBin(['localnet', '--nodes', '9', '--transport', 'memory', '--json', '--payload-bytes', '64'])
    expect(r.code).toBe(0)
    const lines = r.out.trim().split('\n')
    expect(lines).toHaveLength(1)
    const report = JSON.parse(lines[0]!)
    expect(report).toMatchObject({ nodes: 9, originator: 1, mode: 'complete', transport: 'memory', maxLevels: 2 })
    expect(report.raintree).toMatchObject({ messages: 8, reached: 9, depth: 2 })
    expect(report.raintree.perNode.map((n: { index: number }) => n.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(report.raintree.perNode[0]).toMatchObject({ reads: 0, writes: 4, hops: 0 })
    expect(report.background.reached).toBe(9)
    expect(r.err).toMatch(/started 9 nodes/)
  }, 90_000)

  it('bad options exit non-zero with the message on stderr', async () => {
    const r = await runBin(['localnet', '--nodes', '0'])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/--nodes must be between 1 and 300, got 0/)
    expect(r.out).toBe('')
  })

  it('the root README quick start names the commands that exist', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 5))
    const commands = [...quickStart.matchAll(/^npm run (\w+)|^npm (test)/gm)].map(m => m[1] ?? m[2])
    expect(commands).toEqual(['demo', 'test'])
    for (const c of commands) expect(pkg.scripts[c!]).toBeDefined()
  })
})
