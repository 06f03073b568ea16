import { getNetConfig, isNetworkAddress, RateLimiter } from '@libp2p/utils'
import { PendingInboundTimeoutError } from './errors.js'
import type { Logger } from '@pokt-p2p/types'
import type { MultiaddrConnection, PeerId } from '@libp2p/interface'

/** How the gate treats a remote host. */
export type HostClass = 'exempt' | 'reserved' | 'other'

/** Why the gate refused an inbound connection (keys of {@link InboundGate.refused}). */
export type GateRefusal = 'hostPending' | 'pendingPool' | 'rate' | 'connections'

/** Limits of an {@link InboundGate} (`createNode` fills them from `NodeInit`). */
export interface InboundGateInit {
  /** inbound connections open at once (all hosts) */
  maxInboundConnections: number
  /** of those, the ones only reserved (and exempt) hosts may take */
  reservedInboundConnections: number
  /** pending (handshaking) inbound connections of hosts that are neither reserved nor exempt, together */
  maxPendingInbound: number
  /** pending inbound connections of one host that is neither reserved nor exempt */
  maxPendingInboundPerHost: number
  /** pending inbound connections of one reserved host */
  maxPendingInboundPerReservedHost: number
  /** handshake deadline of hosts that are neither reserved nor exempt; reserved ones keep libp2p's */
  pendingInboundTimeoutMs: number
  /** new inbound connections per second of one host that is neither reserved nor exempt */
  inboundConnectionsPerSecondPerHost: number
  /** hosts with reserved capacity (the staked peers' IPs); read on every new connection */
  reservedHost: (ip: string) => boolean
  /** hosts with no limits at all (`allowLoopback`) */
  exemptHost: (ip: string) => boolean
}

interface Pending {
  host: string
  reserved: boolean
  timer: ReturnType<typeof setTimeout> | undefined
  onClose: () => void
}

/**
 * Admission of inbound connections before and during their handshake, as a libp2p connection gater. It replaces
 * libp2p's pending-connection limit (10 for all hosts together, each held up to 10 s, so ten sockets that never
 * start the handshake locked every validator out) with pools per class of host:
 *
 * - reserved hosts (the staked peers' IPs) never wait for another host: each has `maxPendingInboundPerReservedHost`
 *   slots of its own, libp2p's handshake deadline, no rate limit, and may take the last `reservedInboundConnections`
 *   connection slots;
 * - other hosts share `maxPendingInbound` slots, at most `maxPendingInboundPerHost` each, must finish the handshake
 *   within `pendingInboundTimeoutMs` and may open `inboundConnectionsPerSecondPerHost` connections a second;
 * - exempt hosts (loopback with `allowLoopback`) pass without limits.
 *
 * The remote's identity is known only after the noise handshake, so classes go by IP. Who shares a validator's IP
 * (its NAT, its cloud egress) gets that IP's reserved slots: it can hold them and delay that validator, but no other.
 */
export class InboundGate {
  readonly #init: InboundGateInit
  readonly #openInbound: () => number
  readonly #log: Logger
  readonly #rate: RateLimiter
  readonly #pending = new Map<MultiaddrConnection, Pending>()
  /** pending connections per host (both classes; a host is in one class at a time) */
  readonly #perHost = new Map<string, number>()
  #pendingOther = 0
  #pendingReserved = 0
  /** connections refused, by reason (for tests, benchmarks and the log) */
  readonly refused: Record<GateRefusal, number> = { hostPending: 0, pendingPool: 0, rate: 0, connections: 0 }
  /** pending connections closed at `pendingInboundTimeoutMs` */
  timedOut = 0

  /**
   * @param init - the limits and the host classes
   * @param openInbound - inbound connections open now
   * @param log - where refusals are logged
   */
  constructor (init: InboundGateInit, openInbound: () => number, log: Logger) {
    this.#init = init
    this.#openInbound = openInbound
    this.#log = log
    this.#rate = new RateLimiter({ points: init.inboundConnectionsPerSecondPerHost, duration: 1 })
  }

