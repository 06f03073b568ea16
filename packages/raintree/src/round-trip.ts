import { InvalidConfigError } from '@pokt-p2p/types'

/** How long a RainTree sender waits for an ACK (see `RainTreeInit.ack`). */
export interface AckTimeoutInit {
  /**
   * The timeout before any round trip was measured. Like TCP's initial RTO: long enough for a slow first link.
   * @default 1000
   */
  initialTimeoutMs?: number
  /**
   * The floor: a loopback round trip of 1 ms must not make a busy peer (a stalled event loop, a GC pause, a burst of
   * handshakes in the same process) look dead. Measured (`bench/ack-round-trip.ts`: 27 TCP nodes in one process on
   * a loaded 2-core machine, 20 broadcasts, 520 round trips a run, timed from the written message): most round trips
   * take 10–40 ms, but while new connections are being set up they reach 0.5–2 s, and replaying each sender's
   * round trips through this estimator, a floor of 100 ms resent 2.1 % of the messages to live peers (250 ms:
   * 1.4 %; 500 ms: 0.2 % and 0 % in a second run; 1,000 ms: none; with 50 nodes in the process, 500 ms: 1.5 %,
   * 1,000 ms: 0.5 %: no floor outlasts every stall of a shared event loop). 500 ms keeps spurious resends rare there
   * and still hands a silent peer's range on within 1.5 s (a send, then a resend waiting twice as long); 1 s would
   * double that, and the clean-up delay, on real networks whose nodes do not share a CPU. A dead peer does not
   * wait for it at all: its send fails, and the range is handed on at once.
   * @default 500
   */
  minTimeoutMs?: number
  /**
   * The ceiling, however slow the measured round trips.
   * @default 10000
   */
  maxTimeoutMs?: number
}

function positive (field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new InvalidConfigError(`ack.${field}`, `must be a number of ms > 0, got ${value}`)
  return value
}

/**
 * The ACK timeout, adapted to the round trips measured so far (RFC 6298's smoothed round trip and its variation:
 * timeout = srtt + 4 · rttvar), within a floor and a ceiling.
 */
export class RoundTripEstimator {
  readonly #initial: number
  readonly #min: number
  readonly #max: number
  #srtt: number | undefined
  #rttvar = 0

  /** @throws {InvalidConfigError} for a bound that is not a positive number, or a floor above the ceiling */
  constructor (init: AckTimeoutInit = {}) {
    this.#initial = positive('initialTimeoutMs', init.initialTimeoutMs ?? 1000)
    this.#min = positive('minTimeoutMs', init.minTimeoutMs ?? 500)
    this.#max = positive('maxTimeoutMs', init.maxTimeoutMs ?? 10_000)
    if (this.#min > this.#max) throw new InvalidConfigError('ack.minTimeoutMs', `must not exceed maxTimeoutMs (${this.#max}), got ${this.#min}`)
  }

  /** Records one measured round trip (send to ACK), in ms. */
  sample (ms: number): void {
    if (!(ms >= 0)) return
    if (this.#srtt === undefined) {
      this.#srtt = ms
      this.#rttvar = ms / 2
      return
    }
    this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - ms)
    this.#srtt = 0.875 * this.#srtt + 0.125 * ms
  }

  /** The current ACK timeout in ms. */
  timeoutMs (): number {
    const base = this.#srtt === undefined ? this.#initial : this.#srtt + 4 * this.#rttvar
    return Math.min(this.#max, Math.max(this.#min, base))
  }
}
