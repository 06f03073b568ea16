import '@pokt-p2p/transport/polyfill'
import {
  AnySchema, ConsensusNewHeightEventSchema, Lifecycle, NotStartedError, StateMachineTransitionEventSchema, TypedEvents,
  UnknownPeerError, anyMessageName, create, decodeMessage, defaultComponentLogger, encodePocketEnvelope, generateNonce,
  identityFromPrivateKeyHex,
  type AbortOptions, type Address, type Any, type Identity, type Logger, type Peer, type Router, type Startable
} from '@pokt-p2p/types'
import type { Libp2p, Libp2pMessageTransport } from '@pokt-p2p/transport'
import { parseP2PConfig, type P2PConfig } from './config.js'
import { NoRouterError, StartError, UnknownEventTypeError } from './errors.js'
import type { P2PEvents, RouterRole } from './events.js'
import { Inbound } from './inbound.js'
import type { P2PInit } from './init.js'
import { P2PMetrics } from './metrics.js'
import { StakedSetFollower } from './staked-set.js'
import { Wiring, defaultStakedRouter, defaultUnstakedRouter, type WiringInit } from './wiring.js'

/** Options of {@link P2PModule.broadcast}. */
export interface BroadcastOptions extends AbortOptions {
  /**
   * the routers to broadcast through, by role
   * @default every router this node can use: `staked` (when staked) and `unstaked`
   */
  routers?: RouterRole[]
}

/** Reference state-machine strings (`StateMachineState_P2P_Bootstrapping`). */
export const P2P_BOOTSTRAPPING_STATE = 'P2P_Bootstrapping'
const NEW_HEIGHT_EVENT = 'pocket.ConsensusNewHeightEvent'
const STATE_TRANSITION_EVENT = 'pocket.StateMachineTransitionEvent'

/**
 * The Pocket P2P module (reference `p2pModule`): one libp2p node, the staked-actor router (RainTree) on staked
 * nodes, the router for every participant (background), envelopes with fresh nonces, and each message delivered
 * once. A facade over three parts: the wiring (node, transport, routers from their factories), the inbound path
 * (de-duplication by message: nonce and content, delivery) and the staked set (heights, peer deltas, bootstrap).
 */
export class P2PModule implements Startable {
  /** The validated configuration, defaults filled in. */
  readonly config: P2PConfig
  /** This node's identity, from `config.private_key`. */
  readonly identity: Identity
  /** `message`, `duplicate`, `invalid`, bootstrap and router events (see {@link P2PEvents}). */
  readonly events = new TypedEvents<P2PEvents>()
  readonly #init: P2PInit
  readonly #wiringInit: WiringInit
  readonly #log: Logger
  readonly #metrics = new P2PMetrics()
  readonly #inbound: Inbound
  readonly #stakedSet: StakedSetFollower
  readonly #lifecycle = new Lifecycle({ start: async options => { await this.#start(options) }, stop: async () => { await this.#stop() } })
  #wiring: Wiring | undefined

