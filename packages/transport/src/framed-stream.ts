import { performance } from 'node:perf_hooks'
import { MessageTooLargeError, PocketP2PError, type RemoteSender } from '@pokt-p2p/types'
import { ReadTimeoutError, StreamAbortedError } from './errors.js'
import { encodeFrame, encodeFrameHeader, FrameDecoder } from './framing.js'
import { updateLazily } from './stack-tuning.js'
import type { Deadline } from './deadline.js'
import type { BudgetHold } from './inbound-budget.js'
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'

/** Why an inbound message was rejected: the `reason` label of `pokt_transport_rejected_total`. */
export type TransportRejectReason = 'tooLarge' | 'timeout' | 'budget' | 'notAdmitted' | 'other'

/** What a {@link FramedStream} needs from its transport. */
export interface FramedStreamHooks {
  /**
   * Hands one frame to the protocol's handler. Returns true when the handler is still at work: that holds one of
   * the stream's handler slots until `done` is called (once, never synchronously).
   */
  deliver: (body: Uint8Array, fs: FramedStream, done: () => void) => boolean
  /** An inbound frame was refused (over the cap, past its deadline, malformed, cut short). */
  reject: (reason: TransportRejectReason, error: Error, fs: FramedStream) => void
  /** The stream takes no more frames of this node (closed, reset, idle, closing): stop choosing it for sends. */
  detach: (fs: FramedStream) => void
  /** The stream is finished at both ends, or reset: nothing more will be read from it. */
  finished: (fs: FramedStream) => void
}

/** Limits of one framed stream (the transport's options). */
export interface FramedStreamLimits {
  /** largest frame body accepted */
  maxMessageBytes: number
  /** a frame must be complete this many ms after its first byte arrived */
  readTimeoutMs: number
  /** no frame either way for this long: close the stream */
  idleTimeoutMs: number
  /** handler calls of this stream in flight at once; reading pauses at the limit */
  maxConcurrentHandlers: number
}

/**
 * A send found its stream closed before writing any byte of its frame; nothing reached the peer, so it may be
 * retried on a fresh stream without risk of a duplicate. Internal: a send reports it as a `PeerUnreachableError`.
 */
export class ClosedBeforeWriteError extends PocketP2PError {
  /** The class name, as each instance's `name`. */
  static override name = 'ClosedBeforeWriteError'
}

/** Bodies up to this size are copied behind their prefix and written as one buffer (one yamux and noise frame). */
const COALESCE_BYTES = 64 * 1024

/**
 * One long-lived stream of a framed protocol, at either end: reads frames for the handler and writes this node's
 * frames. See the package README ("Framed protocols") for the wire format and the limits enforced here.
 */
export class FramedStream {
  /** the libp2p stream */
  readonly stream: Stream
  /** the protocol negotiated on it */
  readonly protocol: string
  /** the authenticated remote: the sender of every frame read from it */
  readonly from: RemoteSender
  readonly #limits: FramedStreamLimits
  readonly #hooks: FramedStreamHooks
  readonly #decoder: FrameDecoder
  /** the stream's share of the node-wide inbound budget: the bytes its decoder holds */
  readonly #hold: BudgetHold | undefined
  /** handler calls in flight */
  #inFlight = 0
  /** paused by this class because the handler slots are full */
  #paused = false
  #deadline: ReturnType<typeof setTimeout> | undefined
  #idleTimer: ReturnType<typeof setTimeout> | undefined
  #lastActivity = performance.now()
  /** sends writing or about to write on it */
  #writers = 0
  /** no longer chosen for sends */
  #detached = false
  /** this end closed its writable end because the stream was idle */
  #idleClosed = false
  /** nothing more is read: listeners removed, timers cleared */
  #finished = false

