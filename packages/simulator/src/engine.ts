import { SimulationAbortedError } from './errors.js'

/**
 * What an event kind runs when its event is due: the event's integer fields `a`, `b`, `c`, `d`, its number `x` and
 * its reference `ref` (whatever {@link Engine.schedule} was given).
 */
export type EventHandler = (a: number, b: number, c: number, d: number, x: number, ref: unknown) => void

/** What {@link Engine.run} reports while it runs (see {@link EngineRunOptions.onProgress}). */
export interface EngineProgress {
  /** events processed so far */
  readonly events: number
  /** events waiting */
  readonly pending: number
  /** the virtual time reached, in ms */
  readonly virtualMs: number
}

/** Options of {@link Engine.run}. */
export interface EngineRunOptions {
  /** stops the run (it rejects with a {@link SimulationAbortedError}) at the next point where it yields */
  signal?: AbortSignal
  /** called each time the run yields to the host's event loop (at least once per virtual timestamp) */
  onProgress?: (progress: EngineProgress) => void
  /**
   * Events later than this virtual time are left unprocessed (the run ends there).
   * @default Infinity: the run ends when no event is left
   */
  untilMs?: number
}

/**
 * Events processed in one go before the engine yields to let promise continuations settle (same virtual time): few,
 * so that what those events allocate dies young instead of piling up until the end of a busy timestamp.
 */
const CHUNK = 512

const INITIAL_CAPACITY = 1024

/** Lets every queued microtask (promise continuation) run, and the host's event loop turn once. */
async function settle (): Promise<void> {
  await new Promise(resolve => setImmediate(resolve))
}

/**
 * A deterministic discrete-event engine. Events are ordered by (virtual time, sequence number): two events at the
 * same time run in the order they were scheduled. Storage is a binary heap over typed arrays, with each event's
 * fields in pooled parallel arrays, so millions of events cost a few dozen bytes each and no object per event
 * (except the `ref` the caller passes, if any).
 *
 * The code it drives is asynchronous (transports return promises, handlers are async functions): {@link run}
 * processes the events of one timestamp, then yields to the host's event loop so that every promise continuation
 * those events started runs — and schedules its own events at the same virtual time — before time advances.
 */
export class Engine {
  /** The current virtual time in ms: the time of the event being processed (it never decreases). */
  now = 0
  /** Events processed so far. */
  processed = 0

  readonly #handlers: EventHandler[] = []
  // the heap: parallel arrays of (time, sequence, slot)
  #time = new Float64Array(INITIAL_CAPACITY)
  #seq = new Float64Array(INITIAL_CAPACITY)
  #slot = new Int32Array(INITIAL_CAPACITY)
  #size = 0
  #nextSeq = 0
  // the events' fields, by slot
  #kind = new Uint8Array(INITIAL_CAPACITY)
  #a = new Int32Array(INITIAL_CAPACITY)
  #b = new Int32Array(INITIAL_CAPACITY)
  #c = new Int32Array(INITIAL_CAPACITY)
  #d = new Int32Array(INITIAL_CAPACITY)
  #x = new Float64Array(INITIAL_CAPACITY)
  #ref: unknown[] = []
  #free = new Int32Array(INITIAL_CAPACITY)
  #freeTop = 0
  #slots = 0
  #callKind: number

  constructor () {
    this.#callKind = this.register((_a, _b, _c, _d, _x, ref) => { (ref as () => void)() })
  }

