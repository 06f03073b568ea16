import { InvalidConfigError, MessageTooLargeError, PocketP2PError, TimeoutError, type BootstrapFailure, type PocketErrorOptions } from '@pokt-p2p/types'

/** Where inside a JSON document a problem was found: the entry index and the field (either may be absent). */
export interface JsonLocation {
  /** index in the `actors` / `validators` array */
  index?: number
  /** the field name, e.g. `public_key` */
  field?: string
}

function locationPrefix (arrayName: string, location: JsonLocation): string {
  const { index, field } = location
  if (index === undefined) return field === undefined ? '' : `${field}: `
  return `${arrayName}[${index}]${field === undefined ? '' : `.${field}`}: `
}

/** An RPC request could not be sent or its connection failed (refused, reset, DNS) before a response. */
export class RpcConnectionError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'RpcConnectionError'
  /**
   * @param url - the request URL
   * @param reason - what failed
   * @param options - `cause`: the network error
   */
  constructor (readonly url: string, reason: string, options?: PocketErrorOptions) {
    super(`request to ${url} failed: ${reason}`, options)
  }
}

/** An RPC endpoint answered with a non-2xx status. */
export class RpcHttpError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'RpcHttpError'
  /**
   * @param url - the request URL
   * @param status - the HTTP status code
   * @param body - the start of the response body, for the message
   * @param options - `cause`: the underlying error
   */
  constructor (readonly url: string, readonly status: number, body = '', options?: PocketErrorOptions) {
    super(`unexpected status code ${status} from ${url}${body === '' ? '' : `: ${body}`}`, options)
  }
}

/** An RPC request (connection, headers and body) took longer than its per-request timeout. */
export class RpcTimeoutError extends TimeoutError {
  /** The class name, as each instance's `name`. */
  static override name = 'RpcTimeoutError'
  /**
   * @param url - the request URL
   * @param timeoutMs - the per-request timeout that passed
   * @param options - `cause`: the underlying error
   */
  constructor (readonly url: string, readonly timeoutMs: number, options?: PocketErrorOptions) {
    super(`request to ${url} timed out after ${timeoutMs} ms`, options)
  }
}

/** The caller's `AbortSignal` aborted an RPC request (or the wait before a retry); `cause` is the signal's reason. */
export class RpcAbortedError extends TimeoutError {
  /** The class name, as each instance's `name`. */
  static override name = 'RpcAbortedError'
  /**
   * @param url - the request URL
   * @param options - `cause`: the signal's reason
   */
  constructor (readonly url: string, options?: PocketErrorOptions) {
    super(`request to ${url} was aborted`, options)
  }
}

/** An RPC response was not JSON, or its JSON did not have the expected shape or values. */
export class RpcResponseError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'RpcResponseError'
  /** index in the response's `actors` array of the offending entry, when it is one entry */
  readonly index?: number
  /** the offending field, when it is one field */
  readonly field?: string
  /**
   * @param url - the request URL
   * @param reason - what is wrong with the response
   * @param location - where in the response, if in one entry or field
   * @param options - `cause`: the parser's error
   */
  constructor (readonly url: string, reason: string, location: JsonLocation = {}, options?: PocketErrorOptions) {
    super(`invalid response from ${url}: ${locationPrefix('actors', location)}${reason}`, options)
    if (location.index !== undefined) this.index = location.index
    if (location.field !== undefined) this.field = location.field
  }
}

/** An RPC response body was larger than the configured `maxResponseBytes`; the read was abandoned. */
export class ResponseTooLargeError extends MessageTooLargeError {
  /** The class name, as each instance's `name`. */
  static override name = 'ResponseTooLargeError'
  /**
   * @param url - the request URL
   * @param size - bytes read when the limit was passed
   * @param limit - `maxResponseBytes`
   */
  constructor (readonly url: string, size: number, limit: number) {
    super(size, limit, `response body from ${url}`)
  }
}

