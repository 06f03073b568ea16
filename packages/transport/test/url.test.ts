import { describe, expect, it } from '@jest/globals'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { PocketP2PError } from '@pokt-p2p/types'
import {
  InvalidHostError, InvalidPortError, MissingPortError, ServiceUrlError, ServiceUrlSchemeError, UnresolvableHostError,
  UnsupportedMultiaddrError, multiaddrToServiceUrl, serviceUrlToMultiaddr, type HostResolver
} from '../src/index.js'

// The reference's mock DNS (internal/testutil/mockdns.go and the getPeerIP tests), injected instead of the network.
const zone: Record<string, string[]> = {
  'www.google.com': ['142.250.181.196'],
  'single.a.example': ['10.0.0.1'],
  'single.aaaa.example': ['fc00::1'],
  'multi.a.example': ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'],
  'multi.aaaa.example': ['fc00::1', 'fc00::2', 'fc00::3', 'fc00::4']
}
const resolve: HostResolver = async (host) => {
  const ips = zone[host.replace(/\.$/, '')]
  if (ips === undefined) throw new Error(`lookup ${host}: no such host`)
  return ips
}
const toMa = async (url: string): Promise<string> => (await serviceUrlToMultiaddr(url, { resolve })).toString()

const hosts = ['www.google.com', '142.250.181.196', '[2a00:1450:4005:802::2004]']

describe('serviceUrlToMultiaddr: the reference table (url_conversion_test.go)', () => {
  it.each([
    ['www.google.com:8080', '/ip4/142.250.181.196/tcp/8080'],
    ['142.250.181.196:8080', '/ip4/142.250.181.196/tcp/8080'],
    ['[2a00:1450:4005:802::2004]:8080', '/ip6/2a00:1450:4005:802::2004/tcp/8080'],
    // the package's examples
    ['142.251.40.164:8080', '/ip4/142.251.40.164/tcp/8080']
  ])('%s → %s', async (url, want) => {
    expect(await toMa(url)).toBe(want)
  })

  it.each(hosts)('tcp://%s:8080 → ServiceUrlSchemeError', async (host) => {
    const err = await toMa(`tcp://${host}:8080`).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ServiceUrlSchemeError)
    expect((err as Error).message).toContain('usage of scheme is invalid in service URL')
    expect((err as ServiceUrlError).serviceUrl).toBe(`tcp://${host}:8080`)
  })

  it.each(hosts)('%s:abc → InvalidPortError', async (host) => {
    const err = await toMa(`${host}:abc`).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidPortError)
    expect((err as Error).message).toContain('parsing peer service URL')
    expect((err as InvalidPortError).port).toBe('abc')
  })

  it.each(hosts)('%s: (empty port) → MissingPortError', async (host) => {
    const err = await toMa(`${host}:`).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MissingPortError)
    expect((err as Error).message).toContain('missing port number and delimiter in service URL')
  })

  it.each(hosts)('%s (no port) → MissingPortError', async (host) => {
    await expect(toMa(host)).rejects.toBeInstanceOf(MissingPortError)
  })
})

describe('serviceUrlToMultiaddr: extra vectors (reference §8.1)', () => {
  it.each([
    ['[2a00:1450:4005:0802:0000:0000:0000:2004]:8080', '/ip6/2a00:1450:4005:802::2004/tcp/8080'],
    ['[::ffff:1.2.3.4]:80', '/ip4/1.2.3.4/tcp/80'],
    ['[::1]:42069', '/ip6/::1/tcp/42069'],
    ['[1.2.3.4]:80', '/ip4/1.2.3.4/tcp/80'],
    ['1.2.3.4:0', '/ip4/1.2.3.4/tcp/0'],
    ['1.2.3.4:0080', '/ip4/1.2.3.4/tcp/80'],
    ['1.2.3.4:65535', '/ip4/1.2.3.4/tcp/65535'],
    ['1.2.3.4:80/path', '/ip4/1.2.3.4/tcp/80'],
    ['1.2.3.4:80?x=1', '/ip4/1.2.3.4/tcp/80'],
    ['1.2.3.4:80#frag', '/ip4/1.2.3.4/tcp/80'],
    ['user@1.2.3.4:80', '/ip4/1.2.3.4/tcp/80'],
    ['user:pw@www.google.com:80', '/ip4/142.250.181.196/tcp/80'],
    ['www.google.com.:8080', '/ip4/142.250.181.196/tcp/8080'],
    ['single.a.example:1', '/ip4/10.0.0.1/tcp/1'],
    ['single.aaaa.example:1', '/ip6/fc00::1/tcp/1']
  ])('%s → %s', async (url, want) => {
    expect(await toMa(url)).toBe(want)
  })

  it.each([
    ['2a00:1450:4005:802::2004:8080', MissingPortError, /too many colons/],
    ['', MissingPortError, /missing port/],
    ['1.2.3.4:-1', InvalidPortError, /invalid port "-1"/],
    ['1.2.3.4:+80', InvalidPortError, /invalid port "\+80"/],
    ['1.2.3.4:99999', InvalidPortError, /\[0, 65535\]/],
    ['1.2.3.4:8a', InvalidPortError, /invalid port/],
    ['[::1]x:80', InvalidPortError, /after the bracketed host/],
    ['[::1:80', InvalidHostError, /missing '\]'/],
    ['[www.google.com]:80', InvalidHostError, /must be an IP/],
    ['bad host:80', InvalidHostError, /valid DNS name/],
    ['a..b:80', InvalidHostError, /valid DNS name/],
    [':8080', UnresolvableHostError, /resolving peer IP for hostname: ""/],
    ['nonexistent.example:80', UnresolvableHostError, /nonexistent\.example.*no such host/],
    ['http://1.2.3.4:80', ServiceUrlSchemeError, /scheme/]
  ] as const)('%j → %p', async (url, type, message) => {
    const err = await toMa(url).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(type)
    expect(err).toBeInstanceOf(ServiceUrlError)
    expect(err).toBeInstanceOf(PocketP2PError)
    expect((err as Error).name).toBe(type.name)
    expect((err as Error).message).toMatch(message)
  })

  it('an unresolvable host chains the resolver error as cause and names the host', async () => {
    const err = await toMa('nonexistent.example:80').catch((e: unknown) => e) as UnresolvableHostError
    expect(err.hostname).toBe('nonexistent.example')
    expect(err.message).toContain('resolving peer IP for hostname')
    expect((err.cause as Error).message).toContain('no such host')
  })

  it('a resolver answering no IPs (or only garbage) is an UnresolvableHostError', async () => {
    await expect(serviceUrlToMultiaddr('x.example:1', { resolve: async () => [] })).rejects.toBeInstanceOf(UnresolvableHostError)
    await expect(serviceUrlToMultiaddr('x.example:1', { resolve: async () => ['not-an-ip'] })).rejects.toBeInstanceOf(UnresolvableHostError)
  })

  it.each(['multi.a.example', 'multi.aaaa.example'])('%s: every address is picked within len*100 calls (random choice)', async (host) => {
    const seen = new Set<string>()
    const want = zone[host]!
    for (let i = 0; i < want.length * 100 && seen.size < want.length; i++) {
      const ma = await serviceUrlToMultiaddr(`${host}:80`, { resolve })
      seen.add(ma.getComponents()[0]!.value!)
    }
    expect([...seen].sort()).toEqual([...want].sort())
  })

  it('the pick function chooses among several addresses', async () => {
    expect((await serviceUrlToMultiaddr('multi.a.example:80', { resolve, pick: n => n - 1 })).toString()).toBe('/ip4/10.0.0.5/tcp/80')
  })

  it('the default resolver resolves localhost without the network', async () => {
    const ma = await serviceUrlToMultiaddr('localhost:42069')
    expect(['/ip4/127.0.0.1/tcp/42069', '/ip6/::1/tcp/42069']).toContain(ma.toString())
  })
})

