import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { DuplicatePeerError, InvalidConfigError, createPeer, testIdentity } from '@pokt-p2p/types'
import { GenesisFileError, genesisFromPeers, genesisPeerstoreProvider, loadGenesisFile, parseGenesisText, writeGenesisFile } from '../src/index.js'
import { captureLogs } from '@pokt-p2p/testing'
import { rejection, testPeers } from './helpers.js'

let dir: string
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'pokt-genesis-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

const peers = testPeers(3)
const entry = (i: number): Record<string, unknown> => {
  const p = peers[i] as (typeof peers)[number]
  return { address: p.address, public_key: p.publicKey, service_url: p.serviceUrl }
}

async function file (name: string, content: unknown): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

describe('genesis file', () => {
  it('loads a valid file', async () => {
    const path = await file('ok.json', { validators: [entry(0), entry(1), entry(2)], height: 5 })
    const genesis = await loadGenesisFile(path)
    expect(genesis.validators).toEqual(peers)
    expect(genesis.height).toBe(5n)
  })

  it('height is optional; hex may be upper case (normalised); IPv6 and host names are valid service URLs', async () => {
    const p = createPeer(testIdentity(9).publicKey, '[::1]:8080')
    const q = createPeer(testIdentity(10).publicKey, 'node1.consensus:42069')
    const path = await file('upper.json', {
      validators: [
        { address: p.address.toUpperCase(), public_key: p.publicKey.toUpperCase(), service_url: p.serviceUrl },
        { address: q.address, public_key: q.publicKey, service_url: q.serviceUrl }
      ]
    })
    const genesis = await loadGenesisFile(path)
    expect(genesis.validators).toEqual([p, q])
    expect(genesis.height).toBeUndefined()
  })

  const other = peers[1]?.address as string
  it.each<[string, unknown, string]>([
    ['not JSON', '{"validators": [', 'not valid JSON'],
    ['not an object', '[1]', 'expected a JSON object, got an array'],
    ['no validators', {}, 'validators: is missing'],
    ['validators not an array', { validators: { a: 1 } }, 'validators: expected an array, got an object'],
    ['no validator', { validators: [] }, 'validators: must list at least one validator'],
    ['an unknown top-level key', { validators: [entry(0)], validator: [] }, 'validator: unknown key'],
    ['a bad height', { validators: [entry(0)], height: -3 }, 'height: expected a non-negative integer, got number -3'],
    ['a string height', { validators: [entry(0)], height: '3' }, 'height: expected a non-negative integer, got the string "3"'],
    ['a non-object entry', { validators: [entry(0), 'x'] }, 'validators[1]: expected an object, got the string "x"'],
    ['an unknown entry key', { validators: [entry(0), { ...entry(1), stake: 1 }] }, 'validators[1].stake: unknown key'],
    ['a missing address', { validators: [entry(0), { ...entry(1), address: undefined }] }, 'validators[1].address: is missing'],
    ['a short address', { validators: [{ ...entry(0), address: 'abc' }] }, 'validators[0].address: expected 40 hex characters, got "abc"'],
    ['an address of another key', { validators: [entry(0), { ...entry(2), address: other }] }, `validators[1].address: ${other} does not match the public key`],
    ['a non-hex public key', { validators: [entry(0), entry(1), { ...entry(2), public_key: 'g'.repeat(64) }] }, 'validators[2].public_key: expected 64 hex characters'],
    ['a numeric public key', { validators: [{ ...entry(0), public_key: 7 }] }, 'validators[0].public_key: expected a string, got number 7'],
    ['a service URL with a scheme', { validators: [{ ...entry(0), service_url: 'http://a:1' }] }, 'validators[0].service_url: "http://a:1" must be host:port without a scheme'],
    ['a service URL without a port', { validators: [{ ...entry(0), service_url: 'host' }] }, 'validators[0].service_url: "host" must be host:port (no port)'],
    ['a service URL with an empty host', { validators: [{ ...entry(0), service_url: ':42069' }] }, 'validators[0].service_url: ":42069" must be host:port (empty host)'],
    ['a service URL with port 70000', { validators: [{ ...entry(0), service_url: 'a:70000' }] }, 'validators[0].service_url: "a:70000" port 70000 is out of range 1..65535'],
    ['an unbracketed IPv6 service URL', { validators: [{ ...entry(0), service_url: '::1:80' }] }, 'validators[0].service_url: "::1:80" an IPv6 host must be in brackets'],
    ['a duplicate validator', { validators: [entry(0), entry(1), entry(0)] }, `validators[2].address: duplicate address ${peers[0]?.address} (also at index 0)`]
  ])('rejects %s, naming the file, entry and field', async (name, content, message) => {
    const path = await file(`${name.replace(/\W+/g, '-')}.json`, content)
    const err = await rejection(loadGenesisFile(path))
    expect(err).toBeInstanceOf(GenesisFileError)
    expect(err.name).toBe('GenesisFileError')
    expect(err.message).toContain(`genesis file ${path}: `)
    expect(err.message).toContain(message)
  })

  it('exposes index and field on the error', () => {
    try {
      parseGenesisText(JSON.stringify({ validators: [entry(0), { ...entry(1), public_key: 'zz' }] }), 'g.json')
      throw new Error('expected an error')
    } catch (err) {
      expect(err).toBeInstanceOf(GenesisFileError)
      expect((err as GenesisFileError).index).toBe(1)
      expect((err as GenesisFileError).field).toBe('public_key')
      expect((err as GenesisFileError).path).toBe('g.json')
    }
  })

  it('a missing file is a GenesisFileError naming it', async () => {
    const path = join(dir, 'nope.json')
    const err = await rejection(loadGenesisFile(path))
    expect(err).toBeInstanceOf(GenesisFileError)
    expect(err.message).toContain(path)
    expect(err.message).toContain('ENOENT')
  })

  it('logs what it loaded, and why a file could not be loaded', async () => {
    const logs = captureLogs()
    const path = await file('logged.json', { validators: [entry(0), entry(1)], height: 4 })
    await loadGenesisFile(path, { logger: logs.logger })
    const broken = await file('logged-broken.json', '{')
    await rejection(loadGenesisFile(broken, { logger: logs.logger }))
    expect(logs.lines.map(l => l.namespace)).toEqual(['pokt:providers', 'pokt:providers:error'])
    expect(logs.lines[0]?.text).toBe(`genesis file ${path}: 2 validators, height 4`)
    expect(logs.lines[1]?.text).toContain(`genesis file ${broken}: not valid JSON`)
  })

  it('writeGenesisFile output loads back to the same peers and height', async () => {
    const path = join(dir, 'written.json')
    await writeGenesisFile(path, peers, { height: 10n })
    expect(await loadGenesisFile(path)).toEqual({ validators: peers, height: 10n })
    const text = await readFile(path, 'utf8')
    expect(text.endsWith('}\n')).toBe(true)
    expect(JSON.parse(text)).toEqual({ validators: [entry(0), entry(1), entry(2)], height: 10 })
  })

  it('genesisFromPeers refuses peers that would not load', () => {
    expect(() => genesisFromPeers([createPeer(testIdentity(1).publicKey, 'no-port')])).toThrow(/validators\[0\]\.service_url/)
    expect(() => genesisFromPeers([{ ...(peers[0] as (typeof peers)[number]), address: peers[1]?.address as string }])).toThrow(/does not match the public key/)
    expect(() => genesisFromPeers([peers[0] as (typeof peers)[number], peers[0] as (typeof peers)[number]])).toThrow(/duplicate address/)
  })
})

