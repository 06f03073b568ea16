/**
 * Reading a node's /metrics (Prometheus text exposition format) through the test bed's bridge: bytes from the
 * network, so the body is bounded, the wait is bounded, and a line that does not parse is skipped and counted.
 */

/** One sample: metric name, labels, value. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** A parsed exposition: its samples and how many lines were not understood. */
export interface Exposition {
  samples: Sample[]
  /** non-comment lines that were not a sample (skipped) */
  malformed: number
}

/**
 * The largest /metrics body read, in bytes: a node's full exposition is ~100 KiB (libp2p, gossipsub, the process);
 * 8 MiB leaves room for many label sets and still bounds what one scrape can hold in memory.
 */
export const MAX_METRICS_BYTES = 8 * 1024 * 1024
/** The longest line parsed; a longer one (no metric line is near it) is counted malformed. */
const MAX_LINE = 64 * 1024
/** At most this many labels on one sample: beyond, the line is malformed. */
const MAX_LABELS = 64

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/

/**
 * Parses Prometheus text format 0.0.4: `name{label="value",...} value [timestamp]`, `# HELP`/`# TYPE` comments,
 * escapes `\\`, `\"` and `\n` in label values; `NaN`, `+Inf`, `-Inf` values. Never throws.
 */
export function parsePrometheusText (text: string): Exposition {
  const samples: Sample[] = []
  let malformed = 0
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const s = line.length > MAX_LINE ? undefined : parseSampleLine(line)
    if (s === undefined) malformed++
    else samples.push(s)
  }
  return { samples, malformed }
}

function parseSampleLine (line: string): Sample | undefined {
  const m = NAME.exec(line)
  if (m === null) return undefined
  const name = m[0]
  let i = name.length
  const labels: Record<string, string> = {}
  if (line[i] === '{') {
    i++
    let count = 0
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++
      if (line[i] === '}') { i++; break }
      const ln = LABEL_NAME.exec(line.slice(i, i + 256))
      if (ln === null || ++count > MAX_LABELS) return undefined
      i += ln[0].length
      while (line[i] === ' ') i++
      if (line[i] !== '=') return undefined
      i++
      while (line[i] === ' ') i++
      if (line[i] !== '"') return undefined
      i++
      let value = ''
      for (;;) {
        const c = line[i]
        if (c === undefined) return undefined
        if (c === '"') { i++; break }
        if (c === '\\') {
          const e = line[i + 1]
          value += e === 'n' ? '\n' : e === undefined ? '' : e
          i += 2
          continue
        }
        value += c
        i++
      }
      labels[ln[0]] = value
    }
  }
  const rest = line.slice(i).trim().split(/\s+/)
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') return undefined
  const value = parseValue(rest[0] as string)
  if (value === undefined) return undefined
  return { name, labels, value }
}

function parseValue (text: string): number | undefined {
  if (text === 'NaN') return Number.NaN
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined
  return Number(text)
}

/** The sum of every sample named `name` whose labels include `match` (0 when there is none). */
export function sumOf (exposition: Exposition, name: string, match: Record<string, string> = {}): number {
  let sum = 0
  for (const s of exposition.samples) {
    if (s.name !== name) continue
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v) && Number.isFinite(s.value)) sum += s.value
  }
  return sum
}

/**
 * GETs `url` and parses it, reading at most {@link MAX_METRICS_BYTES} (beyond: rejected) and waiting at most
 * `timeoutMs` for the whole body. Rejects on a non-200 answer, a network error or the timeout.
 */
export async function scrapeMetrics (url: string, options: { timeoutMs: number, signal?: AbortSignal }): Promise<Exposition> {
  const signal = options.signal === undefined ? AbortSignal.timeout(options.timeoutMs) : AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)])
  const res = await fetch(url, { signal })
  if (res.status !== 200 || res.body === null) {
    await res.body?.cancel()
    throw new Error(`GET ${url}: HTTP ${res.status}`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength
    if (size > MAX_METRICS_BYTES) {
      throw new Error(`GET ${url}: more than ${MAX_METRICS_BYTES} bytes`)
    }
    chunks.push(chunk)
  }
  return parsePrometheusText(Buffer.concat(chunks).toString('utf8'))
}
