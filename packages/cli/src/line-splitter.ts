import { PocketP2PError } from '@pokt-p2p/types'

// Newline-delimited text from a peer process or a pipe (a node's control commands, a test bed's node events):
// bytes from outside, so a line is bounded while it is read, not after.

/** A line was longer than the splitter's limit; the rest of it was discarded unread. */
export class LineTooLongError extends PocketP2PError {
  static override name = 'LineTooLongError'
  /** @param max - the limit in bytes */
  constructor (readonly max: number) {
    super(`(line): longer than ${max} bytes; the rest of the line is discarded`)
  }
}

/** What a {@link LineSplitter} hands on: a whole line, or a line that was too long (its first bytes). */
export type Line = {
  /** the line, without its "\n" (and a trailing "\r") */
  line: string
} | {
  /** the line passed the cap: the rest of it is skipped */
  tooLong: LineTooLongError
  /** its first 200 characters */
  head: string
}

/**
 * Splits a byte stream into lines of at most `maxBytes`, enforced while reading: a longer line is reported once,
 * as soon as it passes the limit, with its first bytes, and the rest of it is skipped up to its "\n" without being
 * buffered. So at most `maxBytes` are ever held, whatever the writer sends.
 */
export class LineSplitter {
  readonly #maxBytes: number
  readonly #onLine: (l: Line) => void
  #parts: Uint8Array[] = []
  #held = 0
  #skipping = false

  /**
   * @param onLine - called for each line, in order
   * @param maxBytes - the longest line
   */
  constructor (onLine: (l: Line) => void, maxBytes: number) {
    this.#onLine = onLine
    this.#maxBytes = maxBytes
  }

  /** Feeds the next chunk (a string is taken as UTF-8). */
  push (chunk: Uint8Array | string): void {
    if (typeof chunk === 'string') chunk = Buffer.from(chunk)
    let start = 0
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start)
      const end = nl === -1 ? chunk.length : nl
      if (!this.#skipping) {
        const piece = chunk.subarray(start, end)
        if (this.#held + piece.length > this.#maxBytes) {
          this.#parts.push(piece.subarray(0, Math.max(0, 200 - this.#held)))
          const head = Buffer.concat(this.#parts).subarray(0, 200).toString('utf8')
          this.#parts = []
          this.#held = 0
          this.#skipping = true
          this.#onLine({ tooLong: new LineTooLongError(this.#maxBytes), head })
        } else {
          // copied: the stream may reuse its chunk
          this.#parts.push(Buffer.from(piece))
          this.#held += piece.length
        }
      }
      if (nl === -1) break
      if (this.#skipping) {
        this.#skipping = false
      } else {
        this.#emit()
      }
      start = nl + 1
    }
  }

  /** The input ended: a last line without "\n" still counts. */
  end (): void {
    if (!this.#skipping && this.#held > 0) this.#emit()
    this.#skipping = false
  }

  #emit (): void {
    const line = Buffer.concat(this.#parts).toString('utf8').replace(/\r$/, '')
    this.#parts = []
    this.#held = 0
    this.#onLine({ line })
  }
}
