import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import type { AbortOptions } from '@pokt-p2p/types'
import { FileReadError, FileTooLargeError, NotARegularFileError } from './errors.js'

/**
 * Cap of {@link readRegularFile} when the caller gives none: 1 MiB, far above any configuration file (a few hundred
 * bytes), so a wrong path costs at most that much memory.
 */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024

/** Options of {@link readRegularFile}. */
export interface ReadRegularFileOptions extends AbortOptions {
  /**
   * Refuse a file longer than this many bytes.
   * @default DEFAULT_MAX_FILE_BYTES (1 MiB): configuration files are tiny; genesis files pass their own cap
   */
  maxBytes?: number
}

// big enough for every configuration file in one read, small enough that a cap is noticed soon after it is passed
const CHUNK_BYTES = 64 * 1024

/**
 * Reads a whole file, refusing anything but a regular file and anything longer than `maxBytes`: the one way this
 * project reads the files it is given (configuration, genesis). `readFile` would block forever opening a FIFO
 * with no writer (a thread-pool thread that no signal frees) and read `/dev/zero` until memory ran out.
 *
 * The file is opened non-blocking, so opening a FIFO returns at once, and checked with `fstat` on the open handle
 * (no race with a rename). Its length is not trusted (files in `/proc` report 0): it is read in chunks until the
 * end, or until one byte more than `maxBytes`. `signal` is checked between chunks.
 * @throws {NotARegularFileError} for a directory, FIFO, device or socket
 * @throws {FileTooLargeError} when it has more than `maxBytes` bytes
 * @throws {FileReadError} when it cannot be opened or read (the system's reason, e.g. ENOENT, EACCES)
 */
export async function readRegularFile (path: string, options: ReadRegularFileOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES
  options.signal?.throwIfAborted()
  let handle: FileHandle
  try {
    // O_NONBLOCK: opening a FIFO without a writer returns instead of waiting; no effect on regular files
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0))
  } catch (err) {
    throw new FileReadError(path, systemReason(err), { cause: err })
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) throw new NotARegularFileError(path, fileKind(stats))
    if (stats.size > maxBytes) throw new FileTooLargeError(path, maxBytes, stats.size)
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      options.signal?.throwIfAborted()
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - total))
      let bytesRead: number
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null))
      } catch (err) {
        throw new FileReadError(path, systemReason(err), { cause: err })
      }
      if (bytesRead === 0) break
      total += bytesRead
      if (total > maxBytes) throw new FileTooLargeError(path, maxBytes)
      chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead))
    }
    return Buffer.concat(chunks, total)
  } finally {
    await handle.close().catch(() => {})
  }
}

/** {@link readRegularFile}, decoded as UTF-8. */
export async function readRegularTextFile (path: string, options: ReadRegularFileOptions = {}): Promise<string> {
  return (await readRegularFile(path, options)).toString('utf8')
}

function fileKind (stats: Stats): string {
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a FIFO (named pipe)'
  if (stats.isCharacterDevice()) return 'a character device'
  if (stats.isBlockDevice()) return 'a block device'
  if (stats.isSocket()) return 'a socket'
  return 'not a regular file'
}

function systemReason (err: unknown): string {
  const e = err as { code?: unknown, message?: unknown }
  // node's messages repeat the path ("ENOENT: no such file or directory, open '/x'"): keep the part before it
  const message = String(e.message ?? err)
  return message.replace(/, (open|read) '.*'$/, '')
}
