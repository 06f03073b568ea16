import { chown, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { createPeer } from '@pokt-p2p/types'
import { writeGenesisFile } from '@pokt-p2p/providers'
import { intOption, parseOptions, stringOption, UsageError } from '../args.js'
import type { CommandContext } from '../context.js'
import { localnetIdentities, seededIdentities } from '../keys.js'
import type { NodeFileConfig } from './node.js'
import { composeFiles, kubernetesFiles } from './deploy.js'

export const genesisHelp = `pokt-p2p genesis --nodes N --out FILE [--configs DIR] [--seed S] [--base-port P] [--rpc-base-port R]
pokt-p2p genesis --nodes N (--compose DIR | --k8s DIR) [--unstaked M] [--image IMAGE] [--namespace NS] [--seed S]

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
  --rpc-base-port R  with --configs: node i also serves the RPC API on R+i-1 (default: no RPC)

  Deployments, one 'pokt-p2p node' per container (the image: 'docker build -t pokt-p2p .' at the repository root):
  --compose DIR      write a Docker Compose project to DIR: genesis.json (validators at val-<i>:42069),
                     nodes/val-<i>.json and nodes/full-<j>.json (each node's config with its private key) and
                     compose.yaml (one service per node; metrics on the host at 127.0.0.1:9101, 9102, …).
                     Then: cd DIR && docker compose up
  --k8s DIR          write Kubernetes manifests to DIR/pokt-p2p.yaml: a namespace, the genesis (ConfigMap), the keys
                     (a Secret per role), and per role a headless Service and a StatefulSet (pod k runs key k,
                     Prometheus scrape annotations, probes on /metrics). Then: kubectl apply -f DIR/pokt-p2p.yaml
  --unstaked M       0..1000 unstaked full nodes besides the validators (keys from --seed too; default 0).
                     Keys are numbered in the order they derive from --seed: with --nodes N+1 every other node
                     keeps its name and key
  --image IMAGE      the image of every container (default pokt-p2p:latest)
  --namespace NS     with --k8s: the namespace (default pokt)`

export async function genesis (argv: string[], ctx: CommandContext): Promise<number> {
  const o = parseOptions(argv, {
    nodes: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' }, 'base-port': { type: 'string' },
    configs: { type: 'string' }, 'rpc-base-port': { type: 'string' }, compose: { type: 'string' }, k8s: { type: 'string' },
    unstaked: { type: 'string' }, image: { type: 'string' }, namespace: { type: 'string' }
  }, 'genesis')
  if (o.help === true) { ctx.out(genesisHelp); return 0 }
  if (o.nodes === undefined) throw new UsageError('genesis: --nodes is required')
  const n = intOption('nodes', o.nodes, 0, 1, 1000)
  if (o.compose !== undefined || o.k8s !== undefined) return await deployment(o, n, ctx)
  for (const only of ['unstaked', 'image', 'namespace'] as const) {
    if (o[only] !== undefined) throw new UsageError(`genesis: --${only} needs --compose or --k8s`)
  }
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

/** `genesis --compose DIR` / `--k8s DIR`: the deployment's files (see {@link composeFiles}, {@link kubernetesFiles}). */
async function deployment (o: Record<string, string | boolean | undefined>, n: number, ctx: CommandContext): Promise<number> {
  if (o.compose !== undefined && o.k8s !== undefined) throw new UsageError('genesis: --compose and --k8s are exclusive: write one deployment at a time')
  for (const local of ['out', 'configs', 'base-port', 'rpc-base-port']) {
    if (o[local] !== undefined) throw new UsageError(`genesis: --${local} is for a local network; --compose and --k8s write their own files`)
  }
  const m = intOption('unstaked', o.unstaked, 0, 0, 1000)
  const image = stringOption('image', o.image) ?? 'pokt-p2p:latest'
  if (!IMAGE.test(image)) throw new UsageError(`genesis: --image must be an image reference such as pokt-p2p:latest or registry.example/pokt-p2p:1.0, got ${JSON.stringify(image)}`)
  const seed = stringOption('seed', o.seed) ?? 'pokt'
  // in the order they are derived, not by address: with one more node every other keeps its name (val-i, pod k)
  const validators = seededIdentities(n, seed)
  // a seed of their own: the validators' keys do not change with --unstaked
  const unstaked = seededIdentities(m, `${seed}\0unstaked`)
  // compose mounts the configs from this host: the containers run as their owner, never as root (whoever runs this as
  // root gets files owned by uid 1000, the image's `node` user)
  const uid = process.getuid?.() ?? 1000
  const owner = uid === 0 ? { uid: 1000, gid: 1000, chown: true } : { uid, gid: process.getgid?.() ?? uid, chown: false }
  let files
  let dir
  if (o.k8s !== undefined) {
    const namespace = stringOption('namespace', o.namespace) ?? 'pokt'
    if (!DNS_LABEL.test(namespace)) throw new UsageError(`genesis: --namespace must be a DNS label (a-z, 0-9, '-', at most 63), got ${JSON.stringify(namespace)}`)
    dir = resolve(stringOption('k8s', o.k8s) ?? '')
    files = kubernetesFiles({ validators, unstaked, image, namespace })
  } else {
    if (o.namespace !== undefined) throw new UsageError('genesis: --namespace is for --k8s')
    dir = resolve(stringOption('compose', o.compose) ?? '')
    files = composeFiles({ validators, unstaked, image, user: `${owner.uid}:${owner.gid}` })
  }
  for (const [path, text] of files) {
    const file = join(dir, path)
    await mkdir(dirname(file), { recursive: true })
    // the files hold private keys: readable by their owner only, who is the user the containers run as
    await writeFile(file, text, { mode: 0o600 })
    if (owner.chown) await chown(file, owner.uid, owner.gid)
  }
  ctx.log(`wrote ${n} validators and ${m} unstaked nodes (${files.size} files, private keys among them) to ${dir}`)
  return 0
}

/** A container image reference: [registry/]name[:tag][@digest], lowercase names. */
const IMAGE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/
/** A DNS label (RFC 1123), what Kubernetes namespaces must be. */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
