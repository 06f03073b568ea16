import { setTimeout as sleep } from 'node:timers/promises'
import {
  Lifecycle, MemoryMetrics, TypedEvents, defaultComponentLogger, integerOption,
  type ComponentLogger, type Logger, type Metrics, type Startable
} from '@pokt-p2p/types'

/** Options of the heartbeat: every one documented, with its default. */
interface HeartbeatInit {
  /** Beats sent by each start. @default 3 */
  beats?: number
}

/** What the heartbeat needs: nothing but the optional logger and metrics every service takes. */
interface HeartbeatComponents {
  logger?: ComponentLogger
  metrics?: Metrics
}

/** Its events, by type: the `detail` each carries. */
interface HeartbeatEvents extends Record<string, unknown> {
  beat: { n: number }
}

/** A toy service in the shape of every Pocket P2P service: a Lifecycle, TypedEvents, a logger and metrics. */
class Heartbeat implements Startable {
  readonly events = new TypedEvents<HeartbeatEvents>()
  readonly #lifecycle: Lifecycle
  readonly #log: Logger
  readonly #beatsTotal: { increment: () => void } | undefined

  constructor (components: HeartbeatComponents, init: HeartbeatInit = {}) {
    const beats = integerOption('beats', init.beats ?? 3, { min: 1 })
    this.#log = (components.logger ?? defaultComponentLogger()).forComponent('demo:heartbeat')
    this.#beatsTotal = components.metrics?.registerCounter('demo_beats_total')
    this.#lifecycle = new Lifecycle({
      start: async ({ signal }) => {
        for (let n = 1; n <= beats; n++) {
          await sleep(1, undefined, { signal }) // a stop() during the start aborts this
          this.#beatsTotal?.increment()
          this.events.dispatch('beat', { n })
        }
        this.#log('started after %d beats', beats)
      },
      stop: async () => { this.#log('stopped') }
    })
  }

  start = async (): Promise<void> => { await this.#lifecycle.start() }
  stop = async (): Promise<void> => { await this.#lifecycle.stop() }
  isStarted = (): boolean => this.#lifecycle.isStarted()
}

/** The factory: `heartbeat(init)(components)`, as libp2p services are built. */
const heartbeat = (init: HeartbeatInit = {}) => (components: HeartbeatComponents): Heartbeat => new Heartbeat(components, init)

const metrics = new MemoryMetrics()
const service = heartbeat({ beats: 3 })({ metrics })
service.events.on('beat', ({ n }) => { console.log('beat', n) })

// concurrent starts share one run; a second stop is a no-op
await Promise.all([service.start(), service.start()])
console.log(service.isStarted(), metrics.value('demo_beats_total'))
await service.stop()
await service.stop()

// a stop during a start cancels it: the start resolves with the service stopped
const starting = service.start()
await service.stop()
await starting
console.log(service.isStarted(), metrics.value('demo_beats_total'))
