import { InvalidConfigError, Peerstore, TypedEventTarget, type AbortOptions, type CurrentHeightEvents, type CurrentHeightProvider, type Peer, type PeerstoreProvider } from '@pokt-p2p/types'
import { InvalidHeightError, RpcResponseError } from './errors.js'
import { normalizeBaseUrl, resolveClientOptions, rpcGet, rpcGetJson, type ResolvedRpcClientOptions, type RpcClientOptions } from './http.js'
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

export interface RpcProviderInit extends RpcClientOptions {
  /** Base URL of the node's RPC API, e.g. `http://localhost:50832` (reference `remote_cli_url` default). */
  url: string
}

/** `GET {url}/v1/health`: resolves when the node answers 2xx, otherwise throws a typed RPC error. */
export async function checkHealth (url: string, options: RpcClientOptions & AbortOptions = {}): Promise<void> {
  await rpcGet(`${normalizeBaseUrl(url)}${RPC_PATHS.health}`, resolveClientOptions(options), options)
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

/** A {@link CurrentHeightProvider} reading `GET /v1/consensus/state` of a node. */
export interface RpcCurrentHeightProvider extends CurrentHeightProvider {
  /** the node's RPC base URL, normalised (no trailing slash) */
  readonly url: string
  /** Stops polling (if any) and aborts an in-flight poll. Idempotent. */
  stop (): void
}

export interface RpcCurrentHeightProviderInit extends RpcProviderInit {
  /**
   * When set, polls the height every `pollIntervalMs` (after the previous poll finished) and emits `height` events on
   * change. Call `stop()` to end it (the timer is also `unref`ed, so it never keeps the process alive).
   * @default undefined (no polling)
   */
  pollIntervalMs?: number
  /**
   * Called with each failed poll's error (polling continues).
   * @default undefined (errors ignored)
   */
  onPollError?: (err: Error) => void
}

/**
 * Current height from a node's RPC API (reference rpc CHP, without its `log.Fatalf`): `GET {url}/v1/consensus/state`.
 * Every observed height that differs from the previous one is emitted as a `height` event.
 *
 * @example
 * ```ts
 * const chp = rpcCurrentHeightProvider({ url: 'http://localhost:50832', pollIntervalMs: 10_000 })
 * chp.events.on('height', h => console.log('height', h))
 * await chp.currentHeight()
 * chp.stop()
 * ```
 */
export function rpcCurrentHeightProvider (init: RpcCurrentHeightProviderInit): RpcCurrentHeightProvider {
  const base = normalizeBaseUrl(init.url)
  const opts = resolveClientOptions(init)
  const endpoint = `${base}${RPC_PATHS.consensusState}`
  const events = new TypedEventTarget<CurrentHeightEvents>()
  const poller = new AbortController()
  let last: bigint | undefined
  let timer: ReturnType<typeof setTimeout> | undefined

  const currentHeight = async (options: AbortOptions = {}): Promise<bigint> => {
    const height = parseHeightResponse(await rpcGetJson(endpoint, opts, options), endpoint)
    if (height !== last) {
      last = height
      events.dispatch('height', height)
    }
    return height
  }

  const { pollIntervalMs } = init
  if (pollIntervalMs !== undefined) {
    if (!Number.isSafeInteger(pollIntervalMs) || pollIntervalMs < 1) {
      throw new InvalidConfigError('pollIntervalMs', `expected an integer ≥ 1, got ${pollIntervalMs}`)
    }
    const schedule = (): void => {
      if (poller.signal.aborted) return
      timer = setTimeout(() => {
        currentHeight({ signal: poller.signal })
          .catch((err: Error) => { if (!poller.signal.aborted) init.onPollError?.(err) })
          .finally(schedule)
      }, pollIntervalMs)
      timer.unref?.()
    }
    schedule()
  }

  return {
    url: base,
    events,
    currentHeight,
    stop (): void {
      poller.abort()
      clearTimeout(timer)
    }
  }
}

/** A {@link PeerstoreProvider} reading a node's staked actors address book. */
export interface RpcPeerstoreProvider extends PeerstoreProvider {
  /** the node's RPC base URL, normalised (no trailing slash) */
  readonly url: string
}

/**
 * Staked peerstore from a node's RPC API (reference rpc PSP):
 * `GET {url}/v1/p2p/staked_actors_address_book?height=H&actor_type=validator`. The unstaked peerstore is always empty
 * (the reference always errored, TECHDEBT #811).
 *
 * @example
 * ```ts
 * const psp = rpcPeerstoreProvider({ url: 'http://localhost:50832', timeoutMs: 2000, retries: 3 })
 * const pstore = await psp.getStakedPeerstoreAtHeight(42n)
 * ```
 */
export function rpcPeerstoreProvider (init: RpcProviderInit): RpcPeerstoreProvider {
  const base = normalizeBaseUrl(init.url)
  const opts: ResolvedRpcClientOptions = resolveClientOptions(init)
  return {
    url: base,
    async getStakedPeerstoreAtHeight (height: bigint, options: AbortOptions = {}): Promise<Peerstore> {
      if (height < 0n || height > MAX_HEIGHT) throw new InvalidHeightError(height)
      const endpoint = `${base}${RPC_PATHS.stakedActorsAddressBook}?height=${height.toString()}&actor_type=validator`
      return new Peerstore(parseAddressBookResponse(await rpcGetJson(endpoint, opts, options), endpoint))
    },
    async getUnstakedPeerstore (options: AbortOptions = {}): Promise<Peerstore> {
      options.signal?.throwIfAborted()
      return new Peerstore()
    }
  }
}
