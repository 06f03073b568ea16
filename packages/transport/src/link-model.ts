/**
 * The link model of the emulated memory transport ({@link emulatedMemory}), without libp2p: each node has a port
 * (uplink and downlink, shared by all its connections) and each connection two pipes, one per direction, that hand
 * buffers to the other end when the model says they arrive.
 *
 * Times are `performance.now()` milliseconds (the {@link LinkClock}); a pipe keeps its buffers in arrival order and
 * holds at most one host timer, for the buffer at its head.
 *
 * @module
 */

/** The clock and timers the model runs on; tests drive it with a manual clock. */
export interface LinkClock {
  /** the current time in ms, monotonic */
  now: () => number
  /** calls `fn` once, `ms` (a whole number ≥ 0) from now or later */
  setTimeout: (fn: () => void, ms: number) => unknown
  /** cancels a timer `setTimeout` returned */
  clearTimeout: (timer: unknown) => void
}

/** `performance.now()` and the host's `setTimeout`. */
export const hostClock: LinkClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: timer => { clearTimeout(timer as ReturnType<typeof setTimeout>) }
}

/**
 * One host timer that calls `fn` at a clock time, never earlier: the host's timers count whole milliseconds of a
 * coarser clock and may fire a fraction of a millisecond before `performance.now()` reaches the time, so an early
 * firing waits again.
 */
export class Alarm {
  #timer: unknown
  #at = Infinity

  /**
   * @param fn - called once per arming, at or after the time
   * @param clock - the clock and timers
   */
  constructor (private readonly fn: () => void, private readonly clock: LinkClock = hostClock) {}

  /** Calls `fn` at `at` or later; an alarm already set for an earlier time stays (its `fn` re-arms it). */
  set (at: number): void {
    if (this.#timer !== undefined) {
      if (this.#at <= at) return
      this.clock.clearTimeout(this.#timer)
    }
    this.#at = at
    this.#arm()
  }

  /** Cancels the alarm. */
  clear (): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#at = Infinity
  }

  #arm (): void {
    const wait = this.#at - this.clock.now()
    this.#timer = this.clock.setTimeout(this.#fire, wait <= 0 ? 0 : Math.ceil(wait))
  }

  readonly #fire = (): void => {
    if (this.clock.now() < this.#at) {
      this.#arm()
      return
    }
    this.#timer = undefined
    this.#at = Infinity
    this.fn()
  }
}

/** One node's access link: latency, and the uplink and downlink that all its connections share. */
export class Port {
  /** ms per byte on the uplink (0: unlimited) */
  readonly upMsPerByte: number
  /** ms per byte on the downlink (0: unlimited) */
  readonly downMsPerByte: number
  /** when the uplink has sent every byte it was given so far */
  uplinkFree = 0
  /** when the downlink has taken in every byte sent to it so far */
  downlinkFree = 0

  /**
   * @param latencyMs - this node's one-way latency (a connection's latency is the mean of its two ports')
   * @param uploadMbps - uplink bandwidth in Mbit/s, `null` for unlimited
   * @param downloadMbps - downlink bandwidth in Mbit/s, `null` for unlimited
   * @param highWaterMarkBytes - bytes one connection may have waiting on the uplink before it reports back-pressure
   */
  constructor (
    readonly latencyMs: number,
    readonly uploadMbps: number | null,
    readonly downloadMbps: number | null,
    readonly highWaterMarkBytes: number
  ) {
    this.upMsPerByte = uploadMbps === null ? 0 : 8 / (uploadMbps * 1000)
    this.downMsPerByte = downloadMbps === null ? 0 : 8 / (downloadMbps * 1000)
  }
}

/** What a pipe hands its buffers and its end to: the receiving end of a connection. */
export interface Receiver<D> {
  /** a buffer arrived */
  receive: (data: D) => void
  /** the other end closed (after every buffer it sent before) */
  remoteClosed: () => void
  /** the other end reset the connection */
  remoteReset: () => void
}

const DATA = 0
const CLOSE = 1
const RESET = 2

interface Frame<D> {
  kind: typeof DATA | typeof CLOSE | typeof RESET
  data: D | undefined
  bytes: number
  /** when its last byte has left the sender's uplink */
  departAt: number
  /** when it is handed to the receiver */
  arriveAt: number
}

/**
 * One direction of a connection: buffers written at one end, handed to the {@link Receiver} at the other when
 * they arrive, in write order.
 *
 * - A buffer of S bytes starts to leave when the sender's uplink is free (buffers of all the sender's connections
 *   leave one after another, in write order) and has left `S · 8 / uploadMbps` µs later.
 * - It arrives `latencyMs` after it has left; with a limited downlink, not before the receiver's downlink has taken
 *   it in too: `max(departure + L, max(downlinkFree, start + L) + S · 8 / downloadMbps µs)`, reserved when written.
 * - A close travels behind the buffers written before it; a reset overtakes the buffers that have not left the
 *   uplink yet (they are dropped) but not those already on the wire. Neither takes uplink time.
 */
export class Pipe<D extends { byteLength: number }> {
  /** the receiving end; set once both ends exist */
  receiver: Receiver<D> | undefined
  readonly #frames: Array<Frame<D> | undefined> = []
  /** first frame not yet handed over */
  #head = 0
  /** first frame not known to have left the uplink */
  #departIdx = 0
  /** bytes of the frames from #departIdx on */
  #undeparted = 0
  #lastDepart = 0
  #lastArrive = 0
  #ended = false
  readonly #alarm: Alarm

