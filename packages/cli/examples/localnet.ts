import { parseLocalnetOptions, runLocalnet } from '@pokt-p2p/cli'

// four staked nodes in this process over libp2p's in-memory transport, RainTree only: done in about a second
const options = parseLocalnetOptions(['--nodes', '4', '--transport', 'memory', '--background', 'off', '--quiet-ms', '100'])
const report = await runLocalnet(options, {
  out: console.log,
  log: () => {}, // progress lines ("starting 4 nodes …"): stderr in the binary
  interactive: false,
  signal: new AbortController().signal // abort it to stop every node at once
})

// every figure comes from the nodes' own metrics (pokt_raintree_*, pokt_transport_*, pokt_p2p_*)
const { reached, messages, depth } = report.raintree
console.log(`RainTree reached ${reached}/${report.nodes} nodes with ${messages} messages, depth ${depth}`)
for (const node of report.raintree.perNode) {
  console.log(`val_${node.index}: ${node.reads} read, ${node.writes} written, hop ${node.hops}`)
}
console.log(`delivered exactly once on ${report.delivered.exactlyOnce}/${report.nodes - 1} nodes`)
