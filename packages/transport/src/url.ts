import { lookup } from 'node:dns/promises'
import { randomInt } from 'node:crypto'
import { isIP } from 'node:net'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import {
  InvalidHostError, InvalidPortError, MissingPortError, ServiceUrlSchemeError, UnresolvableHostError,
  UnsupportedMultiaddrError
} from './errors.js'

/** Resolves a host name to IP address strings (A and AAAA); non-IP entries are ignored. */
export type HostResolver = (hostname: string) => Promise<string[]>

/** Options of the service URL → multiaddr conversion: how host names are resolved and which address is used. */
export interface ServiceUrlOptions {
  /**
   * Resolves host names that are not IP literals. Inject one in tests, or to use a custom DNS.
   * @default the system resolver (`dns.lookup` with `all: true`, so `/etc/hosts` applies, as Go's `LookupHost`)
   */
  resolve?: HostResolver
  /**
   * Picks one of `n` resolved addresses; must return an integer in [0, n).
   * @default uniform `crypto.randomInt(n)`, as the reference
   */
  pick?: (n: number) => number
}

/** The system resolver: every address `getaddrinfo` returns, in its order. */
export const systemResolver: HostResolver = async (hostname) => {
  const entries = await lookup(hostname, { all: true, verbatim: true })
  return entries.map(e => e.address)
}

// Characters of a DNS-style host name; anything else cannot resolve, so it is reported as a syntax error up front.
const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/

/** A service URL split into its host (brackets removed) and port string, as Go's `url.Parse` + `net.SplitHostPort`. */
interface HostPort { host: string, port: string }

function splitServiceUrl (serviceUrl: string): HostPort {
  if (serviceUrl.includes('://')) throw new ServiceUrlSchemeError(serviceUrl)

  // Go parses `scheme://<input>`: fragment, then query, then path are cut; userinfo ends at the last '@'.
  let authority = serviceUrl
  for (const sep of ['#', '?', '/']) {
    const i = authority.indexOf(sep)
    if (i >= 0) authority = authority.slice(0, i)
  }
  const at = authority.lastIndexOf('@')
  if (at >= 0) authority = authority.slice(at + 1)

  let host: string
  let portPart: string | undefined // text after the host/port delimiter, undefined when there is no delimiter

  if (authority.startsWith('[')) {
    const close = authority.indexOf(']')
    if (close < 0) throw new InvalidHostError(serviceUrl, authority, "missing ']' in host")
    host = authority.slice(1, close)
    const rest = authority.slice(close + 1)
    if (rest === '') portPart = undefined
    else if (rest.startsWith(':')) portPart = rest.slice(1)
    else throw new InvalidPortError(serviceUrl, rest, 'expected ":<port>" after the bracketed host')
    if (portPart !== undefined && !/^\d*$/.test(portPart)) {
      throw new InvalidPortError(serviceUrl, portPart, 'not a decimal number')
    }
    if (isIP(host) === 0) throw new InvalidHostError(serviceUrl, host, 'a bracketed host must be an IP address')
  } else {
    // url.Parse validates the text after the last colon as a port before SplitHostPort looks at the colons.
    const last = authority.lastIndexOf(':')
    if (last >= 0 && !/^\d*$/.test(authority.slice(last + 1))) {
      throw new InvalidPortError(serviceUrl, authority.slice(last + 1), 'not a decimal number')
    }
    if (last < 0) throw new MissingPortError(serviceUrl, 'missing port in address')
    if (authority.indexOf(':') !== last) {
      throw new MissingPortError(serviceUrl, 'too many colons in address (IPv6 hosts must be bracketed: [::1]:42069)')
    }
    host = authority.slice(0, last)
    portPart = authority.slice(last + 1)
    if (host.includes('[') || host.includes(']')) throw new InvalidHostError(serviceUrl, host, "unexpected '[' or ']' in host")
  }

  if (portPart === undefined) throw new MissingPortError(serviceUrl, 'missing port in address')
  if (portPart === '') throw new MissingPortError(serviceUrl, 'empty port')
  return { host, port: portPart }
}

function parsePort (serviceUrl: string, port: string): number {
  // digits only (checked above); leading zeros are fine (`0080` is 80, as Go's Atoi)
  const n = Number(port)
  if (!Number.isSafeInteger(n) || n > 65535) throw new InvalidPortError(serviceUrl, port, 'must be in [0, 65535]')
  return n
}

