import pRetry, { AbortError } from 'p-retry'
import { InvalidConfigError, integerOption, type AbortOptions } from '@pokt-p2p/types'
import { instruments, type Instruments, type ProviderComponents } from './components.js'
import { ResponseTooLargeError, RpcAbortedError, RpcConnectionError, RpcHttpError, RpcResponseError, RpcTimeoutError } from './errors.js'
import { clip } from './validate.js'

/** Reference RPC client timeout. */
export const DEFAULT_TIMEOUT_MS = 5000
/** Default {@link RpcClientOptions.retries}. */
export const DEFAULT_RETRIES = 2
/** Default {@link RpcClientOptions.retryDelayMs}, in milliseconds. */
export const DEFAULT_RETRY_DELAY_MS = 100
/** Default {@link RpcClientOptions.maxResponseBytes}: 16 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
/** The doubling retry delay stops growing here (unless `retryDelayMs` itself is larger). */
const MAX_RETRY_DELAY_MS = 10_000
/** Longest delay a timer can take (larger ones would fire at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** Options of every RPC client call. */
export interface RpcClientOptions {
  /**
   * Per-request timeout in milliseconds (connection, headers and body). Each retry gets its own.
   * @default 5000
   */
  timeoutMs?: number
  /**
   * Retries after a connection error, a timeout, a 5xx or a 429 (not after other 4xx, bad JSON or a bad shape).
   * @default 2
   */
  retries?: number
  /**
   * Delay before the first retry; doubled before each further retry, up to 10 s (or `retryDelayMs`, when larger).
   * @default 100
   */
  retryDelayMs?: number
  /**
   * Largest accepted response body; a larger body is abandoned with `ResponseTooLargeError`.
   * @default 16777216 (16 MiB)
   */
  maxResponseBytes?: number
}

/** {@link RpcClientOptions} with every default applied and every value checked. */
interface ResolvedRpcClientOptions {
  timeoutMs: number
  retries: number
  retryDelayMs: number
  maxResponseBytes: number
}

/** Applies the defaults and checks each option. @throws {InvalidConfigError} naming the first invalid option */
function resolveClientOptions (init: RpcClientOptions): ResolvedRpcClientOptions {
  return {
    timeoutMs: integerOption('timeoutMs', init.timeoutMs ?? DEFAULT_TIMEOUT_MS, { min: 1, max: MAX_TIMER_MS }),
    retries: integerOption('retries', init.retries ?? DEFAULT_RETRIES, { min: 0 }),
    retryDelayMs: integerOption('retryDelayMs', init.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, { min: 0, max: MAX_TIMER_MS }),
    maxResponseBytes: integerOption('maxResponseBytes', init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, { min: 0 })
  }
}

/** Validates an RPC base URL (`http(s)://host[:port][/prefix]`) and returns it without trailing slashes. */
export function normalizeBaseUrl (url: string, field = 'url'): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (err) {
    throw new InvalidConfigError(field, `${JSON.stringify(url)} is not a URL`, { cause: err })
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidConfigError(field, `${JSON.stringify(url)} must be an http:// or https:// URL`)
  }
  if (parsed.search !== '' || parsed.hash !== '') throw new InvalidConfigError(field, `${JSON.stringify(url)} must not have a query or fragment`)
  return url.replace(/\/+$/, '')
}

/** `message: cause` of an error (duck-typed: fetch errors may come from another realm, e.g. under jest). */
function describeError (err: unknown): string {
  const message = (e: unknown): string | undefined => {
    if (typeof e !== 'object' || e === null) return e === undefined ? undefined : String(e)
    const { message, code } = e as { message?: unknown, code?: unknown }
    if (typeof message === 'string' && message !== '') return message
    return typeof code === 'string' ? code : undefined
  }
  const outer = message(err) ?? String(err)
  const inner = typeof err === 'object' && err !== null ? message((err as { cause?: unknown }).cause) : undefined
  return inner === undefined ? outer : `${outer}: ${inner}`
}

async function readLimited (res: Response, url: string, limit: number): Promise<Uint8Array> {
  const declared = res.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    await res.body?.cancel().catch(() => {})
    throw new ResponseTooLargeError(url, Number(declared), limit)
  }
  if (res.body === null) return new Uint8Array(0)
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw new ResponseTooLargeError(url, size, limit)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) { out.set(c, offset); offset += c.byteLength }
  return out
}

/** Options of one {@link RpcClient} request. */
export interface RpcRequestOptions extends AbortOptions {
  /** called as each attempt starts (bootstrap counts them) */
  onAttempt?: () => void
}

