import { createDelay } from 'delay'
import {
  Lifecycle, Peerstore, TypedEvents, integerOption, type AbortOptions, type CurrentHeightEvents, type CurrentHeightProvider,
  type Peer, type PeerstoreProvider, type Startable
} from '@pokt-p2p/types'
import { instruments, type Instruments, type ProviderComponents } from './components.js'
import { InvalidHeightError, RpcResponseError } from './errors.js'
import { MAX_TIMER_MS, RpcClient, normalizeBaseUrl, type RpcClientOptions } from './http.js'
import { actorEntriesToPeers, describe, MAX_HEIGHT } from './validate.js'

/** Paths of the reference RPC API used here. */
export const RPC_PATHS = {
  /** answers 2xx when the node is up */
  health: '/v1/health',
  /** the consensus state, whose `height` is the current height */
  consensusState: '/v1/consensus/state',
  /** the current height, as a body with `height` */
  queryHeight: '/v1/query/height',
  /** the staked actors (with their service URLs) at a height */
  stakedActorsAddressBook: '/v1/p2p/staked_actors_address_book'
} as const

/** Options of {@link rpcPeerstoreProvider} (and the base of {@link RpcCurrentHeightProviderInit}). */
export interface RpcProviderInit extends RpcClientOptions {
  /** Base URL of the node's RPC API, e.g. `http://localhost:50832` (reference `remote_cli_url` default). */
  url: string
}

/** Options of {@link checkHealth}: the RPC client's, a signal, and where to log and count. */
export interface CheckHealthOptions extends RpcClientOptions, AbortOptions, ProviderComponents {}

/** `GET {url}/v1/health`: resolves when the node answers 2xx, otherwise throws a typed RPC error. */
export async function checkHealth (url: string, options: CheckHealthOptions = {}): Promise<void> {
  const base = normalizeBaseUrl(url)
  await new RpcClient(options, options).get(`${base}${RPC_PATHS.health}`, () => {}, options)
}

function parseHeight (value: unknown, url: string, field: string): bigint {
  if (value === undefined) throw new RpcResponseError(url, 'is missing', { field })
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new RpcResponseError(url, `expected an integer, got ${describe(value)}`, { field })
  if (value < 0) throw new RpcResponseError(url, `expected a non-negative height, got ${value}`, { field })
  if (!Number.isSafeInteger(value)) throw new RpcResponseError(url, `height ${value} is beyond 2^53 and cannot be read exactly`, { field })
  return BigInt(value)
}

function asObject (json: unknown, url: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new RpcResponseError(url, `expected a JSON object, got ${describe(json)}`)
  return json as Record<string, unknown>
}

/** Validates a `/v1/consensus/state` (or `/v1/query/height`) body and returns its `height`. */
export function parseHeightResponse (json: unknown, url: string): bigint {
  return parseHeight(asObject(json, url).height, url, 'height')
}

/**
 * Validates a `/v1/p2p/staked_actors_address_book` body: `{"actors": [{address, public_key, service_url, type?}],
 * "height"?}`. Unlike the reference, each `address` must match its `public_key`, service URLs must be `host:port`,
 * and a repeated address is an error. `actors: null` (a Go nil slice) is read as empty.
 */
export function parseAddressBookResponse (json: unknown, url: string): Peer[] {
  const body = asObject(json, url)
  if (body.height !== undefined) parseHeight(body.height, url, 'height')
  const actors = body.actors
  if (actors === undefined) throw new RpcResponseError(url, 'is missing', { field: 'actors' })
  if (actors === null) return []
  if (!Array.isArray(actors)) throw new RpcResponseError(url, `expected an array, got ${describe(actors)}`, { field: 'actors' })
  return actorEntriesToPeers(actors, (reason, index, field) => {
    throw new RpcResponseError(url, reason, { index, field })
  })
}

/** Options of {@link rpcCurrentHeightProvider}. */
export interface RpcCurrentHeightProviderInit extends RpcProviderInit {
  /**
   * When set, the started provider polls the height every `pollIntervalMs` (after the previous poll finished) and
   * emits `height` events on change; `start()` begins polling and `stop()` ends it. The wait between polls never keeps
   * the process alive.
   * @default undefined (no polling)
   */
  pollIntervalMs?: number
  /**
   * Called with each failed poll's error (polling continues; the failure is also logged).
   * @default undefined
   */
  onPollError?: (err: Error) => void
}

/** The wait between polls: `delay` on a timer that does not keep the process alive. */
const pollDelay = createDelay({
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
  clearTimeout: (id: ReturnType<typeof setTimeout>) => { clearTimeout(id) }
})

/**
 * Current height from a node's RPC API (reference rpc CHP, without its `log.Fatalf`): `GET {url}/v1/consensus/state`.
 * Every observed height that differs from the previous one is logged, set on the `pokt_providers_height` gauge and
 * emitted as a `height` event. With `pollIntervalMs`, the started provider polls.
 */
export class RpcCurrentHeightProvider implements CurrentHeightProvider, Startable {
  /** the node's RPC base URL, normalised (no trailing slash) */
  readonly url: string
  /** `height`: each observed change (from polls and from calls) */
  readonly events = new TypedEvents<CurrentHeightEvents>()
  readonly #endpoint: string
  readonly #client: RpcClient
  readonly #io: Instruments
  readonly #pollIntervalMs: number | undefined
  readonly #onPollError: ((err: Error) => void) | undefined
  readonly #lifecycle: Lifecycle
  #last: bigint | undefined
  #poller: AbortController | undefined
  #polling: Promise<void> | undefined

