import { MessageTooLargeError } from '@pokt-p2p/types'
import { ReadTimeoutError, StreamAbortedError } from './errors.js'
import type { BudgetHold } from './inbound-budget.js'
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'

/** Limits of `readMessage`. */
export interface ReadMessageOptions {
  /** Largest message accepted; one more byte resets the stream. */
  maxBytes: number
  /** Deadline for the whole message, from the call (the reference's absolute read deadline). */
  timeoutMs: number
  /**
   * The message's share of the node-wide inbound budget: grown as each chunk arrives, released when the read ends
   * (either way). A chunk that would pass the budget resets the stream.
   */
  hold?: BudgetHold
}

/**
 * Reads one message: every byte until the remote closes its writable end (the reference's framing, one message per
 * stream, no length prefix). Limits apply while reading: bytes are counted as each chunk arrives, and the stream is
 * reset as soon as the total passes `maxBytes` or the deadline passes, so at most `maxBytes` plus one chunk is ever
 * held (a chunk is at most one yamux receive window, see `NodeInit.maxStreamWindowBytes`). Uses the stream's 'message' events rather than its async iterator, whose internal queue is unbounded.
 *
 * @throws {MessageTooLargeError} more than `maxBytes` arrived (`size` = bytes seen when the stream was reset)
 * @throws {ReadTimeoutError} the message was not complete within `timeoutMs`
 * @throws {InboundBudgetExceededError} the next chunk would pass the node-wide inbound budget (`options.hold`)
 * @throws {StreamAbortedError} the remote reset the stream or the connection closed first
 */
export async function readMessage (stream: Stream, options: ReadMessageOptions): Promise<Uint8Array> {
  const { maxBytes, timeoutMs, hold } = options
  return await new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let total = 0
    let done = false

    const finish = (err?: Error): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('end', onEnd)
      stream.removeEventListener('remoteCloseWrite', onEnd)
      stream.removeEventListener('close', onClose)
      // delivered or refused, the message no longer counts as unfinished
      hold?.release()
      if (err !== undefined) {
        chunks.length = 0
        reject(err)
        return
      }
      resolve(concat(chunks, total))
    }

    // Complete once the remote has closed its writable end and nothing is left to dispatch. 'end' can fire during
    // protocol negotiation before this listener exists, with read-ahead bytes pushed back afterwards, so this
    // checks the state instead of relying on the event alone.
    // A remote reset also marks the remote writable end closed (and may emit 'end' before 'close'), so a reset
    // stream must be excluded here: a truncated message is never delivered.
    const checkEnd = (): void => {
      if (stream.status === 'reset' || stream.status === 'aborted') return
      if (stream.remoteWriteStatus === 'closed' && stream.readBufferLength === 0) finish()
    }

    const onMessage = (evt: StreamMessageEvent): void => {
      if (done) return
      total += evt.data.byteLength
      if (total > maxBytes) {
        const err = new MessageTooLargeError(total, maxBytes, 'inbound message')
        finish(err) // first: abort() dispatches 'end', which must not complete the read
        stream.abort(err)
        return
      }
      if (hold !== undefined) {
        try {
          hold.set(total)
        } catch (err) {
          finish(err as Error)
          stream.abort(err as Error)
          return
        }
      }
      chunks.push(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray())
      checkEnd()
    }
    const onEnd = (): void => { checkEnd() }
    const onClose = (evt: StreamCloseEvent): void => {
      if (evt.error !== undefined || stream.status === 'reset' || stream.status === 'aborted') {
        finish(new StreamAbortedError(total, evt.error?.message ?? `stream ${stream.status}`, { cause: evt.error }))
      } else if (stream.readBufferLength === 0) {
        finish()
      }
    }

    const timer = setTimeout(() => {
      const err = new ReadTimeoutError(timeoutMs, total)
      finish(err)
      stream.abort(err)
    }, timeoutMs)

    stream.addEventListener('message', onMessage)
    stream.addEventListener('end', onEnd)
    stream.addEventListener('remoteCloseWrite', onEnd)
    stream.addEventListener('close', onClose)
    if (stream.status === 'reset' || stream.status === 'aborted') {
      finish(new StreamAbortedError(0, `stream is ${stream.status}`))
      return
    }
    checkEnd()
  })
}

function concat (chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0]
  const out = new Uint8Array(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

/**
 * Writes one message and closes the writable end (the reference's `Libp2pSendToPeer`: write, then Close). Resolves
 * once every byte has been handed to the muxer; there is no acknowledgement in the protocol. Rejects if the stream
 * is reset first (e.g. the receiver rejected an oversize message) or `signal` aborts; the stream is then aborted.
 */
export async function writeMessage (stream: Stream, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
  try {
    if (bytes.byteLength > 0 && !stream.send(bytes)) await stream.onDrain({ signal })
    await stream.close({ signal })
  } catch (err) {
    const error = toError(err)
    stream.abort(error)
    throw error
  }
}

/** libp2p rejects some waits with the 'close' event itself; this recovers the error it carries. */
export function toError (err: unknown): Error {
  if (err instanceof Error) return err
  if (err instanceof Event) {
    const inner = (err as Partial<StreamCloseEvent>).error
    return inner ?? new Error(`stream ${err.type} before the write completed`)
  }
  return new Error(String(err))
}