/**
 * The HTTP GET every provider, `checkHealth` and `bootstrap` use: a per-request timeout, a body size limit, bounded
 * retries with exponential backoff (`p-retry`), the caller's `AbortSignal`, one log line per failed request (and per
 * retry) naming the URL and the reason, and the `pokt_providers_rpc_requests_total` counter.
 */
export class RpcClient {
  readonly #opts: ResolvedRpcClientOptions
  readonly #io: Instruments

  /**
   * @param components - where to log and count
   * @param init - timeouts, retries and limits
   * @throws {InvalidConfigError} for an invalid option
   */
  constructor (components: ProviderComponents, init: RpcClientOptions) {
    this.#opts = resolveClientOptions(init)
    this.#io = instruments(components)
  }

  /**
   * GETs `url` and returns `read` of the body of its 2xx response. Only the request is retried; `read` (parsing,
   * validation) is not, but its error counts as the request's failure.
   */
  async get<T> (url: string, read: (body: Uint8Array) => T, options: RpcRequestOptions = {}): Promise<T> {
    const { signal } = options
    const { retries, retryDelayMs } = this.#opts
    let body: Uint8Array
    try {
      signal?.throwIfAborted()
      body = await pRetry(async () => await this.#attempt(url, options), {
        retries,
        factor: 2,
        minTimeout: retryDelayMs,
        maxTimeout: Math.max(MAX_RETRY_DELAY_MS, retryDelayMs),
        signal,
        onFailedAttempt: err => {
          if (err.retriesLeft === 0) return
          this.#io.request('retried')
          this.#io.log('GET %s failed (attempt %d of %d), retrying: %s', url, err.attemptNumber, retries + 1, err.message)
        }
      })
    } catch (err) {
      // p-retry rejects with the signal's reason when it aborts, during an attempt or the wait before a retry
      throw this.#failed(url, signal?.aborted === true ? new RpcAbortedError(url, { cause: signal.reason }) : err)
    }
    let result: T
    try {
      result = read(body)
    } catch (err) {
      throw this.#failed(url, err)
    }
    this.#io.request('ok')
    this.#io.log.trace('GET %s ok', url)
    return result
  }

  /** GETs `url` and returns `parse` of its body read as JSON (`RpcResponseError` when it is not JSON). */
  async getJson<T> (url: string, parse: (json: unknown) => T, options: RpcRequestOptions = {}): Promise<T> {
    return await this.get(url, body => parse(parseJsonBody(body, url)), options)
  }

  /** Counts and logs a failed request; returns its error. */
  #failed (url: string, err: unknown): unknown {
    this.#io.request('failed')
    if (err instanceof RpcAbortedError) {
      this.#io.log('GET %s aborted', url)
    } else {
      this.#io.log.error('GET %s failed: %s', url, err instanceof Error ? err.message : String(err))
    }
    return err
  }

  /** One attempt; errors not worth a retry are wrapped in p-retry's `AbortError`, which stops retrying. */
  async #attempt (url: string, options: RpcRequestOptions): Promise<Uint8Array> {
    const { signal } = options
    const { timeoutMs, maxResponseBytes } = this.#opts
    options.onAttempt?.()
    const timeout = AbortSignal.timeout(timeoutMs)
    let status: number
    let body: Uint8Array
    try {
      const res = await fetch(url, {
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
        redirect: 'error',
        headers: { accept: 'application/json' }
      })
      status = res.status
      body = await readLimited(res, url, maxResponseBytes)
    } catch (err) {
      if (signal?.aborted === true) throw new AbortError(new RpcAbortedError(url, { cause: signal.reason }))
      if (timeout.aborted) throw new RpcTimeoutError(url, timeoutMs, { cause: err })
      if (err instanceof ResponseTooLargeError) throw new AbortError(err)
      throw new RpcConnectionError(url, describeError(err), { cause: err })
    }
    if (status < 200 || status > 299) {
      const text = clip(new TextDecoder().decode(body.subarray(0, 512)).trim(), 200)
      const err = new RpcHttpError(url, status, text)
      throw (status >= 500 || status === 429) ? err : new AbortError(err)
    }
    return body
  }
}

/** The body as UTF-8 JSON. @throws {RpcResponseError} when it is not */
function parseJsonBody (body: Uint8Array, url: string): unknown {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body)
  } catch (err) {
    throw new RpcResponseError(url, 'body is not valid UTF-8', {}, { cause: err })
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new RpcResponseError(url, `body is not valid JSON (${(err as Error).message}): ${JSON.stringify(clip(text, 100))}`, {}, { cause: err })
  }
}
