import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { createPeer } from '@pokt-p2p/types'
import { writeGenesisFile } from '@pokt-p2p/providers'
import { intOption, parseOptions, stringOption, UsageError } from '../args.js'
import type { CommandContext } from '../context.js'
import { localnetIdentities } from '../keys.js'
import type { NodeFileConfig } from './node.js'

export const genesisHelp = `pokt-p2p genesis --nodes N --out FILE [--seed S] [--base-port P] [--configs DIR]

  Writes a genesis file of N validators with service URLs 127.0.0.1:P..P+N-1 (val_i is the i-th smallest
  address), and with --configs one node config per validator (node-1.json …) for 'pokt-p2p node --config'.
  --nodes N       1..1000
  --seed S        key seed (default "pokt")
  --base-port P   first port (default 42069)
  --rpc-base-port R  with --configs: node i also serves the RPC API on R+i-1 (default: no RPC)`

export async function genesis (argv: string[], ctx: CommandContext): Promise<number> {
  const o = parseOptions(argv, {
    nodes: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, 'base-port': { type: 'string' },
    configs: { type: 'string' }, 'rpc-base-port': { type: 'string' }
  }, 'genesis')
  if (o.help === true) { ctx.out(genesisHelp); return 0 }
  if (o.nodes === undefined) throw new UsageError('genesis: --nodes is required')
  const n = intOption('nodes', o.nodes, 0, 1, 1000)
  const out = stringOption('out', o.out)
  if (out === undefined) throw new UsageError('genesis: --out is required')
  const basePort = intOption('base-port', o['base-port'], 42069, 1, 65535)
  if (basePort + n - 1 > 65535) throw new UsageError(`--base-port ${basePort} leaves no room for ${n} ports`)
  const rpcBase = o['rpc-base-port'] === undefined ? undefined : intOption('rpc-base-port', o['rpc-base-port'], 0, 1, 65535 - n + 1)
  const ids = localnetIdentities(n, stringOption('seed', o.seed) ?? 'pokt')
  const peers = ids.map((id, i) => createPeer(id.publicKey, `127.0.0.1:${basePort + i}`))
  const outPath = resolve(out)
  await mkdir(dirname(outPath), { recursive: true })
  await writeGenesisFile(outPath, peers, { height: 1n })
  ctx.log(`wrote ${n} validators to ${outPath}`)
  const configs = stringOption('configs', o.configs)
  if (configs !== undefined) {
    const dir = resolve(configs)
    await mkdir(dir, { recursive: true })
    for (const [i, id] of ids.entries()) {
      const config: NodeFileConfig = {
        p2p: { private_key: id.privateKeyHex, hostname: '127.0.0.1', port: basePort + i, allow_loopback: true },
        genesis_file: relative(dir, outPath),
        ...(rpcBase === undefined ? {} : { rpc: { hostname: '127.0.0.1', port: rpcBase + i } })
      }
      await writeFile(join(dir, `node-${i + 1}.json`), JSON.stringify(config, null, 2) + '\n')
    }
    ctx.log(`wrote ${n} node configs to ${dir}`)
  }
  return 0
}
