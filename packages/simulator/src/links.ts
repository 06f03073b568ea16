import { Random, hashUniform } from './random.js'

/** Every link has the same one-way latency. */
export interface FixedLatency {
  /** a fixed latency */
  readonly kind: 'fixed'
  /** one-way latency in ms, ≥ 0 */
  readonly ms: number
}

/** Each link's one-way latency is drawn once, uniformly in [minMs, maxMs], from the seed and the link's ends. */
export interface UniformLatency {
  /** a latency per link, uniform */
  readonly kind: 'uniform'
  /** smallest one-way latency in ms, ≥ 0 */
  readonly minMs: number
  /** largest one-way latency in ms, ≥ minMs */
  readonly maxMs: number
}

/** A region of a {@link RegionLatency} model. */
export interface Region {
  /** a name, for reports */
  readonly name: string
  /**
   * The share of nodes placed in it, relative to the other regions' weights.
   * @default 1
   */
  readonly weight?: number
}

/**
 * Nodes are placed in regions by the seeded generator, in proportion to the regions' weights; the one-way latency
 * from a node in region a to a node in region b is `matrixMs[a][b]`.
 */
export interface RegionLatency {
  /** a latency per pair of regions */
  readonly kind: 'regions'
  /** the regions (1 to 255) */
  readonly regions: readonly Region[]
  /** square matrix of one-way latencies in ms, ≥ 0: `matrixMs[a][b]` from region a to region b */
  readonly matrixMs: ReadonlyArray<readonly number[]>
}

/** How long a message takes over a link, leaving bandwidth aside. A number is a fixed latency in ms. */
export type LatencyModel = number | FixedLatency | UniformLatency | RegionLatency

/** Options of {@link Links}: latency and bandwidth, already validated. */
export interface LinksInit {
  /** the latency model, validated (a number is a fixed latency) */
  readonly latency: LatencyModel
  /** every node's upload bandwidth in Mbit/s; `null` for unlimited */
  readonly uploadMbps: number | null
  /** every node's download bandwidth in Mbit/s; `null` for unlimited */
  readonly downloadMbps: number | null
  /** the seed of the per-link draws and of the region placement */
  readonly seed: number
}

/**
 * The link model of N nodes: per-link one-way latency computed on demand (no per-link storage), and each node's
 * uplink and downlink as a FIFO that is busy until a time (one number per node and direction).
 *
 * - A send of S bytes from node i starts when i's uplink is free (or now) and has left the node after
 *   `S · 8 / uploadMbps` µs: sends share the uplink one after another, in call order.
 * - Its first byte reaches node j `latency(i, j)` after it started to leave; j's downlink takes the bytes in one
 *   after another, so it has fully arrived at
 *   `max(departure + latency, max(downlinkFree(j), start + latency) + S · 8 / downloadMbps µs)`, and j's downlink is
 *   busy until then (computed when sent, in send order).
 */
export class Links {
  /** the validated latency model, as an object */
  readonly model: FixedLatency | UniformLatency | RegionLatency
  /** the region of each node (region models only) */
  readonly region: Uint8Array | undefined
  readonly #seed: number
  readonly #fixed: number
  readonly #min: number
  readonly #span: number
  readonly #matrix: Float64Array | undefined
  readonly #regions: number
  readonly #upMsPerByte: number
  readonly #downMsPerByte: number
  readonly #uplinkFree: Float64Array | undefined
  readonly #downlinkFree: Float64Array | undefined
  /** when the send last taken by {@link depart} started to leave */
  #lastStart = 0

