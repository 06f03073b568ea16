import { addressFromPublicKey, createPeer, tryHexToBytes, type Peer } from '@pokt-p2p/types'

/** Largest height the RPC API can carry (int64). */
export const MAX_HEIGHT = (1n << 63n) - 1n

/**
 * Why `serviceUrl` is not a scheme-less `host:port` with port 1..65535 and a non-empty host (IPv6 hosts in
 * brackets, `[::1]:8080`), or `undefined` when it is one.
 */
export function serviceUrlProblem (serviceUrl: string): string | undefined {
  if (serviceUrl.includes('://')) return 'must be host:port without a scheme'
  if (/[\s/?#@]/.test(serviceUrl)) return 'must be host:port (no whitespace, path, query or user info)'
  const colon = serviceUrl.lastIndexOf(':')
  if (colon < 0) return 'must be host:port (no port)'
  const host = serviceUrl.slice(0, colon)
  const port = serviceUrl.slice(colon + 1)
  if (host === '') return 'must be host:port (empty host)'
  if (host.startsWith('[') || host.endsWith(']')) {
    if (!/^\[[0-9a-fA-F:.]+(%[\w.-]+)?\]$/.test(host) || !host.includes(':')) return `invalid IPv6 host ${host}`
  } else if (host.includes(':')) {
    return 'an IPv6 host must be in brackets, e.g. [::1]:8080'
  } else if (host.includes('[') || host.includes(']')) {
    return `invalid host ${host}`
  }
  if (!/^\d{1,5}$/.test(port)) return `invalid port ${JSON.stringify(port)}`
  const n = Number(port)
  if (n < 1 || n > 65535) return `port ${n} is out of range 1..65535`
  return undefined
}

/** Throws with `fail(reason, field)` on the first problem; returns the peer of a valid actor entry. */
export function actorEntryToPeer (entry: unknown, fail: (reason: string, field?: string) => never): Peer {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(`expected an object, got ${describe(entry)}`)
  const record = entry as Record<string, unknown>
  const str = (field: string): string => {
    const value = record[field]
    if (value === undefined) fail('is missing', field)
    if (typeof value !== 'string') fail(`expected a string, got ${describe(value)}`, field)
    return value
  }
  const address = str('address')
  const publicKey = str('public_key')
  const serviceUrl = str('service_url')
  if (!/^[0-9a-fA-F]{40}$/.test(address)) fail(`expected 40 hex characters, got ${JSON.stringify(clip(address))}`, 'address')
  const key = tryHexToBytes(publicKey)
  if (key === undefined || key.length !== 32) fail(`expected 64 hex characters, got ${JSON.stringify(clip(publicKey))}`, 'public_key')
  const derived = addressFromPublicKey(key)
  if (derived !== address.toLowerCase()) fail(`${address} does not match the public key (whose address is ${derived})`, 'address')
  const problem = serviceUrlProblem(serviceUrl)
  if (problem !== undefined) fail(`${JSON.stringify(clip(serviceUrl))} ${problem}`, 'service_url')
  return createPeer(key, serviceUrl)
}

/** Converts entries to peers, failing on the first bad entry or on a repeated address. */
export function actorEntriesToPeers (entries: unknown[], fail: (reason: string, index?: number, field?: string) => never): Peer[] {
  const seen = new Map<string, number>()
  const peers: Peer[] = []
  entries.forEach((entry, index) => {
    const peer = actorEntryToPeer(entry, (reason, field) => fail(reason, index, field))
    const first = seen.get(peer.address)
    if (first !== undefined) fail(`duplicate address ${peer.address} (also at index ${first})`, index, 'address')
    seen.set(peer.address, index)
    peers.push(peer)
  })
  return peers
}

export function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `the string ${JSON.stringify(clip(value))}`
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}

export function clip (s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`
}
