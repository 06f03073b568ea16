import { InvalidConfigError, type AbortOptions } from '@pokt-p2p/types'
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
   * Delay before the first retry; doubled before each further retry (capped at 10 s).
   * @default 100
   */
  retryDelayMs?: number
  /**
   * Largest accepted response body; a larger body is abandoned with `ResponseTooLargeError`.
   * @default 16777216 (16 MiB)
   */
  maxResponseBytes?: number
}

export interface ResolvedRpcClientOptions {
  timeoutMs: number
  retries: number
  retryDelayMs: number
  maxResponseBytes: number
}

function nonNegativeInt (field: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min) throw new InvalidConfigError(field, `expected an integer ≥ ${min}, got ${value}`)
  return value
}

export function resolveClientOptions (init: RpcClientOptions): ResolvedRpcClientOptions {
  return {
    timeoutMs: nonNegativeInt('timeoutMs', init.timeoutMs, DEFAULT_TIMEOUT_MS, 1),
    retries: nonNegativeInt('retries', init.retries, DEFAULT_RETRIES),
    retryDelayMs: nonNegativeInt('retryDelayMs', init.retryDelayMs, DEFAULT_RETRY_DELAY_MS),
    maxResponseBytes: nonNegativeInt('maxResponseBytes', init.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES)
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

interface Attempt { status: number, body: Uint8Array }

const RETRYABLE = Symbol('retryable')
type Retryable = Error & { [RETRYABLE]?: true }

function retryable<E extends Error> (err: E): E {
  (err as Retryable)[RETRYABLE] = true
  return err
}

async function sleep (ms: number, signal: AbortSignal | undefined, url: string): Promise<void> {
  if (ms <= 0) return
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new RpcAbortedError(url, { cause: signal?.reason }))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
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

async function attempt (url: string, opts: ResolvedRpcClientOptions, signal: AbortSignal | undefined): Promise<Attempt> {
  // one controller aborted by the timeout or the caller's signal (not AbortSignal.any, whose dependants a long-lived
  // caller signal — e.g. the height poller's — would accumulate on some Node versions)
  const timeout = new AbortController()
  const combined = new AbortController()
  const timer = setTimeout(() => { timeout.abort(); combined.abort() }, opts.timeoutMs)
  const onAbort = (): void => { combined.abort() }
  signal?.addEventListener('abort', onAbort, { once: true })
  if (signal?.aborted === true) combined.abort()
  try {
    const res = await fetch(url, { signal: combined.signal, redirect: 'error', headers: { accept: 'application/json' } })
    const body = await readLimited(res, url, opts.maxResponseBytes)
    return { status: res.status, body }
  } catch (err) {
    if (signal?.aborted === true) throw new RpcAbortedError(url, { cause: signal.reason })
    if (timeout.signal.aborted) throw retryable(new RpcTimeoutError(url, opts.timeoutMs, { cause: err }))
    if (err instanceof ResponseTooLargeError) throw err
    throw retryable(new RpcConnectionError(url, describeError(err), { cause: err }))
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}

/**
 * GET `url` with the per-request timeout, body size limit, and bounded retries with exponential backoff.
 * Resolves with the body of a 2xx response.
 */
export async function rpcGet (url: string, opts: ResolvedRpcClientOptions, options: AbortOptions = {}): Promise<Uint8Array> {
  const { signal } = options
  let delay = opts.retryDelayMs
  for (let tries = 0; ; tries++) {
    if (signal?.aborted === true) throw new RpcAbortedError(url, { cause: signal.reason })
    try {
      const { status, body } = await attempt(url, opts, signal)
      if (status < 200 || status > 299) {
        const text = clip(new TextDecoder().decode(body.subarray(0, 512)).trim(), 200)
        const err = new RpcHttpError(url, status, text)
        throw (status >= 500 || status === 429) ? retryable(err) : err
      }
      return body
    } catch (err) {
      if (tries >= opts.retries || (err as Retryable)[RETRYABLE] !== true) throw err
    }
    await sleep(delay, signal, url)
    delay = Math.min(delay * 2, 10_000)
  }
}

/** GET `url` and parse its body as JSON (`RpcResponseError` when it is not JSON). */
export async function rpcGetJson (url: string, opts: ResolvedRpcClientOptions, options: AbortOptions = {}): Promise<unknown> {
  const body = await rpcGet(url, opts, options)
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
