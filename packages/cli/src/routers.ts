// What the commands need from routers, as interfaces: no command depends on a concrete router class.
import { signalWithTimeout, type BootstrapFailure, type Router } from '@pokt-p2p/types'
import type { RainTreeInit } from '@pokt-p2p/raintree'

/** `detail` of a gossip router's `gossip:peers` event: how many peers it has on its topic, and in its mesh. */
export interface GossipPeers {
  /** peers subscribed to the topic */
  topicPeers: number
  /** peers in this node's gossipsub mesh for the topic */
  meshPeers: number
}

/**
 * What localnet needs from a gossip router to wait for its mesh (the background router has it): the current
 * counts, and an event whenever they change. Any router with these members qualifies ({@link isGossipRouter}).
 */
export interface GossipRouter extends Router {
  /** peers subscribed to the gossip topic now */
  topicPeerCount: () => number
  /** peers in the gossipsub mesh of the topic now */
  meshPeerCount: () => number
  /** the router's events, among them `gossip:peers` whenever the counts change */
  readonly events: Router['events'] & {
    /** calls `listener` on each `gossip:peers` event until `signal` aborts */
    on: (type: 'gossip:peers', listener: (detail: GossipPeers) => void, options?: { signal?: AbortSignal }) => () => void
    /** the next `gossip:peers` event that satisfies `filter` */
    once: (type: 'gossip:peers', options?: { signal?: AbortSignal, filter?: (detail: GossipPeers) => boolean }) => Promise<GossipPeers>
  }
}

/**
 * Waits until `router` sees at least `want` peers on its topic; false when `maxMs` passed first. Rejects with the
 * signal's reason when `signal` aborts.
 */
export async function waitForTopicPeers (router: GossipRouter, want: number, maxMs: number, signal: AbortSignal): Promise<boolean> {
  if (router.topicPeerCount() >= want) return true
  try {
    await router.events.once('gossip:peers', { signal: signalWithTimeout(signal, maxMs), filter: d => d.topicPeers >= want })
    return true
  } catch (err) {
    signal.throwIfAborted()
    if ((err as Error)?.name === 'TimeoutError') return false
    throw err
  }
}

/** Whether `router` reports its gossip peers ({@link GossipRouter}). */
export function isGossipRouter (router: Router | undefined): router is GossipRouter {
  const r = router as Partial<GossipRouter> | undefined
  return typeof r?.topicPeerCount === 'function' && typeof r.meshPeerCount === 'function'
}

/** What a router that dials initial peers at start reports when that bootstrap ends (the background router does). */
export interface BootstrapOutcome {
  /** the peers it could not dial, and why */
  failed: BootstrapFailure[]
  /** true when it could dial none of them (`bootstrap:failed`); the router keeps trying */
  isolated: boolean
}

/**
 * Calls `listener` when `router` reports the end of its bootstrap (`bootstrap:succeeded` or `bootstrap:failed`
 * events with a `failed` list). A router without a bootstrap never fires them: nothing happens. Listens on the
 * events as the `EventTarget` every router's events are, checking each event's shape rather than trusting a type.
 */
export function onBootstrap (router: Router, listener: (outcome: BootstrapOutcome) => void, options: { signal?: AbortSignal } = {}): void {
  const target: EventTarget = router.events
  for (const [type, isolated] of [['bootstrap:succeeded', false], ['bootstrap:failed', true]] as const) {
    target.addEventListener(type, event => {
      const detail: { failed?: unknown } | null | undefined = event instanceof CustomEvent ? event.detail : undefined
      const failed = detail?.failed
      if (Array.isArray(failed)) listener({ failed: failed.filter(isBootstrapFailure), isolated })
    }, { signal: options.signal })
  }
}

function isBootstrapFailure (f: unknown): f is BootstrapFailure {
  const x = f as Partial<BootstrapFailure> | null
  return typeof x?.target === 'string' && typeof x.attempts === 'number' && x.error instanceof Error
}

/**
 * RainTree's layer switches (`--ack`, `--cleanup`) as a router init: only those given, so that an absent one leaves
 * the router's own default (which may change) in effect.
 */
export function rainTreeLayers (ack: boolean | undefined, cleanup: boolean | undefined): Pick<RainTreeInit, 'ack' | 'cleanup'> {
  return { ...(ack === undefined ? {} : { ack }), ...(cleanup === undefined ? {} : { cleanup }) }
}
