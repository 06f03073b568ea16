import { serviceUrlHosts, type HostResolver } from './url.js'

/** Options of {@link ServiceUrlHosts}. */
export interface ServiceUrlHostsInit {
  /**
   * Resolver for service URLs whose host is a name.
   * @default the system resolver
   */
  resolve?: HostResolver
  /**
   * The list of service URLs is read again at most this often (on a lookup), and names resolved again when it
   * changed or every `resolveEveryMs`. A lookup never waits: it answers from the last resolution.
   * @default 1_000: a new staked set (one per block) is seen within a second, and a flood of connections costs one
   * pass over the set per second, not one per connection
   */
  refreshMs?: number
  /**
   * Names are resolved again this often even when the list did not change (DNS records move).
   * @default 60_000
   */
  resolveEveryMs?: number
}

/**
 * The IP addresses of a changing list of service URLs (e.g. the staked set's), as a synchronous lookup for
 * `createNode`'s `reservedHost`. IP literals count as soon as a refresh has run; names once they resolved. URLs
 * that do not parse or resolve are skipped.
 */
export class ServiceUrlHosts {
  readonly #urls: () => Iterable<string>
  readonly #resolve: HostResolver | undefined
  readonly #refreshMs: number
  readonly #resolveEveryMs: number
  #hosts: ReadonlySet<string> = new Set()
  #key: string | undefined
  #checkedAt = -Infinity
  #resolvedAt = -Infinity
  #running: Promise<void> | undefined

  /**
   * @param urls - the service URLs now (read on refresh)
   * @param init - resolver and refresh intervals
   */
  constructor (urls: () => Iterable<string>, init: ServiceUrlHostsInit = {}) {
    this.#urls = urls
    this.#resolve = init.resolve
    this.#refreshMs = init.refreshMs ?? 1_000
    this.#resolveEveryMs = init.resolveEveryMs ?? 60_000
  }

  /** Whether `ip` is one of the hosts (as of the last refresh; starts one when due). */
  has (ip: string): boolean {
    // a lookup never waits, and never fails: a refresh that throws keeps the last set
    if (performance.now() - this.#checkedAt >= this.#refreshMs) this.refresh().catch(() => {})
    return this.#hosts.has(ip)
  }

  /** Reads the list again and, when it changed (or names are due), resolves it. Resolves once the set is updated. */
  async refresh (): Promise<void> {
    if (this.#running !== undefined) return await this.#running
    this.#checkedAt = performance.now()
    const urls = [...new Set(this.#urls())].sort()
    const key = urls.join('\n')
    if (key === this.#key && performance.now() - this.#resolvedAt < this.#resolveEveryMs) return
    this.#running = (async () => {
      const found = await Promise.all(urls.map(async u => await serviceUrlHosts(u, { resolve: this.#resolve }).catch(() => [])))
      this.#hosts = new Set(found.flat())
      this.#key = key
      this.#resolvedAt = performance.now()
    })().finally(() => { this.#running = undefined })
    await this.#running
  }
}