  /**
   * Registers an event kind; returns its number, to pass to {@link schedule}.
   * @throws {RangeError} past 256 kinds
   */
  register (handler: EventHandler): number {
    if (this.#handlers.length >= 256) throw new RangeError('an engine has at most 256 event kinds')
    this.#handlers.push(handler)
    return this.#handlers.length - 1
  }

  /** How many events are waiting. */
  get pending (): number {
    return this.#size
  }

  /** The time of the next event, or undefined when none is waiting. */
  get nextTime (): number | undefined {
    return this.#size === 0 ? undefined : this.#time[0]
  }

  /**
   * Schedules an event of `kind` at virtual time `at` (clamped to now: the past cannot be scheduled).
   * @param at - when, in virtual ms
   * @param kind - a number from {@link register}
   * @param a - integer field (32-bit)
   * @param b - integer field (32-bit)
   * @param c - integer field (32-bit)
   * @param d - integer field (32-bit)
   * @param x - number field
   * @param ref - any value, handed to the handler as is
   */
  schedule (at: number, kind: number, a = 0, b = 0, c = 0, d = 0, x = 0, ref: unknown = undefined): void {
    const slot = this.#freeTop > 0 ? this.#free[--this.#freeTop]! : this.#newSlot()
    this.#kind[slot] = kind
    this.#a[slot] = a
    this.#b[slot] = b
    this.#c[slot] = c
    this.#d[slot] = d
    this.#x[slot] = x
    this.#ref[slot] = ref
    this.#push(at > this.now ? at : this.now, slot)
  }

  /** Calls `callback` at virtual time `at` (never synchronously, even for `at` ≤ now). */
  at (at: number, callback: () => void): void {
    this.schedule(at, this.#callKind, 0, 0, 0, 0, 0, callback)
  }

  #newSlot (): number {
    const slot = this.#slots++
    if (slot >= this.#kind.length) {
      const capacity = this.#kind.length * 2
      this.#kind = grow(this.#kind, new Uint8Array(capacity))
      this.#a = grow(this.#a, new Int32Array(capacity))
      this.#b = grow(this.#b, new Int32Array(capacity))
      this.#c = grow(this.#c, new Int32Array(capacity))
      this.#d = grow(this.#d, new Int32Array(capacity))
      this.#x = grow(this.#x, new Float64Array(capacity))
      this.#free = grow(this.#free, new Int32Array(capacity))
    }
    return slot
  }

  #push (time: number, slot: number): void {
    if (this.#size === this.#time.length) {
      const capacity = this.#time.length * 2
      this.#time = grow(this.#time, new Float64Array(capacity))
      this.#seq = grow(this.#seq, new Float64Array(capacity))
      this.#slot = grow(this.#slot, new Int32Array(capacity))
    }
    const times = this.#time
    const seqs = this.#seq
    const slots = this.#slot
    const seq = this.#nextSeq++
    // sift up
    let i = this.#size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      const pt = times[parent]!
      if (pt < time || (pt === time && seqs[parent]! < seq)) break
      times[i] = pt
      seqs[i] = seqs[parent]!
      slots[i] = slots[parent]!
      i = parent
    }
    times[i] = time
    seqs[i] = seq
    slots[i] = slot
  }

  /** Removes the first event and returns its slot. The heap must not be empty. */
  #pop (): number {
    const times = this.#time
    const seqs = this.#seq
    const slots = this.#slot
    const top = slots[0]!
    const size = --this.#size
    if (size === 0) return top
    const time = times[size]!
    const seq = seqs[size]!
    const slot = slots[size]!
    // sift down
    let i = 0
    const half = size >> 1
    while (i < half) {
      let child = 2 * i + 1
      let ct = times[child]!
      let cs = seqs[child]!
      const right = child + 1
      if (right < size) {
        const rt = times[right]!
        if (rt < ct || (rt === ct && seqs[right]! < cs)) {
          child = right
          ct = rt
          cs = seqs[right]!
        }
      }
      if (time < ct || (time === ct && seq < cs)) break
      times[i] = ct
      seqs[i] = cs
      slots[i] = slots[child]!
      i = child
    }
    times[i] = time
    seqs[i] = seq
    slots[i] = slot
    return top
  }

  /** Processes the next event synchronously (no settling); returns false when none is waiting. */
  step (): boolean {
    if (this.#size === 0) return false
    this.now = this.#time[0]!
    this.#dispatch(this.#pop())
    return true
  }

  #dispatch (slot: number): void {
    const ref = this.#ref[slot]
    this.#ref[slot] = undefined
    this.#free[this.#freeTop++] = slot
    this.processed++
    this.#handlers[this.#kind[slot]!]!(this.#a[slot]!, this.#b[slot]!, this.#c[slot]!, this.#d[slot]!, this.#x[slot]!, ref)
  }

  /**
   * Runs until no event is left (or the next is later than `untilMs`): the events of one timestamp in order, then
   * a yield to the host's event loop so that their promise continuations run at that same virtual time, then the
   * next timestamp. Same events scheduled in the same order ⇒ the same run.
   * @throws {SimulationAbortedError} when `signal` aborts (checked at every yield)
   */
  async run (options: EngineRunOptions = {}): Promise<void> {
    const { signal, onProgress } = options
    const until = options.untilMs ?? Infinity
    const times = (): Float64Array => this.#time
    for (;;) {
      await settle()
      if (signal?.aborted === true) {
        throw new SimulationAbortedError(this.now, this.processed, { cause: signal.reason })
      }
      onProgress?.({ events: this.processed, pending: this.#size, virtualMs: this.now })
      if (this.#size === 0) {
        return
      }
      const t = times()[0]!
      if (t > until) return
      this.now = t
      // the events at t, at most CHUNK of them before settling (time stays t across the yield)
      let budget = CHUNK
      while (this.#size > 0 && budget-- > 0 && times()[0] === t) this.#dispatch(this.#pop())
    }
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array> (from: T, to: T): T {
  to.set(from)
  return to
}