/** `/ip4/…` or `/ip6/…` for an IP literal; IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is IPv4, as Go's `To4()`. */
function ipComponent (ip: string): string {
  if (isIP(ip) === 4) return `/ip4/${ip}`
  const bytes = multiaddr(`/ip6/${ip}`).bytes.subarray(1) // 1-byte varint code 0x29, then 16 address bytes
  const mapped = bytes.subarray(0, 10).every(b => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff
  return mapped ? `/ip4/${bytes.subarray(12).join('.')}` : `/ip6/${ip}`
}

/**
 * Every IP address a service URL's host stands for, in the form libp2p reports remote addresses in (IPv6
 * compressed; IPv4-mapped IPv6 as IPv4): the literal itself, or every address the name resolves to now.
 *
 * @throws the errors of {@link serviceUrlToMultiaddr}
 */
export async function serviceUrlHosts (serviceUrl: string, options: Pick<ServiceUrlOptions, 'resolve'> = {}): Promise<string[]> {
  const { host } = splitServiceUrl(serviceUrl)
  const ips = isIP(host) !== 0 ? [host] : await (options.resolve ?? systemResolver)(host)
  return ips.filter(ip => isIP(ip) !== 0).map(ip => multiaddr(ipComponent(ip)).getComponents()[0]!.value!)
}

/**
 * Converts a scheme-less service URL (`host:port`, `1.2.3.4:port`, `[v6]:port`) to a TCP multiaddr, as the
 * reference's `Libp2pMultiaddrFromServiceURL` (§8.1). Host names are resolved now; when a name has several
 * addresses one is picked uniformly at random. Path, query and userinfo are ignored, as in Go.
 *
 * @throws {ServiceUrlSchemeError} the URL has a scheme
 * @throws {MissingPortError} no port, empty port, or an unbracketed IPv6 address
 * @throws {InvalidPortError} the port is not a decimal number in [0, 65535]
 * @throws {InvalidHostError} the host is not an IP literal nor a DNS-style name
 * @throws {UnresolvableHostError} the name has no IP address (also for an empty host, as the reference)
 */
export async function serviceUrlToMultiaddr (serviceUrl: string, options: ServiceUrlOptions = {}): Promise<Multiaddr> {
  const { host, port } = splitServiceUrl(serviceUrl)
  const portNumber = parsePort(serviceUrl, port)

  let ip: string
  if (isIP(host) !== 0) {
    ip = host
  } else {
    if (host !== '' && !HOSTNAME.test(host)) {
      throw new InvalidHostError(serviceUrl, host, 'not an IP address nor a valid DNS name')
    }
    if (host === '') throw new UnresolvableHostError(serviceUrl, host, 'empty host name')
    let found: string[]
    try {
      found = (await (options.resolve ?? systemResolver)(host)).filter(a => isIP(a) !== 0)
    } catch (err) {
      throw new UnresolvableHostError(serviceUrl, host, (err as Error)?.message ?? String(err), { cause: err })
    }
    if (found.length === 0) throw new UnresolvableHostError(serviceUrl, host, 'no IP addresses found')
    const i = found.length === 1 ? 0 : (options.pick ?? randomInt)(found.length)
    ip = found[i] ?? found[0] as string
  }
  return multiaddr(`${ipComponent(ip)}/tcp/${portNumber}`)
}

/**
 * Converts an `/ip4/…/<proto>/<port>` or `/ip6/…/<proto>/<port>` multiaddr to a service URL (`1.2.3.4:80`,
 * `[::1]:80`), as the reference's `ServiceURLFromLibp2pMultiaddr` (§8.2). The transport protocol is not checked,
 * as in Go; IPv6 is printed in canonical compressed form.
 *
 * @throws {UnsupportedMultiaddrError} fewer than 2 protocols, a first protocol other than ip4/ip6, or no port value
 */
export function multiaddrToServiceUrl (ma: Multiaddr): string {
  const components = ma.getComponents()
  const [network, transport] = components
  if (network === undefined || transport === undefined) {
    throw new UnsupportedMultiaddrError(ma.toString(), `expected at least 2 protocols, got: ${components.length}`)
  }
  if (transport.value === undefined || transport.value === '') {
    throw new UnsupportedMultiaddrError(ma.toString(), `protocol ${transport.name} carries no port`)
  }
  switch (network.name) {
    case 'ip4': return `${network.value}:${transport.value}`
    case 'ip6': return `[${network.value}]:${transport.value}`
    default: throw new UnsupportedMultiaddrError(ma.toString(), `unsupported network protocol, ${network.name}`)
  }
}