describe('multiaddrToServiceUrl (reference §8.2)', () => {
  it.each([
    ['/ip4/142.250.181.196/tcp/8080', '142.250.181.196:8080'],
    ['/ip6/2a00:1450:4005:0802:0000:0000:0000:2004/tcp/8080', '[2a00:1450:4005:802::2004]:8080'],
    ['/ip6/2a00:1450:4005:802::2004/tcp/8080', '[2a00:1450:4005:802::2004]:8080'],
    ['/ip6/2a00::2004/tcp/8080', '[2a00::2004]:8080'],
    ['/ip4/1.2.3.4/udp/1', '1.2.3.4:1'], // the transport is not checked, as in Go
    ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X', '127.0.0.1:4001']
  ])('%s → %s', (ma, want) => {
    expect(multiaddrToServiceUrl(multiaddr(ma))).toBe(want)
  })

  it.each([
    ['/dns/www.google.com/tcp/8080', /unsupported network protocol, dns/],
    ['/ip4/1.2.3.4', /expected at least 2 protocols, got: 1/],
    ['/memory/abc', /expected at least 2 protocols, got: 1/],
    ['/ip4/1.2.3.4/p2p-circuit', /carries no port/]
  ])('%s → UnsupportedMultiaddrError', (ma, message) => {
    const err = (() => { try { multiaddrToServiceUrl(multiaddr(ma)); return undefined } catch (e) { return e } })()
    expect(err).toBeInstanceOf(UnsupportedMultiaddrError)
    expect((err as Error).message).toMatch(message)
  })

  it('round-trips: service URL → multiaddr → service URL is the canonical input (fuzz)', async () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map(p => p.join('.'))
    const v6 = fc.ipV6().filter(ip => !/^::ffff:[0-9.]+$/i.test(ip) && !ip.includes('.'))
    await fc.assert(fc.asyncProperty(fc.oneof(v4, v6), fc.nat(65535), async (ip, port) => {
      const url = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
      const back = multiaddrToServiceUrl(await serviceUrlToMultiaddr(url, { resolve }))
      // the result is canonical (compressed IPv6) and stable
      expect(multiaddrToServiceUrl(await serviceUrlToMultiaddr(back, { resolve }))).toBe(back)
      if (!ip.includes(':')) expect(back).toBe(url)
    }), { numRuns: 300 })
  })
})

describe('serviceUrlToMultiaddr never throws anything but a typed error (fuzz)', () => {
  it('random strings: a multiaddr or a ServiceUrlError', async () => {
    const alphabet = fc.constantFrom(...'ab1.:[]/@?#-_ %x9f0:'.split(''), '::', 'tcp://', 'www.google.com', '[::1]', '1.2.3.4')
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string(), fc.array(alphabet, { maxLength: 12 }).map(a => a.join(''))), async (url) => {
      try {
        const ma = await serviceUrlToMultiaddr(url, { resolve })
        expect(ma.toString()).toMatch(/^\/ip[46]\/[^/]+\/tcp\/\d+$/)
      } catch (err) {
        expect(err).toBeInstanceOf(ServiceUrlError)
      }
    }), { numRuns: 1000 })
  })
})