  /**
   * @param from - the sender's port
   * @param to - the receiver's port
   * @param latencyMs - one-way latency of this connection
   * @param clock - the clock and timers
   */
  constructor (readonly from: Port, readonly to: Port, readonly latencyMs: number, private readonly clock: LinkClock = hostClock) {
    this.#alarm = new Alarm(() => { this.#deliver() }, clock)
  }

  /** Whether a close or reset was written (or the receiver discarded the pipe): later writes are dropped. */
  get ended (): boolean {
    return this.#ended
  }

  /** Buffers written and not yet handed over. */
  get queued (): number {
    return this.#frames.length - this.#head
  }

  /** Writes a buffer; returns when it will arrive (Infinity when the pipe has ended and drops it). */
  send (data: D): number {
    if (this.#ended) return Infinity
    const now = this.clock.now()
    const bytes = data.byteLength
    const { from, to, latencyMs } = this
    const start = from.uplinkFree > now ? from.uplinkFree : now
    const departAt = start + bytes * from.upMsPerByte
    from.uplinkFree = departAt
    let arriveAt = departAt + latencyMs
    if (to.downMsPerByte > 0) {
      const firstByte = start + latencyMs
      const queued = (to.downlinkFree > firstByte ? to.downlinkFree : firstByte) + bytes * to.downMsPerByte
      if (queued > arriveAt) arriveAt = queued
      to.downlinkFree = arriveAt
    }
    this.#undeparted += bytes
    this.#push({ kind: DATA, data, bytes, departAt, arriveAt })
    return arriveAt
  }

  /** Writes the end of the stream: it arrives after every buffer written before, and at least one latency from now. */
  close (): void {
    if (this.#ended) return
    this.#ended = true
    const now = this.clock.now()
    this.#push({ kind: CLOSE, data: undefined, bytes: 0, departAt: now, arriveAt: now + this.latencyMs })
  }

  /**
   * Resets: buffers that have not left the uplink are dropped (their uplink time is not given back to the port),
   * those on the wire still arrive, then the reset, at least one latency from now.
   */
  reset (): void {
    if (this.#ended) return
    this.#ended = true
    const now = this.clock.now()
    this.#advance(now)
    this.#frames.length = Math.max(this.#departIdx, this.#head)
    this.#undeparted = 0
    const last = this.#frames[this.#frames.length - 1]
    this.#lastArrive = last?.arriveAt ?? 0
    this.#lastDepart = last?.departAt ?? 0
    this.#push({ kind: RESET, data: undefined, bytes: 0, departAt: now, arriveAt: now + this.latencyMs })
  }

  /** The receiver has gone: drops everything and ends the pipe, without handing anything over. */
  discard (): void {
    this.#ended = true
    this.#alarm.clear()
    this.#frames.length = 0
    this.#head = 0
    this.#departIdx = 0
    this.#undeparted = 0
  }

  /** Bytes written that have not (completely) left the sender's uplink yet. */
  undeparted (): number {
    this.#advance(this.clock.now())
    return this.#undeparted
  }

  /** When fewer than `bytes` of this pipe's buffers will be waiting on the uplink (now, if already so). */
  drainsBelowAt (bytes: number): number {
    const now = this.clock.now()
    this.#advance(now)
    let left = this.#undeparted
    for (let i = this.#departIdx; i < this.#frames.length && left >= bytes; i++) {
      const frame = this.#frames[i]!
      left -= frame.bytes
      if (left < bytes) return frame.departAt
    }
    return now
  }

  #push (frame: Frame<D>): void {
    // a pipe hands over in write order: never before what was written earlier
    if (frame.departAt < this.#lastDepart) frame.departAt = this.#lastDepart
    if (frame.arriveAt < this.#lastArrive) frame.arriveAt = this.#lastArrive
    this.#lastDepart = frame.departAt
    this.#lastArrive = frame.arriveAt
    this.#frames.push(frame)
    if (this.#frames.length - this.#head === 1) this.#alarm.set(frame.arriveAt)
  }

  #advance (now: number): void {
    const frames = this.#frames
    while (this.#departIdx < frames.length && frames[this.#departIdx]!.departAt <= now) {
      this.#undeparted -= frames[this.#departIdx]!.bytes
      this.#departIdx++
    }
  }

  #deliver (): void {
    const now = this.clock.now()
    this.#advance(now)
    const frames = this.#frames
    while (this.#head < frames.length && frames[this.#head]!.arriveAt <= now) {
      const frame = frames[this.#head]!
      frames[this.#head++] = undefined
      const receiver = this.receiver
      if (receiver === undefined) continue
      if (frame.kind === DATA) receiver.receive(frame.data!)
      else if (frame.kind === CLOSE) receiver.remoteClosed()
      else receiver.remoteReset()
      // the receiver may have discarded the pipe while handling the frame
      if (frames.length === 0) return
    }
    if (this.#head === frames.length) {
      frames.length = 0
      this.#head = 0
      this.#departIdx = 0
    } else {
      if (this.#head > 1024 && this.#head * 2 > frames.length) {
        // every frame before #head has arrived, so it has left the uplink too: #departIdx >= #head
        frames.splice(0, this.#head)
        this.#departIdx -= this.#head
        this.#head = 0
      }
      this.#alarm.set(frames[this.#head]!.arriveAt)
    }
  }
}
