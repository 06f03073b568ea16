import type { MetricsRegister } from '@libp2p/gossipsub/metrics'

/** Gossip traffic of one node, as counted by {@link gossipTrafficCounter}. */
export interface GossipTraffic {
  /** full messages sent in gossipsub RPCs (every copy to every peer, own publishes and forwards) */
  messagesSent: number
  /** bytes of all gossipsub RPCs sent (messages, control and subscriptions; before noise/yamux framing) */
  rpcBytesSent: number
  /** gossipsub RPCs sent */
  rpcsSent: number
}

const noop = (): void => {}
const silent = { inc: noop, set: noop, addCollect: noop, startTimer: () => noop, observe: noop, reset: noop }

/**
 * A minimal gossipsub metrics register that counts only sent messages and bytes, for benchmarks and the localnet
 * report (injected through `BackgroundInit.metricsRegister`; gossipsub keeps no counters without one). Every other
 * metric is a no-op.
 *
 * @example
 * ```ts
 * const traffic = gossipTrafficCounter()
 * const init = { metricsRegister: traffic.register }
 * // … createNode({ services: backgroundServices(init) }) …
 * traffic.counts.messagesSent
 * ```
 */
export function gossipTrafficCounter (): {
  /** the register to pass as `BackgroundInit.metricsRegister` */
  register: MetricsRegister
  /** the live counts (updated in place) */
  counts: GossipTraffic
} {
  const counts: GossipTraffic = { messagesSent: 0, rpcBytesSent: 0, rpcsSent: 0 }
  const counters: Record<string, keyof GossipTraffic> = {
    gossipsub_rpc_sent_message_total: 'messagesSent',
    gossipsub_rpc_sent_bytes_total: 'rpcBytesSent',
    gossipsub_rpc_sent_count_total: 'rpcsSent'
  }
  const register = {
    gauge: (config: { name: string }) => {
      const key = counters[config.name]
      if (key === undefined) return silent
      return { ...silent, inc: (value = 1) => { counts[key] += value } }
    },
    histogram: () => silent,
    avgMinMax: () => silent
  }
  return { register: register as unknown as MetricsRegister, counts }
}