  /** @param init - the configuration, the providers and optional routers; the configuration is validated now */
  constructor (init: P2PInit) {
    this.config = parseP2PConfig(init.config)
    this.identity = identityFromPrivateKeyHex(this.config.private_key)
    this.#init = init
    const logger = init.logger ?? defaultComponentLogger()
    this.#log = logger.forComponent('pokt:p2p')
    this.#inbound = new Inbound({ events: this.events, metrics: this.#metrics, log: this.#log }, this.config.max_nonces)
    this.#wiringInit = {
      config: this.config,
      identity: this.identity,
      logger,
      metrics: init.metrics,
      ...(init.link === undefined ? {} : { link: init.link }),
      ...(init.connectionMonitor === undefined ? {} : { connectionMonitor: init.connectionMonitor }),
      stakedRouter: init.stakedRouter ?? defaultStakedRouter(this.config, init.raintree),
      unstakedRouter: init.unstakedRouter === undefined ? defaultUnstakedRouter(this.config, init.background) : init.unstakedRouter,
      onRouter: (role, router, signal) => {
        this.#inbound.attach(router, signal)
        this.events.dispatch('router:created', { role, router })
      }
    }
    this.#stakedSet = new StakedSetFollower({
      selfAddress: this.identity.address,
      currentHeightProvider: init.currentHeightProvider,
      peerstoreProvider: init.peerstoreProvider,
      events: this.events,
      metrics: this.#metrics,
      logger,
      metricsRegistry: () => this.node?.metrics,
      routers: () => this.routers,
      joinStaked: async (peers, options) => await this.#startedWiring('handleEvent').startRouter('staked', peers, options)
    }, { clientOnly: this.config.is_client_only, bootstrapNodesCsv: this.config.bootstrap_nodes_csv })
  }

  /** This node's pocket address. */
  getAddress (): Address {
    return this.identity.address
  }

  /** Whether the module is running: started, and neither starting nor stopping. */
  isStarted (): boolean {
    return this.#lifecycle.isStarted()
  }

  /** Whether this node was in the staked set at the last height it looked at. */
  isStaked (): boolean {
    return this.#stakedSet.isStaked()
  }

  /** The running routers (none before start; `staked` is undefined on nodes not staked since start). */
  get routers (): {
    /** the staked-actor router (RainTree by default), on staked nodes */
    staked?: Router
    /** the router for every participant (background by default) */
    unstaked?: Router
  } {
    return this.#wiring?.routers ?? {}
  }

  /** The libp2p node, once started. */
  get node (): Libp2p | undefined {
    return this.#wiring?.node
  }

  /** The libp2p unicast transport, once started. */
  get transport (): Libp2pMessageTransport | undefined {
    return this.#wiring?.transport
  }

  /**
   * Starts the node and its routers; idempotent, and concurrent calls share one start. A `stop()` during the start
   * cancels it: the provider calls, the node and the routers are abandoned and released, and `start()` resolves
   * with the module stopped.
   * @throws {StartError} when the start failed (everything it opened is released)
   */
  async start (): Promise<void> {
    await this.#lifecycle.start()
  }

  /** Stops the routers and the node; idempotent, and concurrent calls share one stop. */
  async stop (): Promise<void> {
    await this.#lifecycle.stop()
  }

  async #start ({ signal }: Required<AbortOptions>): Promise<void> {
    try {
      const peers = await this.#stakedSet.load({ signal })
      const wiring = this.#wiring = new Wiring(this.#wiringInit)
      const node = await wiring.openNode({ signal })
      this.#metrics.bind(node.metrics)
      // handlers first: RainTree registers its protocols at once, so no RainTree message arriving is refused while
      // the other router bootstraps (one hung peer used to hold both back for 30 s)
      if (this.isStaked()) await wiring.startRouter('staked', peers, { signal })
      if (this.#wiringInit.unstakedRouter !== null) await this.#startUnstaked(wiring, peers, signal)
    } catch (err) {
      if (signal.aborted) {
        this.#log('start cancelled by stop')
        throw err
      }
      // not an error line: the caller gets the StartError and reports it (the CLI prints it once)
      this.#log('start failed: %s', (err as Error).message)
      throw new StartError(`p2p module failed to start: ${(err as Error).message}`, { cause: err })
    }
    const { staked, unstaked } = this.routers
    const names = [staked, unstaked].flatMap(r => r === undefined ? [] : [r.name])
    this.#log('started %s, %s at height %s, routers: %s', this.getAddress(), this.isStaked() ? 'staked' : 'not staked',
      this.#stakedSet.height, names.length === 0 ? 'none' : names.join(', '))
  }

  /**
   * Starts the router for every participant and waits only until it receives: until it announces
   * `bootstrap:started` (the background router does once its handlers are registered and it is subscribed), or its
   * `start()` resolves for a router that announces nothing. Its bootstrap (dials with retries: a hung peer holds it
   * for tens of seconds) continues in the background; `router:started` or `router:failed` tell how it ended.
   */
  async #startUnstaked (wiring: Wiring, peers: Peer[], signal: AbortSignal): Promise<void> {
    let receiving: (() => void) | undefined
    const announced = new Promise<void>(resolve => { receiving = resolve })
    const listening = new AbortController()
    const onCreated = ({ role, router }: P2PEvents['router:created']): void => {
      if (role !== 'unstaked') return
      // a router-specific event, hence the cast: routers without it are simply awaited to the end of their start
      ;(router.events as unknown as TypedEvents<{ 'bootstrap:started': unknown }>).on('bootstrap:started', () => { receiving?.() }, { signal: listening.signal })
    }
    this.events.on('router:created', onCreated, { signal: listening.signal })
    const started = wiring.startRouter('unstaked', peers, { signal })
    try {
      const first = await Promise.race([started.then(() => 'started' as const), announced.then(() => 'receiving' as const)])
      if (first === 'started') {
        this.#routerStarted(wiring, 'unstaked')
        return
      }
    } finally {
      listening.abort()
    }
    this.#log('the unstaked router receives; its bootstrap continues in the background')
    started.then(() => { this.#routerStarted(wiring, 'unstaked') }, (err: unknown) => {
      if (this.#wiring !== wiring) return // stopped meanwhile: the stop ended it, nothing failed
      const error = err instanceof Error ? err : new Error(String(err))
      this.#log.error('the unstaked router failed to start after the module started: %s; the module keeps running without it', error.message)
      this.events.dispatch('router:failed', { role: 'unstaked', error })
    })
  }

  #routerStarted (wiring: Wiring, role: RouterRole): void {
    const router = wiring.routers[role]
    if (this.#wiring !== wiring || router === undefined) return
    this.#log('the %s router %s started', role, router.name)
    this.events.dispatch('router:started', { role, router })
  }

  async #stop (): Promise<void> {
    const wiring = this.#wiring
    this.#wiring = undefined
    try {
      await wiring?.stop()
    } finally {
      this.#log('stopped %s', this.getAddress())
    }
  }

  #startedWiring (what: string): Wiring {
    if (!this.#lifecycle.isStarted() || this.#wiring === undefined) throw new NotStartedError(`${what}: the p2p module is not started`)
    return this.#wiring
  }

  /**
   * The routers an outbound message goes through: the staked one while staked, and the one for everyone. That one
   * refuses to send until its start (bootstrap) has finished: a staked node's broadcast then reports its error
   * (`broadcast:failed`, an error line) and goes through RainTree; an unstaked node gets a `NoRouterError` saying so.
   */
  #outbound (what: string): { routers: Router[], staked?: Router, unstaked?: Router } {
    const routers = this.#startedWiring(what).routers
    const staked = this.isStaked() ? routers.staked : undefined
    const { unstaked } = routers
    if (staked === undefined && unstaked?.isStarted() !== true) throw new NoRouterError(`${what}: ${this.#noRouterReason()}`)
    return { routers: [staked, unstaked].filter(r => r !== undefined), staked, unstaked }
  }

  #noUnstakedReason (): string {
    const r = this.routers.unstaked
    return r === undefined ? 'the background router is disabled' : `its ${r.name} router is still starting (bootstrapping); wait for the router:started event`
  }

  #noRouterReason (): string {
    const starting = this.routers.unstaked
    return starting === undefined
      ? 'this node has no router to use (unstaked, and the background router is disabled)'
      : `this node is unstaked and its ${starting.name} router is still starting (bootstrapping); wait for the router:started event`
  }

  /**
   * Wraps `content` in a `PocketEnvelope` with a fresh nonce and sends it through RainTree (staked nodes) and the
   * background router (every node). Every router is tried; a router that fails is logged and reported with
   * `broadcast:failed`, and when all fail their errors are thrown.
   * @param options - `routers` limits the broadcast to some of the module's routers (e.g. `['staked']` to measure
   * RainTree alone); the broadcast is still this node's own, so the copies handed back are duplicates
   * @throws {NoRouterError} when no router asked for can be used (e.g. `['staked']` on an unstaked node)
   */
  async broadcast (content: Any, options: BroadcastOptions = {}): Promise<void> {
    const only = options.routers
    let { routers, staked, unstaked } = this.#outbound('broadcast')
    if (only !== undefined) {
      routers = only.flatMap(role => {
        const r = role === 'staked' ? staked : role === 'unstaked' ? unstaked : undefined
        if (r === undefined) {
          const why = role === 'staked' ? 'this node is not staked' : role === 'unstaked' ? this.#noUnstakedReason() : `unknown router role ${JSON.stringify(role)} (staked, unstaked)`
          throw new NoRouterError(`broadcast through ${String(role)}: ${why}`)
        }
        return [r]
      })
      if (routers.length === 0) throw new NoRouterError('broadcast: routers is empty: name staked, unstaked or both')
    }
    const nonce = generateNonce()
    const bytes = encodePocketEnvelope(content, nonce)
    this.#inbound.own(nonce, content, this.identity.address, this.#init.deliverOwnBroadcasts === true)
    this.#metrics.broadcast()
    const results = await Promise.allSettled(routers.map(async r => { await r.broadcast(bytes, options) }))
    const failed = results.flatMap((r, i) => r.status === 'rejected' ? [{ router: (routers[i] as Router).name, reason: r.reason as unknown }] : [])
    for (const { router, reason } of failed) this.#log.error('broadcast through %s failed: %s', router, (reason as Error)?.message ?? String(reason))
    if (failed.length === routers.length) {
      const errors = failed.map(f => f.reason as Error)
      throw errors.length === 1 ? errors[0] : new AggregateError(errors, `broadcast failed on every router: ${errors.map(e => e.message).join('; ')}`)
    }
    for (const { router, reason } of failed) {
      this.events.dispatch('broadcast:failed', { router, error: reason instanceof Error ? reason : new Error(String(reason)) })
    }
  }

  /**
   * Sends `content` to one address: through the staked router when this node is staked, falling back to the
   * background router only when the staked router does not know the address (`UnknownPeerError`). Every other
   * error reaches the caller (the reference swallowed them).
   */
  async send (address: Address, content: Any, options: AbortOptions = {}): Promise<void> {
    const { staked, unstaked } = this.#outbound('send')
    const bytes = encodePocketEnvelope(content, generateNonce())
    this.#metrics.send()
    if (staked !== undefined) {
      try {
        await staked.send(bytes, address, options)
        return
      } catch (err) {
        if ((err as Error)?.name !== UnknownPeerError.name || unstaked === undefined) throw err
      }
    }
    if (unstaked === undefined) throw new NoRouterError(`send: ${this.#noRouterReason()}`)
    await unstaked.send(bytes, address, options)
  }

  /**
   * Handles a node event (reference `HandleEvent`): `pocket.ConsensusNewHeightEvent` refreshes the staked set,
   * `pocket.StateMachineTransitionEvent` into `P2P_Bootstrapping` bootstraps when the staked set is empty.
   * @throws {UnknownEventTypeError} for any other type
   */
  async handleEvent (event: Any, options: AbortOptions = {}): Promise<void> {
    const name = anyMessageName(event)
    if (name === NEW_HEIGHT_EVENT) {
      const { height } = decodeMessage(ConsensusNewHeightEventSchema, event.value)
      this.#startedWiring('handleEvent')
      await this.#stakedSet.applyHeight(height, options)
      return
    }
    if (name === STATE_TRANSITION_EVENT) {
      const transition = decodeMessage(StateMachineTransitionEventSchema, event.value)
      if (transition.newState !== P2P_BOOTSTRAPPING_STATE) return
      this.#outbound('handleEvent')
      await this.#stakedSet.bootstrap(options)
      return
    }
    throw new UnknownEventTypeError(event.typeUrl)
  }
}

/** Creates a {@link P2PModule} (not started). */
export function createP2P (init: P2PInit): P2PModule {
  return new P2PModule(init)
}

/** Convenience: `Any` for a message name and bytes, with the `type.googleapis.com/` prefix. */
export function anyOf (messageName: string, value: Uint8Array): Any {
  return create(AnySchema, { typeUrl: `type.googleapis.com/${messageName}`, value })
}
