import { afterEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadGenesisFile } from '@pokt-p2p/providers'
import { closest, localnetIdentities, parseNodeFileConfig, parseOptions, UsageError } from '../src/index.js'
import { killAll, run, runBin } from './helpers.js'

afterEach(killAll)

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string, bin: Record<string, string>, files: string[] }

describe('usage errors: exit 2 and one message naming the problem', () => {
  const cases: Array<[string[], RegExp]> = [
    [['localnet', '--nodes', '0'], /invalid --nodes: must be an integer in \[1, 1000\], got 0/],
    [['localnet', '--nodes', 'many'], /invalid --nodes: must be an integer in \[1, 1000\], got "many"/],
    [['localnet', '--nodes', '301'], /--nodes over tcp must be between 1 and 300, got 301: .*--transport memory runs up to 1000/],
    [['localnet', '--nodes', '5', '--originator', '6'], /--originator must be between 1 and --nodes \(5\), got 6/],
    [['localnet', '--mode', 'fast'], /--mode must be one of reference, complete, got "fast"/],
    [['localnet', '--mode', 'refrence'], /got "refrence" \(did you mean reference\?\)/],
    [['localnet', '--transport', 'udp'], /--transport must be one of tcp, memory/],
    [['localnet', '--background', 'maybe'], /--background must be one of on, off/],
    [['localnet', '--payload-bytes=-1'], /invalid --payload-bytes: must be an integer in \[0, 4194304\], got -1/],
    // a negative number is the option's value (node:util parseArgs called it "ambiguous")
    [['localnet', '--payload-bytes', '-1'], /invalid --payload-bytes: must be an integer in \[0, 4194304\], got -1/],
    [['keygen', '--seed-int', '-1'], /invalid --seed-int: must be an integer in \[0, 4294967295\], got -1/],
    [['localnet', '--seed', '-x'], /--seed needs a value, got the option -x \(write --seed=-x/],
    [['localnet', '--nodes'], /--nodes needs a value/],
    [['localnet', '--json=yes'], /--json takes no value/],
    [['localnet', '--frobnicate'], /unknown option --frobnicate$/m],
    [['localnet', '--node', '5'], /unknown option --node \(did you mean --nodes\?\)/],
    [['localnet', '--quiet', '5'], /unknown option --quiet \(did you mean --quiet-ms\?\)/],
    [['genesis', '--config', 'x'], /unknown option --config \(did you mean --configs\?\)/],
    [['localnet', 'extra'], /unexpected argument "extra"/],
    [['keygen', '--seed-int', '4294967296'], /invalid --seed-int: must be an integer in \[0, 4294967295\]/],
    [['genesis', '--nodes', '3'], /--out is required/],
    [['node'], /--config FILE is required/],
    [['node', '--config', '/nonexistent/x.json'], /--config: cannot read \/nonexistent\/x.json: ENOENT: no such file or directory/],
    [['node', '--config', 'x.json', '--metrics-port', '70000'], /invalid --metrics-port: must be an integer in \[0, 65535\], got 70000/],
    [['node', '--config', 'x.json', '--metrics-host', '0.0.0.0'], /--metrics-host needs --metrics-port/],
    [['node', '--config', 'x.json', '--ack', 'maybe'], /--ack must be one of on, off, got "maybe"/],
    [['node', '--config', 'x.json', '--cleanup', 'of'], /--cleanup must be one of on, off, got "of" \(did you mean off\?\)/],
    [['node', '--config', 'x.json', '--cleanup'], /--cleanup needs a value/]
  ]
  it.each(cases)('%j', async (argv, message) => {
    const r = await run(argv)
    expect(r.code).toBe(2)
    expect(r.err).toMatch(message)
    expect(r.err).not.toMatch(/\n\s+at /) // no stack
    expect(r.out).toBe('')
  })

  it('an unknown command prints usage and exits 2; a near miss gets a suggestion', async () => {
    const fly = await run(['fly'])
    expect(fly.code).toBe(2)
    expect(fly.err).toMatch(/unknown command "fly"\n/)
    const typo = await run(['locanet'])
    expect(typo.code).toBe(2)
    expect(typo.err).toMatch(/unknown command "locanet" \(did you mean localnet\?\)/)
    expect((await run(['--verison'])).err).toMatch(/unknown option "--verison" \(did you mean --version\?\)/)
  })

  it('suggestions: a unique prefix or a close spelling, nothing for unrelated words', () => {
    expect(closest('node', ['nodes', 'originator'])).toBe('nodes')
    expect(closest('genisis', ['localnet', 'node', 'keygen', 'genesis'])).toBe('genesis')
    expect(closest('keygne', ['localnet', 'node', 'keygen', 'genesis'])).toBe('keygen')
    expect(closest('xyz', ['localnet', 'node', 'keygen', 'genesis'])).toBeUndefined()
    expect(closest('n', ['nodes', 'node'])).toBeUndefined()
  })

  it('the parser takes --name value, --name=value, flags and -h; values may be negative numbers', () => {
    const spec = { nodes: { type: 'string' }, json: { type: 'boolean' }, seed: { type: 'string' } } as const
    expect(parseOptions(['--nodes', '-3', '--json', '--seed=-x', '-h'], spec, 'test')).toEqual({ nodes: '-3', json: true, seed: '-x', help: true })
    expect(() => parseOptions(['--', 'x'], spec, 'test')).toThrow(UsageError)
    expect(() => parseOptions(['-n'], spec, 'test')).toThrow(/unknown option -n/)
  })
})

describe('--version', () => {
  it('prints the package version and exits 0', async () => {
    const r = await run(['--version'])
    expect(r).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' })
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
    expect(r.err).toMatch(/wrote 4 node configs \(with the validators' private keys\)/)
  })

  it('without --configs it writes no key, says so and prints the command that writes them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pokt-genesis-'))
    const out = join(dir, 'genesis.json')
    const r = await run(['genesis', '--nodes', '2', '--seed', 'k', '--out', out, '--base-port', '31000'])
    expect(r.code).toBe(0)
    expect(await readdir(dir)).toEqual(['genesis.json'])
    expect(await readFile(out, 'utf8')).not.toContain(localnetIdentities(2, 'k')[0]!.privateKeyHex.slice(0, 64))
    expect(r.err).toMatch(/private keys are not written: they derive from --seed "k"/)
    expect(r.err).toContain(`pokt-p2p genesis --nodes 2 --seed "k" --out ${out} --base-port 31000 --configs DIR`)
  })

  it('--help explains --out and --configs', async () => {
    const r = await run(['genesis', '--help'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/--out FILE\s+where to write the genesis file[^]*no private keys/)
    expect(r.out).toMatch(/--configs DIR\s+also write DIR\/node-1\.json[^]*private key[^]*Without --configs no\s+private key is written/)
  })
})

describe('node --help', () => {
  it('documents the metrics endpoint and the JSON logs (DEBUG namespaces)', async () => {
    const r = await run(['node', '--help'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/--metrics-port P\s+serve Prometheus metrics at http:\/\/H:P\/metrics/)
    expect(r.out).toMatch(/--metrics-host H\s+the address it listens on \(default 127\.0\.0\.1/)
    expect(r.out).toMatch(/\{"event":"log","level","namespace","time","message"\}[^]*DEBUG=pokt:\*/)
    expect(r.out).toMatch(/--ack on\|off\s+RainTree's ACK \/ adjust \/ resend layer \(default: the router's own default/)
    expect(r.out).toMatch(/--cleanup on\|off\s+RainTree's clean-up layer, IGYW/)
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
    expect(report.raintree).toMatchObject({ reached: 9, depth: 2, ack: true })
    // 8 first copies, 4 of them from the originator (a resend after a late ACK is counted apart)
    expect(report.raintree.messages - report.raintree.resends).toBe(8)
    expect(report.raintree.perNode.map((n: { index: number }) => n.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(report.raintree.perNode[0]).toMatchObject({ reads: 0, hops: 0 })
    expect(report.raintree.perNode[0].writes).toBeGreaterThanOrEqual(4)
    expect(report.raintree.perNode[0].writes).toBeLessThanOrEqual(4 + report.raintree.resends)
    expect(report.background.reached).toBe(9)
    expect(r.err).toMatch(/started 9 nodes/)
    expect(r.err).not.toMatch(/\r/) // no progress redraws when stderr is not a terminal
  }, 300_000)

  it('bad options exit 2 with the message on stderr; --version prints the version', async () => {
    const r = await runBin(['localnet', '--nodes', '0'])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/invalid --nodes: must be an integer in \[1, 1000\], got 0/)
    expect(r.out).toBe('')
    const v = await runBin(['--version'])
    expect(v).toMatchObject({ code: 0, out: pkg.version })
  }, 120_000)

  it('the package links a committed launcher as its bin, so installs can link it before any build', () => {
    expect(pkg.bin).toEqual({ 'pokt-p2p': './bin/pokt-p2p.js' })
    expect(pkg.files).toContain('bin')
    const launcher = readFileSync(new URL('../bin/pokt-p2p.js', import.meta.url), 'utf8')
    expect(launcher.startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect(launcher).toContain("'../dist/bin.js'")
  })

  it('the root README quick start names the commands that exist', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    const rootPkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 5))
    const commands = [...quickStart.matchAll(/^npm run (\w+)|^npm (test)/gm)].map(m => m[1] ?? m[2])
    expect(commands.length).toBeGreaterThan(0)
    for (const c of commands) expect(rootPkg.scripts[c!]).toBeDefined()
  })

  it('the READMEs run the CLI as node_modules/.bin/pokt-p2p, never through pnpm (which does not pass signals on)', () => {
    for (const file of ['../../../README.md', '../README.md']) {
      const text = readFileSync(new URL(file, import.meta.url), 'utf8')
      const invocations = [...text.matchAll(/^(?:\| `)?(\S*pokt-p2p|bash scripts\/pnpm\.sh p2p|pnpm p2p|npm run p2p) (?:<command>|localnet|node|keygen|genesis)/gm)].map(m => m[1])
      expect(invocations.length).toBeGreaterThan(0)
      expect(invocations.filter(i => i !== 'node_modules/.bin/pokt-p2p')).toEqual([])
    }
  })
})
