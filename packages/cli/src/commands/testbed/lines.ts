/**
 * Newline-delimited JSON from a node process: bounded lines (a longer one is cut, skipped and counted), and a
 * line that is not a JSON object is counted, never fatal.
 */

/**
 * The longest line kept, in characters: the node's longest lines are its logs (a libp2p error with a stack, a few
 * KiB); a `received` line carries at most 200 characters of text.
 */
export const MAX_LINE_CHARS = 64 * 1024

/** Splits a text stream into lines of at most {@link MAX_LINE_CHARS}; calls `onLine` per line, `onOverlong` per cut one. */
export class LineSplitter {
  #partial = ''
  #discarding = false
  constructor (private readonly onLine: (line: string) => void, private readonly onOverlong: () => void, private readonly max = MAX_LINE_CHARS) {}

  push (chunk: string): void {
    let start = 0
    for (;;) {
      const nl = chunk.indexOf('\n', start)
      if (nl === -1) break
      const piece = chunk.slice(start, nl)
      start = nl + 1
      if (this.#discarding) { this.#discarding = false; this.#partial = ''; continue }
      const line = this.#partial + piece
      this.#partial = ''
      if (line.length > this.max) { this.onOverlong(); continue }
      this.onLine(line)
    }
    if (this.#discarding) return
    this.#partial += chunk.slice(start)
    if (this.#partial.length > this.max) {
      // the rest of this line is dropped as it comes: memory stays bounded however long it is
      this.#partial = ''
      this.#discarding = true
      this.onOverlong()
    }
  }

  /** The stream ended: a last line without "\n" is still a line. */
  end (): void {
    if (!this.#discarding && this.#partial !== '') this.onLine(this.#partial)
    this.#partial = ''
    this.#discarding = false
  }
}

/** A line parsed as a JSON object with a string `event`, or undefined. */
export function parseEventLine (line: string): Record<string, unknown> & { event: string } | undefined {
  const t = line.trim()
  if (!t.startsWith('{')) return undefined
  let v: unknown
  try {
    v = JSON.parse(t)
  } catch {
    return undefined
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as { event?: unknown }).event !== 'string') return undefined
  return v as Record<string, unknown> & { event: string }
}
