import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { createPeer } from '@pokt-p2p/types'
import { writeGenesisFile } from '@pokt-p2p/providers'
import { intOption, parseOptions, stringOption, UsageError } from '../args.js'
import type { CommandContext } from '../context.js'
import { localnetIdentities } from '../keys.js'
import type { NodeFileConfig } from './node.js'

export const genesisHelp = `pokt-p2p genesis --nodes N --out FILE [--configs DIR] [--seed S] [--base-port P] [--rpc-base-port R]

  Creates the validators of a local multi-process network: N keys derived from --seed (val_i is the i-th smallest
  address), each staked with the service URL 127.0.0.1:P+i-1.
  --nodes N          1..1000
  --out FILE         where to write the genesis file: every validator's address, public key and service URL
                     (no private keys). Every node of the network reads it ("genesis_file" in a node config).
  --configs DIR      also write DIR/node-1.json … DIR/node-N.json, one 'pokt-p2p node --config' file per validator,
                     holding its private key, its port and the path of the genesis file. Without --configs no
                     private key is written anywhere: run the same command again with --configs (same --nodes and
                     --seed give the same keys) before starting nodes.
  --seed S           key seed (default "pokt"); anyone with the seed can derive the keys: for local networks only
  --base-port P      port of val_1 (default 42069)
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
  const seed = stringOption('seed', o.seed) ?? 'pokt'
  const ids = localnetIdentities(n, seed)
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
    ctx.log(`wrote ${n} node configs (with the validators' private keys) to ${dir}: node-1.json … node-${n}.json`)
  } else {
    ctx.log(`the validators' private keys are not written: they derive from --seed ${JSON.stringify(seed)}. ` +
      `To write one node config (with its key) per validator, run: pokt-p2p genesis --nodes ${n} --seed ${JSON.stringify(seed)} ` +
      `--out ${outPath} --base-port ${basePort} --configs DIR`)
  }
  return 0
}