  /**
   * @param nodes - how many nodes
   * @param init - the validated model
   */
  constructor (nodes: number, init: LinksInit) {
    this.model = typeof init.latency === 'number' ? { kind: 'fixed', ms: init.latency } : init.latency
    this.#seed = init.seed | 0
    this.#fixed = this.model.kind === 'fixed' ? this.model.ms : 0
    this.#min = this.model.kind === 'uniform' ? this.model.minMs : 0
    this.#span = this.model.kind === 'uniform' ? this.model.maxMs - this.model.minMs : 0
    this.#regions = 0
    if (this.model.kind === 'regions') {
      const { regions, matrixMs } = this.model
      const k = regions.length
      this.#regions = k
      this.#matrix = new Float64Array(k * k)
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) this.#matrix[a * k + b] = matrixMs[a]![b]!
      this.region = placeInRegions(nodes, regions.map(r => r.weight ?? 1), init.seed)
    }
    this.#upMsPerByte = init.uploadMbps === null ? 0 : 8 / (init.uploadMbps * 1000)
    this.#downMsPerByte = init.downloadMbps === null ? 0 : 8 / (init.downloadMbps * 1000)
    this.#uplinkFree = init.uploadMbps === null ? undefined : new Float64Array(nodes)
    this.#downlinkFree = init.downloadMbps === null ? undefined : new Float64Array(nodes)
  }

  /** One-way latency in ms from node `from` to node `to` (the same both ways for fixed and uniform models). */
  latency (from: number, to: number): number {
    if (this.#matrix !== undefined) {
      const region = this.region as Uint8Array
      return this.#matrix[region[from]! * this.#regions + region[to]!]!
    }
    if (this.#span === 0) return this.#fixed + this.#min
    const lo = from < to ? from : to
    const hi = from < to ? to : from
    return this.#min + this.#span * hashUniform(this.#seed, lo, hi)
  }

  /**
   * The mean one-way latency in ms over the model: fixed → its value; uniform → the middle of its range; regions
   * → over every ordered pair of nodes as placed. One "tick" of a report.
   */
  meanLatencyMs (): number {
    const model = this.model
    if (model.kind === 'fixed') return model.ms
    if (model.kind === 'uniform') return (model.minMs + model.maxMs) / 2
    const k = this.#regions
    const counts = new Float64Array(k)
    for (const r of this.region as Uint8Array) counts[r]!++
    let total = 0
    let pairs = 0
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        total += counts[a]! * counts[b]! * this.#matrix![a * k + b]!
        pairs += counts[a]! * counts[b]!
      }
    }
    return pairs === 0 ? 0 : total / pairs
  }

  /**
   * Takes `bytes` onto node `from`'s uplink at time `now`: returns when the last byte has left (now, with unlimited
   * upload) and marks the uplink busy until then.
   */
  depart (from: number, bytes: number, now: number): number {
    const free = this.#uplinkFree
    this.#lastStart = now
    if (free === undefined) return now
    const start = free[from]! > now ? free[from]! : now
    this.#lastStart = start
    const done = start + bytes * this.#upMsPerByte
    free[from] = done
    return done
  }

  /**
   * When `bytes` that the last {@link depart} took (leaving completely at `departure`) have fully arrived at node
   * `to`, `latencyMs` after they left at the earliest, and marks its downlink busy until then.
   */
  arrive (to: number, bytes: number, departure: number, latencyMs: number): number {
    const earliest = departure + latencyMs
    const free = this.#downlinkFree
    if (free === undefined) return earliest
    const firstByte = this.#lastStart + latencyMs
    const queued = (free[to]! > firstByte ? free[to]! : firstByte) + bytes * this.#downMsPerByte
    const at = queued > earliest ? queued : earliest
    free[to] = at
    return at
  }
}

/** Region of each node, drawn from `weights` with a generator seeded with `seed`. */
function placeInRegions (nodes: number, weights: readonly number[], seed: number): Uint8Array {
  const total = weights.reduce((s, w) => s + w, 0)
  const cumulative: number[] = []
  let sum = 0
  for (const w of weights) cumulative.push((sum += w) / total)
  const random = new Random(seed, 7)
  const region = new Uint8Array(nodes)
  for (let i = 0; i < nodes; i++) {
    const u = random.next()
    let r = 0
    while (r < cumulative.length - 1 && u >= cumulative[r]!) r++
    region[i] = r
  }
  return region
}