/** A height outside [0, 2^63-1] was asked for (the RPC API's heights are int64). */
export class InvalidHeightError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'InvalidHeightError'
  /** @param height - the height asked for */
  constructor (readonly height: bigint) {
    super(`invalid height ${height.toString()}: must be in [0, 2^63-1]`)
  }
}

/** A genesis file could not be read, was not JSON, or did not validate; the message names the file, entry and field. */
export class GenesisFileError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'GenesisFileError'
  /** index in the file's `validators` array of the offending entry, when it is one entry */
  readonly index?: number
  /** the offending field, when it is one field */
  readonly field?: string
  /**
   * @param path - the genesis file's path
   * @param reason - what is wrong with it
   * @param location - where in the file, if in one entry or field
   * @param options - `cause`: the file system's or parser's error
   */
  constructor (readonly path: string, reason: string, location: JsonLocation = {}, options?: PocketErrorOptions) {
    super(`genesis file ${path}: ${locationPrefix('validators', location)}${reason}`, options)
    if (location.index !== undefined) this.index = location.index
    if (location.field !== undefined) this.field = location.field
  }
}

/**
 * A bootstrap node of `bootstrap_nodes_csv` is not `http(s)://host:port` (reference: `"invalid bootstrap node: %s"`),
 * or the CSV has no record at all (reference: `"error parsing bootstrap nodes: EOF"`).
 */
export class InvalidBootstrapNodeError extends InvalidConfigError {
  /** The class name, as each instance's `name`. */
  static override name = 'InvalidBootstrapNodeError'
  /**
   * @param node - the CSV record as given
   * @param reason - what is wrong with it
   * @param options - `cause`: the underlying error
   */
  constructor (readonly node: string, reason: string, options?: PocketErrorOptions) {
    super('bootstrap_nodes_csv', reason, options)
    this.message = `invalid bootstrap node ${JSON.stringify(node)}: ${reason}`
  }
}

/**
 * Every bootstrap node failed; `failures` lists each (`target`: its URL) with its attempts and error, in the order
 * they were tried.
 */
export class BootstrapError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'BootstrapError'
  /** @param failures - every bootstrap node tried, with its attempts and error, in order (empty when none was given) */
  constructor (readonly failures: BootstrapFailure[]) {
    super(failures.length === 0
      ? 'bootstrap failed: no bootstrap nodes given'
      : `bootstrap failed: all ${failures.length} bootstrap node(s) failed:\n${failures.map(f => `  - ${f.target}: ${f.error.message}`).join('\n')}`,
    { cause: failures.length === 0 ? undefined : new AggregateError(failures.map(f => f.error)) })
  }
}

/** A file could not be opened or read; `reason` is the system's (e.g. `ENOENT: no such file or directory`). */
export class FileReadError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'FileReadError'
  /**
   * @param path - the file
   * @param reason - why it could not be read
   * @param options - `cause`: the system error
   */
  constructor (readonly path: string, reason: string, options?: PocketErrorOptions) {
    super(`cannot read ${path}: ${reason}`, options)
  }
}

/** A file to read is a directory, FIFO, device or socket: only regular files are read (a FIFO would block, `/dev/zero` never end). */
export class NotARegularFileError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'NotARegularFileError'
  /**
   * @param path - the file
   * @param kind - what it is instead, e.g. `a FIFO (named pipe)`
   */
  constructor (readonly path: string, readonly kind: string) {
    super(`cannot read ${path}: it is ${kind.replace(/^not a regular file$/, 'something else')}, not a regular file`)
  }
}

/** A file to read is longer than the cap its reader allows. */
export class FileTooLargeError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'FileTooLargeError'
  /**
   * @param path - the file
   * @param maxBytes - the cap
   * @param size - its size, when known before reading
   */
  constructor (readonly path: string, readonly maxBytes: number, readonly size?: number) {
    super(`cannot read ${path}: ${size === undefined ? 'it is longer' : `it has ${size} bytes, more`} than the ${maxBytes} bytes allowed`)
  }
}
