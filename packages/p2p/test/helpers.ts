import { MemoryMetrics, createPeer, type Identity, type Peer } from '@pokt-p2p/types'
import { staticProviders, type StaticProviders } from '@pokt-p2p/providers'
import { testIdentities, waitFor } from '@pokt-p2p/testing'
import { createP2P, type P2PInit, type P2PModule } from '../src/index.js'

export interface TestNetwork {
  modules: P2PModule[]
  /** each module's metrics registry (the one its node records into), by module index */
  metrics: MemoryMetrics[]
  ids: Identity[]
  peers: Peer[]
  providers: StaticProviders
  stop: () => Promise<void>
}

/**
 * `staked + unstaked` modules on the libp2p memory transport, identities `testIdentities(staked + unstaked)`; the
 * first `staked` identities are the staked set. `overrides(i)` adds init options per module.
 */
export async function memoryNetwork (staked: number, unstaked = 0, overrides: (i: number) => Partial<P2PInit> = () => ({})): Promise<TestNetwork> {
  const ids = testIdentities(staked + unstaked)
  const peers = ids.map(id => createPeer(id.publicKey, ''))
  const stakedSet = new Set(ids.slice(0, staked).map(id => id.address))
  const providers = staticProviders({ height: 1n, staked: peers.filter(p => stakedSet.has(p.address)) })()
  const metrics = ids.map(() => new MemoryMetrics())
  // every participant (staked or not) bootstraps its background router from the staked set
  const modules = ids.map((id, i) => createP2P({
    config: { private_key: id.privateKeyHex, connection_type: 'memory', allow_loopback: true },
    currentHeightProvider: providers,
    peerstoreProvider: providers,
    background: { heartbeatIntervalMs: 100 },
    metrics: () => metrics[i] as MemoryMetrics,
    ...overrides(i)
  }))
  await Promise.all(modules.map(async m => { await m.start() }))
  // start() returns before the background router's bootstrap settles: tests begin once it has
  await waitFor(() => modules.every(m => m.routers.unstaked?.isStarted() !== false), { what: 'every background router to finish its bootstrap' })
  return {
    modules,
    metrics,
    ids,
    peers,
    providers,
    stop: async () => { await Promise.all(modules.map(async m => { await m.stop() })) }
  }
}

/**
 * Waits until gossip can flow: every module's background router sees at least `min` peers subscribed to the topic
 * (so its own publishes go somewhere) and has a gossipsub mesh (which forwards what others publish). Not that each
 * sees every peer subscribed: on a loaded machine a peer's subscription can stay unseen for a long time while the
 * mesh still carries everything.
 */
export async function meshReady (modules: P2PModule[], min = 1, timeoutMs = 60_000): Promise<void> {
  const state = (m: P2PModule): { topic: number, mesh: number, connected: number } => {
    const bg = m.routers.unstaked as unknown as { topicPeerCount?: () => number, meshPeerCount?: () => number } | undefined
    return { topic: bg?.topicPeerCount?.() ?? 0, mesh: bg?.meshPeerCount?.() ?? 0, connected: m.node?.getPeers().length ?? 0 }
  }
  await waitFor(() => modules.every(m => {
    const { topic, mesh } = state(m)
    return topic >= min && mesh >= 1
  }), { timeoutMs, what: () => `gossipsub topic peers and meshes (${modules.map(m => JSON.stringify(state(m))).join(', ')})` })
}