  /**
   * @param stream - the negotiated libp2p stream
   * @param from - its authenticated remote
   * @param limits - the transport's limits
   * @param hooks - where frames, rejections and state changes go
   * @param hold - the stream's share of the node-wide inbound budget (bytes buffered by its decoder); none: unbounded
   */
  constructor (stream: Stream, from: RemoteSender, limits: FramedStreamLimits, hooks: FramedStreamHooks, hold?: BudgetHold) {
    this.stream = stream
    this.#hold = hold
    this.protocol = stream.protocol
    this.from = from
    this.#limits = limits
    this.#hooks = hooks
    this.#decoder = new FrameDecoder(limits.maxMessageBytes)
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('remoteCloseWrite', this.#onRemoteCloseWrite)
    stream.addEventListener('close', this.#onClose)
    // many small frames: yamux credit once per half window, except while a frame is being read (see stack-tuning.ts)
    updateLazily(stream, () => !this.#decoder.partial)
    this.#scheduleIdleCheck(limits.idleTimeoutMs)
    if (stream.status !== 'open') this.#onClose()
    else if (stream.remoteWriteStatus === 'closed') this.#onRemoteCloseWrite()
  }

  /** Whether reading has ended (the stream is closed at both ends or reset, or the transport closed). */
  get finished (): boolean {
    return this.#finished
  }

  /** Whether a new frame may be written on it now. */
  get writable (): boolean {
    return !this.#detached && this.stream.status === 'open' && this.stream.writeStatus === 'writable'
  }

  /**
   * Writes one frame. Waits first until earlier bytes have drained (back-pressure), then hands the whole frame to the
   * muxer and waits until it has left the stream's write buffer.
   *
   * Returns `undefined` when that happened at once (the stream had nothing waiting and took the frame whole: the
   * common case, with no promise and no timer), else a promise that settles once it has.
   *
   * @throws {ClosedBeforeWriteError} (thrown, or the promise rejects with it) the stream was closed or reset before
   * any byte of the frame was written; the stream is no longer chosen for sends
   * @throws the deadline signal's reason when it aborts; if part of the frame was already written, the stream is reset
   * (so the peer never takes a truncated frame for a message)
   * @throws the stream's error when it closes while the frame is being written
   */
  write (body: Uint8Array, deadline: Deadline): Promise<void> | undefined {
    const s = this.stream
    if (!this.writable) this.#closedBeforeWrite(`the stream is ${s.status} (writable end ${s.writeStatus})`)
    if (s.writableNeedsDrain || s.writeBufferLength > 0) return this.#writeLater(body, deadline, false)
    const flushed = this.#writeFrame(body)
    this.#touch()
    if (flushed && s.writeBufferLength === 0) return undefined
    return this.#writeLater(body, deadline, true)
  }

  /** The waiting part of {@link FramedStream.write}: for the drain before the frame (unless `written`), then the flush. */
  async #writeLater (body: Uint8Array, deadline: Deadline, written: boolean): Promise<void> {
    const s = this.stream
    this.#writers++
    try {
      if (!written) {
        try {
          await waitForStream(s, () => !s.writableNeedsDrain && s.writeBufferLength === 0, deadline.signal)
        } catch (err) {
          if (deadline.aborted) throw err
          this.#closedBeforeWrite(`the stream closed while waiting for it to drain: ${errorMessage(err)}`, err)
        }
        if (!this.writable) this.#closedBeforeWrite(`the stream is ${s.status} (writable end ${s.writeStatus})`)
        this.#touch()
        if (this.#writeFrame(body) && s.writeBufferLength === 0) return
      }
      try {
        await waitForStream(s, () => s.writeBufferLength === 0, deadline.signal)
      } catch (err) {
        // part of the frame may still sit in the write buffer: a reset makes the peer drop the partial frame
        if (deadline.aborted) s.abort(new Error('a send was cut short while its frame was being written'))
        throw err
      }
    } finally {
      this.#writers--
      this.#touch()
    }
  }

  /**
   * Hands one frame to the muxer; whether it took it without asking to wait (`send`'s answer).
   * @throws {ClosedBeforeWriteError} the stream refused its first byte (the stream is no longer chosen for sends)
   */
  #writeFrame (body: Uint8Array): boolean {
    const s = this.stream
    if (body.byteLength <= COALESCE_BYTES) return this.#sendFirst(encodeFrame(body))
    const flushed = this.#sendFirst(encodeFrameHeader(body.byteLength))
    // from here on part of the frame is written: any failure is a failure mid-frame
    return s.send(body) && flushed
  }

  /** The first `send` of a frame: a stream that refuses it was closed before any byte of the frame was written. */
  #sendFirst (bytes: Uint8Array): boolean {
    try {
      return this.stream.send(bytes)
    } catch (err) {
      if (err instanceof Error && err.name === 'StreamStateError') this.#closedBeforeWrite(err.message, err)
      throw err
    }
  }

  /** Throws a {@link ClosedBeforeWriteError} after taking the stream out of the ones chosen for sends. */
  #closedBeforeWrite (message: string, cause?: unknown): never {
    // never chosen again: the retry goes to another stream
    this.#detach()
    throw new ClosedBeforeWriteError(message, cause === undefined ? undefined : { cause })
  }