  /**
   * @param components - where to log and count
   * @param init - the node's URL, the client options and polling
   * @throws {InvalidConfigError} for an invalid URL or option
   */
  constructor (components: ProviderComponents, init: RpcCurrentHeightProviderInit) {
    this.url = normalizeBaseUrl(init.url)
    this.#endpoint = `${this.url}${RPC_PATHS.consensusState}`
    this.#client = new RpcClient(components, init)
    this.#io = instruments(components)
    this.#pollIntervalMs = init.pollIntervalMs === undefined
      ? undefined
      : integerOption('pollIntervalMs', init.pollIntervalMs, { min: 1, max: MAX_TIMER_MS })
    this.#onPollError = init.onPollError
    this.#lifecycle = new Lifecycle({
      start: async () => { this.#startPolling() },
      stop: async () => { await this.#stopPolling() }
    })
  }

  /** `GET {url}/v1/consensus/state`. */
  async currentHeight (options: AbortOptions = {}): Promise<bigint> {
    const height = await this.#client.getJson(this.#endpoint, json => parseHeightResponse(json, this.#endpoint), options)
    if (height !== this.#last) {
      this.#io.log('height %s (was %s) from %s', height, this.#last ?? 'unknown', this.url)
      this.#last = height
      this.#io.height(height)
      this.events.dispatch('height', height)
    }
    return height
  }

  /** Begins polling, when `pollIntervalMs` is set (otherwise a no-op). */
  async start (): Promise<void> {
    await this.#lifecycle.start()
  }

  /** Ends polling and aborts an in-flight poll. */
  async stop (): Promise<void> {
    await this.#lifecycle.stop()
  }

  /** Whether the provider is started. */
  isStarted (): boolean {
    return this.#lifecycle.isStarted()
  }

  #startPolling (): void {
    const interval = this.#pollIntervalMs
    if (interval === undefined) return
    const poller = new AbortController()
    this.#poller = poller
    this.#polling = this.#poll(interval, poller.signal)
  }

  async #stopPolling (): Promise<void> {
    this.#poller?.abort()
    await this.#polling
    this.#poller = undefined
    this.#polling = undefined
  }

  async #poll (interval: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      try {
        await pollDelay(interval, { signal })
      } catch {
        return // stopped
      }
      try {
        await this.currentHeight({ signal })
      } catch (err) {
        if (signal.aborted) return
        try {
          this.#onPollError?.(err as Error) // the failure itself was logged by the client
        } catch (cbErr) {
          this.#io.log.error('onPollError threw: %s', (cbErr as Error)?.message ?? String(cbErr))
        }
      }
    }
  }
}

/**
 * A current-height provider reading a node's RPC API; see {@link RpcCurrentHeightProvider}.
 *
 * @example
 * ```ts
 * const chp = rpcCurrentHeightProvider({ url: 'http://localhost:50832', pollIntervalMs: 10_000 })({ logger })
 * chp.events.on('height', h => { console.log('height', h) })
 * await chp.start() // polling begins
 * await chp.currentHeight()
 * await chp.stop()
 * ```
 */
export function rpcCurrentHeightProvider (init: RpcCurrentHeightProviderInit): (components?: ProviderComponents) => RpcCurrentHeightProvider {
  return (components = {}) => new RpcCurrentHeightProvider(components, init)
}

/**
 * Staked peerstore from a node's RPC API (reference rpc PSP):
 * `GET {url}/v1/p2p/staked_actors_address_book?height=H&actor_type=validator`. The unstaked peerstore is always empty
 * (the reference always errored, TECHDEBT #811).
 */
export class RpcPeerstoreProvider implements PeerstoreProvider {
  /** the node's RPC base URL, normalised (no trailing slash) */
  readonly url: string
  readonly #client: RpcClient

  /**
   * @param components - where to log and count
   * @param init - the node's URL and the client options
   * @throws {InvalidConfigError} for an invalid URL or option
   */
  constructor (components: ProviderComponents, init: RpcProviderInit) {
    this.url = normalizeBaseUrl(init.url)
    this.#client = new RpcClient(components, init)
  }

  /** `GET {url}/v1/p2p/staked_actors_address_book?height=H&actor_type=validator`. */
  async getStakedPeerstoreAtHeight (height: bigint, options: AbortOptions = {}): Promise<Peerstore> {
    if (height < 0n || height > MAX_HEIGHT) throw new InvalidHeightError(height)
    const endpoint = `${this.url}${RPC_PATHS.stakedActorsAddressBook}?height=${height.toString()}&actor_type=validator`
    return new Peerstore(await this.#client.getJson(endpoint, json => parseAddressBookResponse(json, endpoint), options))
  }

  /** An empty peerstore. */
  async getUnstakedPeerstore (options: AbortOptions = {}): Promise<Peerstore> {
    options.signal?.throwIfAborted()
    return new Peerstore()
  }
}

/**
 * A staked-peerstore provider reading a node's RPC API; see {@link RpcPeerstoreProvider}.
 *
 * @example
 * ```ts
 * const psp = rpcPeerstoreProvider({ url: 'http://localhost:50832', timeoutMs: 2000, retries: 3 })()
 * const pstore = await psp.getStakedPeerstoreAtHeight(42n)
 * ```
 */
export function rpcPeerstoreProvider (init: RpcProviderInit): (components?: ProviderComponents) => RpcPeerstoreProvider {
  return (components = {}) => new RpcPeerstoreProvider(components, init)
}
