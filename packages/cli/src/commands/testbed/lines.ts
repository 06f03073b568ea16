/**
 * Newline-delimited JSON from a node process: bounded lines (split by the package's `LineSplitter`; a longer one is
 * skipped and counted), and a line that is not a JSON object is counted, never fatal.
 */

/**
 * The longest line kept, in bytes: the node's longest lines are its logs (a libp2p error with a stack, a few
 * KiB); a `received` line carries at most 200 characters of text.
 */
export const MAX_LINE_BYTES = 64 * 1024

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