  /** Pending inbound connections now: of reserved hosts, and of the others. */
  get pending (): {
    /** of reserved hosts (the staked set's IPs) */
    reserved: number
    /** of every other host, together */
    other: number
  } {
    return { reserved: this.#pendingReserved, other: this.#pendingOther }
  }

  /** The class of a remote IP. */
  classOf (ip: string): HostClass {
    if (this.#init.exemptHost(ip)) return 'exempt'
    try {
      return this.#init.reservedHost(ip) ? 'reserved' : 'other'
    } catch {
      return 'other'
    }
  }

  /** libp2p's `denyInboundConnection`: before the handshake, by remote address only. */
  readonly denyInboundConnection = (maConn: MultiaddrConnection): boolean => {
    // memory and other non-IP transports: nothing to classify (libp2p exempts them too)
    if (!isNetworkAddress(maConn.remoteAddr)) return false
    const host = plainIp(getNetConfig(maConn.remoteAddr).host)
    const cls = this.classOf(host)
    if (cls === 'exempt') return this.#openInbound() >= this.#init.maxInboundConnections && this.#refuse('connections', host)
    const init = this.#init
    const onHost = this.#perHost.get(host) ?? 0
    if (cls === 'reserved') {
      if (onHost >= init.maxPendingInboundPerReservedHost) return this.#refuse('hostPending', host)
      if (this.#openInbound() >= init.maxInboundConnections) return this.#refuse('connections', host)
    } else {
      if (onHost >= init.maxPendingInboundPerHost) return this.#refuse('hostPending', host)
      if (this.#pendingOther >= init.maxPendingInbound) return this.#refuse('pendingPool', host)
      try {
        this.#rate.consume(host, 1)
      } catch {
        return this.#refuse('rate', host)
      }
      if (this.#openInbound() >= init.maxInboundConnections - init.reservedInboundConnections) return this.#refuse('connections', host)
    }
    this.#admit(maConn, host, cls === 'reserved')
    return false
  }

  /** libp2p's `denyInboundUpgradedConnection`: the handshake is done, the slot is free. */
  readonly denyInboundUpgradedConnection = (_peer: PeerId, maConn: MultiaddrConnection): boolean => {
    this.#end(maConn)
    return false
  }

  #admit (maConn: MultiaddrConnection, host: string, reserved: boolean): void {
    const entry: Pending = { host, reserved, timer: undefined, onClose: () => { this.#end(maConn) } }
    this.#pending.set(maConn, entry)
    this.#perHost.set(host, (this.#perHost.get(host) ?? 0) + 1)
    if (reserved) this.#pendingReserved++
    else this.#pendingOther++
    // a connection that fails or is closed during the handshake frees its slot at once
    maConn.addEventListener('close', entry.onClose)
    if (!reserved) {
      const ms = this.#init.pendingInboundTimeoutMs
      entry.timer = setTimeout(() => {
        this.timedOut++
        this.#log('closing the inbound connection from %s: no handshake within %d ms', host, ms)
        this.#end(maConn)
        maConn.abort(new PendingInboundTimeoutError(host, ms))
      }, ms)
      entry.timer.unref?.()
    }
  }

  #end (maConn: MultiaddrConnection): void {
    const entry = this.#pending.get(maConn)
    if (entry === undefined) return
    this.#pending.delete(maConn)
    clearTimeout(entry.timer)
    maConn.removeEventListener('close', entry.onClose)
    const left = (this.#perHost.get(entry.host) ?? 1) - 1
    if (left <= 0) this.#perHost.delete(entry.host)
    else this.#perHost.set(entry.host, left)
    if (entry.reserved) this.#pendingReserved--
    else this.#pendingOther--
  }

  #refuse (reason: GateRefusal, host: string): true {
    this.refused[reason]++
    this.#log.trace('refused an inbound connection from %s: %s', host, reason)
    return true
  }

  /** Clears every handshake timer (the node stopped). */
  stop (): void {
    for (const maConn of [...this.#pending.keys()]) this.#end(maConn)
  }
}

/** An IPv4-mapped IPv6 address (a v4 client of a dual-stack listener) as IPv4, as service URLs are resolved. */
function plainIp (ip: string): string {
  return ip.toLowerCase().startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}