  /**
   * Closes this end gracefully (the peer reads every frame written so far, then closes its end) and stops
   * delivering frames. For the transport's `close()`.
   */
  async shutdown (timeoutMs: number): Promise<void> {
    this.#detach()
    this.#finish()
    const s = this.stream
    if (s.status !== 'open') return
    if (s.writeStatus !== 'writable') {
      s.abort(new Error('the transport closed'))
      return
    }
    try {
      await s.close({ signal: AbortSignal.timeout(timeoutMs) })
    } catch (err) {
      s.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** Closes this end gracefully (frames already written still arrive) and stops choosing it for sends. */
  closeWrite (): void {
    this.#detach()
    const s = this.stream
    if (s.status !== 'open' || s.writeStatus !== 'writable') return
    s.close().catch((err: unknown) => { s.abort(err instanceof Error ? err : new Error(String(err))) })
  }

  readonly #onMessage = (evt: StreamMessageEvent): void => {
    if (this.#finished) return
    const data = evt.data
    if (data instanceof Uint8Array) {
      this.#decoder.push(data)
    } else {
      for (const buf of data) this.#decoder.push(buf)
    }
    if (this.#hold !== undefined) {
      try {
        this.#hold.set(this.#decoder.buffered)
      } catch (err) {
        this.#refuse('budget', err as Error)
        return
      }
    }
    this.#touch()
    this.#pump()
  }

  /** Hands every complete frame to the handler, up to the handler limit; arms the frame deadline; pauses. */
  #pump (): void {
    if (this.#finished) return
    const max = this.#limits.maxConcurrentHandlers
    while (this.#inFlight < max) {
      let body: Uint8Array | undefined
      try {
        body = this.#decoder.next()
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err))
        this.#refuse(err instanceof MessageTooLargeError ? 'tooLarge' : 'other', error)
        return
      }
      if (body === undefined) break
      // the frame is handed over: it no longer counts as unfinished (shrinking never throws)
      this.#hold?.set(this.#decoder.buffered)
      this.#clearDeadline()
      if (this.#hooks.deliver(body, this, this.#onHandlerDone)) this.#inFlight++
      if (this.#finished) return
    }
    if (this.#inFlight >= max) {
      // the next frame waits for a free handler slot; its deadline starts once reading resumes
      this.#clearDeadline()
      if (!this.#paused && this.stream.readStatus === 'readable') {
        this.stream.pause()
        this.#paused = true
      }
      return
    }
    if (this.#decoder.partial && this.#deadline === undefined) {
      this.#deadline = setTimeout(this.#onDeadline, this.#limits.readTimeoutMs)
      this.#deadline.unref?.()
    }
    this.#maybeFinish()
  }

  readonly #onHandlerDone = (): void => {
    this.#inFlight--
    this.#touch()
    if (this.#finished) return
    if (this.#paused) {
      this.#paused = false
      // resuming dispatches what the stream buffered meanwhile (which pumps); a reset stream may still hold frames
      if (this.stream.readStatus === 'paused') this.stream.resume()
    }
    this.#pump()
  }

  readonly #onDeadline = (): void => {
    this.#deadline = undefined
    if (this.#finished || !this.#decoder.partial) return
    this.#refuse('timeout', new ReadTimeoutError(this.#limits.readTimeoutMs, this.#decoder.bytesOfCurrentFrame))
  }

  #clearDeadline (): void {
    if (this.#deadline === undefined) return
    clearTimeout(this.#deadline)
    this.#deadline = undefined
  }

  /** An inbound frame is refused: the stream is reset (its byte stream cannot be trusted any more). */
  #refuse (reason: TransportRejectReason, error: Error): void {
    this.#detach()
    this.#finish()
    this.#hooks.reject(reason, error, this)
    this.stream.abort(error)
  }

  readonly #onRemoteCloseWrite = (): void => {
    // the peer is done with the stream (idle, or closing): answer in kind once our own frames are out
    this.closeWrite()
    this.#maybeFinish()
  }

  readonly #onClose = (evt?: StreamCloseEvent): void => {
    this.#detach()
    this.#maybeFinish(evt?.error)
  }