describe('genesisPeerstoreProvider', () => {
  it('serves the validators as the staked set at every height, fresh each call', async () => {
    const path = join(dir, 'provider.json')
    await writeGenesisFile(path, peers)
    const psp = genesisPeerstoreProvider({ path })()
    const a = await psp.getStakedPeerstoreAtHeight(0n)
    const b = await psp.getStakedPeerstoreAtHeight(100n)
    expect(a.getPeerList()).toEqual(peers)
    expect(b.getPeerList()).toEqual(peers)
    expect(a).not.toBe(b)
    a.removePeer(peers[0]?.address as string)
    expect((await psp.getStakedPeerstoreAtHeight(0n)).size).toBe(3)
    expect((await psp.getUnstakedPeerstore()).size).toBe(0)
  })

  it('reports a broken file on use and retries the load on the next call', async () => {
    const path = await file('later.json', '{')
    const psp = genesisPeerstoreProvider({ path })()
    expect(await rejection(psp.getStakedPeerstoreAtHeight(0n))).toBeInstanceOf(GenesisFileError)
    await writeGenesisFile(path, peers)
    expect((await psp.getStakedPeerstoreAtHeight(0n)).size).toBe(3)
  })

  it('accepts an already loaded genesis, and needs exactly one source', async () => {
    const psp = genesisPeerstoreProvider({ genesis: { validators: peers } })()
    expect((await psp.getStakedPeerstoreAtHeight(0n)).getPeerList()).toEqual(peers)
    expect(() => genesisPeerstoreProvider({})()).toThrow(InvalidConfigError)
    expect(() => genesisPeerstoreProvider({ path: 'x', genesis: { validators: [] } })()).toThrow(InvalidConfigError)
  })

  it('a genesis with duplicates given directly fails on use', async () => {
    const psp = genesisPeerstoreProvider({ genesis: { validators: [peers[0], peers[0]] as typeof peers } })()
    expect(await rejection(psp.getStakedPeerstoreAtHeight(0n))).toBeInstanceOf(DuplicatePeerError)
  })
})