  /**
   * Ends reading once nothing more can arrive and everything buffered has been handed over. A frame left
   * incomplete is reported (it was cut short by the peer's close or reset, or by the connection).
   */
  #maybeFinish (error?: Error): void {
    if (this.#finished) return
    const s = this.stream
    const ended = s.remoteWriteStatus === 'closed' || s.status === 'closed' || s.status === 'reset' || s.status === 'aborted'
    if (!ended) return
    // still frames to read: in the decoder behind busy handlers, or buffered by the paused stream
    if (this.#inFlight >= this.#limits.maxConcurrentHandlers || (this.#paused && s.readBufferLength > 0)) return
    if (s.readBufferLength > 0 && s.readStatus !== 'closed') return
    const partial = this.#decoder.partial
    const bytes = this.#decoder.bytesOfCurrentFrame
    this.#detach()
    this.#finish()
    if (partial) {
      const how = error?.message ?? (s.status === 'reset' ? 'reset by the peer' : s.status === 'aborted' ? 'aborted' : 'closed by the peer mid-frame')
      this.#hooks.reject('other', new StreamAbortedError(bytes, how, { cause: error }), this)
    }
  }

  #detach (): void {
    if (this.#detached) return
    this.#detached = true
    this.#hooks.detach(this)
  }

  #finish (): void {
    if (this.#finished) return
    this.#finished = true
    this.#clearDeadline()
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    this.#hold?.release()
    this.stream.removeEventListener('message', this.#onMessage)
    this.stream.removeEventListener('remoteCloseWrite', this.#onRemoteCloseWrite)
    this.stream.removeEventListener('close', this.#onClose)
    this.#hooks.finished(this)
  }

  #touch (): void {
    this.#lastActivity = performance.now()
  }

  #scheduleIdleCheck (ms: number): void {
    const timer = setTimeout(this.#onIdleCheck, Math.max(1, Math.ceil(ms)))
    timer.unref?.()
    this.#idleTimer = timer
  }

  /**
   * Closes the stream once no frame went either way for `idleTimeoutMs` (one timer per stream, moved on lazily
   * rather than reset on every frame). A peer that keeps its end open for another idle period after ours closed
   * gets the stream reset.
   */
  readonly #onIdleCheck = (): void => {
    this.#idleTimer = undefined
    if (this.#finished) return
    const idleMs = this.#limits.idleTimeoutMs
    const quietFor = performance.now() - this.#lastActivity
    const busy = this.#writers > 0 || this.#inFlight > 0 || this.#decoder.partial
    if (busy || quietFor < idleMs) {
      this.#scheduleIdleCheck(busy ? idleMs : idleMs - quietFor)
      return
    }
    if (!this.#idleClosed) {
      this.#idleClosed = true
      this.closeWrite()
      this.#scheduleIdleCheck(idleMs)
      return
    }
    this.stream.abort(new Error(`the peer did not close an idle framed stream within ${idleMs} ms`))
  }
}

function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : err instanceof Event ? `stream ${err.type}` : String(err)
}

/**
 * Resolves once `ready()` holds, checked whenever the stream drains or its write buffer empties. Rejects when the
 * stream is reset or closes first, or when `signal` aborts (with its reason).
 */
async function waitForStream (s: Stream, ready: () => boolean, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const done = (err?: unknown): void => {
      s.removeEventListener('drain', check)
      s.removeEventListener('idle', check)
      s.removeEventListener('close', onClose)
      signal.removeEventListener('abort', onAbort)
      if (err === undefined) resolve()
      else reject(err instanceof Error ? err : new Error(errorMessage(err)))
    }
    const broken = (): boolean => s.status === 'reset' || s.status === 'aborted'
    function check (): void {
      if (broken()) done(new Error(`the stream was ${s.status} before the frame was written`))
      else if (ready()) done()
    }
    function onClose (evt: StreamCloseEvent): void {
      if (!broken() && ready()) done()
      else done(evt.error ?? new Error('the stream closed before the frame was written'))
    }
    function onAbort (): void {
      done(signal.reason ?? new Error('aborted'))
    }
    s.addEventListener('drain', check)
    s.addEventListener('idle', check)
    s.addEventListener('close', onClose)
    signal.addEventListener('abort', onAbort, { once: true })
    check()
  })
}
