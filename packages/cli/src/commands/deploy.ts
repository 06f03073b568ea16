import { stringify } from 'yaml'
import { createPeer, type Identity, type Peer } from '@pokt-p2p/types'
import { genesisFromPeers } from '@pokt-p2p/providers'
import type { NodeFileConfig } from './node.js'

/**
 * Deployment files for a network of staked validators and unstaked full nodes, one `pokt-p2p node` per container:
 * a Docker Compose project (`genesis --compose DIR`) or Kubernetes manifests (`genesis --k8s DIR`). Pure: it returns
 * the files (path relative to DIR → text); the command writes them.
 */

/** The P2P port of every node inside its container (each container has its own address, so they can share it). */
export const CONTAINER_P2P_PORT = 42069
/** The metrics port of every node inside its container (`--metrics-port`); the image's healthcheck reads it. */
export const CONTAINER_METRICS_PORT = 9000
/** Where a node's config file is mounted in its container. */
export const CONTAINER_CONFIG_PATH = '/etc/pokt/node.json'
/** Where the genesis file is mounted in every container (node configs name it by this absolute path). */
export const CONTAINER_GENESIS_PATH = '/etc/pokt/genesis.json'
/** Where Kubernetes mounts the nodes' keys (one config file per pod ordinal). */
export const K8S_KEYS_DIR = '/etc/pokt/keys'

/** What the deployment is made of. */
export interface DeploymentInit {
  /** the validators (staked), val_1 first */
  validators: Identity[]
  /** the unstaked full nodes: they read the same genesis, are not in it, and are reached by the background router only */
  unstaked: Identity[]
  /** the container image that runs `pokt-p2p` (its entrypoint is the CLI: `docker build -t IMAGE .` at the repository root) */
  image: string
}

/** Options of {@link composeFiles}. */
export interface ComposeInit extends DeploymentInit {
  /**
   * `uid:gid` the containers run as: the owner of the node configs, which are readable by their owner only (they hold
   * private keys) and are mounted from the host as they are. Never root.
   */
  user: string
}

/** Options of {@link kubernetesFiles}. */
export interface KubernetesInit extends DeploymentInit {
  /** the namespace everything is created in */
  namespace: string
}

/** The files of a deployment: path relative to its directory → contents. */
export type DeploymentFiles = Map<string, string>

/** The node config of one container: listens on every interface, reads the mounted genesis. */
function containerConfig (id: Identity): NodeFileConfig {
  return {
    p2p: { private_key: id.privateKeyHex, hostname: '0.0.0.0', port: CONTAINER_P2P_PORT },
    genesis_file: CONTAINER_GENESIS_PATH
  }
}

/** The arguments of `pokt-p2p` in every container: the node, with its metrics on every interface. */
function nodeArgs (configPath: string): string[] {
  return ['node', '--config', configPath, '--metrics-port', String(CONTAINER_METRICS_PORT), '--metrics-host', '0.0.0.0']
}

const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n'

/** A genesis whose validators are reached at `host(i):42069`. */
function genesisOf (validators: Identity[], host: (i: number) => string): { peers: Peer[], text: string } {
  const peers = validators.map((id, i) => createPeer(id.publicKey, `${host(i)}:${CONTAINER_P2P_PORT}`))
  return { peers, text: json(genesisFromPeers(peers, { height: 1n })) }
}

/**
 * A Docker Compose project: `genesis.json`, `nodes/val-<i>.json` and `nodes/full-<j>.json` (each node's config,
 * with its private key) and `compose.yaml`, one service per node on one network. Validators are reached by their
 * service names (`val-1:42069`); each node's metrics are published on the host at 127.0.0.1:9101, 9102, … (val_1
 * first, then the full nodes) for a Prometheus outside the project.
 */
export function composeFiles (init: ComposeInit): DeploymentFiles {
  const files: DeploymentFiles = new Map()
  const { text } = genesisOf(init.validators, i => `val-${i + 1}`)
  files.set('genesis.json', text)
  const nodes = [
    ...init.validators.map((id, i) => ({ name: `val-${i + 1}`, id })),
    ...init.unstaked.map((id, j) => ({ name: `full-${j + 1}`, id }))
  ]
  const services: Record<string, unknown> = {}
  nodes.forEach(({ name, id }, k) => {
    files.set(`nodes/${name}.json`, json(containerConfig(id)))
    services[name] = {
      image: init.image,
      user: init.user,
      command: nodeArgs(CONTAINER_CONFIG_PATH),
      volumes: [`./genesis.json:${CONTAINER_GENESIS_PATH}:ro`, `./nodes/${name}.json:${CONTAINER_CONFIG_PATH}:ro`],
      ports: [`127.0.0.1:${9101 + k}:${CONTAINER_METRICS_PORT}`],
      networks: ['pokt'],
      restart: 'unless-stopped',
      // the node stops cleanly on SIGTERM (exit 143) within a few seconds
      stop_grace_period: '15s'
    }
  })
  // no top-level `name`: the project is named after its directory (and older Compose schemas refuse the field)
  files.set('compose.yaml', stringify({ services, networks: { pokt: {} } }))
  return files
}

/** The labels that select one role's pods. */
const labelsOf = (role: string): Record<string, string> => ({ 'app.kubernetes.io/name': 'pokt-p2p', 'app.kubernetes.io/component': role })

/**
 * Kubernetes manifests in one file, `pokt-p2p.yaml`: the namespace; the genesis in a ConfigMap; the keys of each
 * role in a Secret (`node-<ordinal>.json`, one node config per pod); per role (`validator`, and `full` when there
 * are unstaked nodes) a headless Service and a StatefulSet whose pod `pokt-<role>-<k>` runs the config of ordinal k,
 * so a pod keeps its identity across restarts and rescheduling. Validators are reached at
 * `pokt-validator-<k>.pokt-validator.<namespace>.svc.cluster.local:42069`. Pods carry Prometheus scrape annotations
 * (port 9000, `/metrics`), readiness and liveness probes on the metrics endpoint, and run as a non-root user.
 */
export function kubernetesFiles (init: KubernetesInit): DeploymentFiles {
  const ns = init.namespace
  const { text } = genesisOf(init.validators, i => `pokt-validator-${i}.pokt-validator.${ns}.svc.cluster.local`)
  const docs: unknown[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pokt-genesis', namespace: ns }, data: { 'genesis.json': text } }
  ]
  const roles = [{ role: 'validator', ids: init.validators }, ...(init.unstaked.length > 0 ? [{ role: 'full', ids: init.unstaked }] : [])]
  for (const { role, ids } of roles) {
    const name = `pokt-${role}`
    const labels = labelsOf(role)
    docs.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-keys`, namespace: ns, labels },
      type: 'Opaque',
      stringData: Object.fromEntries(ids.map((id, k) => [`node-${k}.json`, json(containerConfig(id))]))
    })
    docs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels },
      spec: {
        clusterIP: 'None',
        // peers resolve each other while they start (a node dials the staked set before it is ready)
        publishNotReadyAddresses: true,
        selector: labels,
        ports: [
          { name: 'p2p', port: CONTAINER_P2P_PORT, targetPort: 'p2p' },
          { name: 'metrics', port: CONTAINER_METRICS_PORT, targetPort: 'metrics' }
        ]
      }
    })
    const probe = { httpGet: { path: '/metrics', port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 5 }
    docs.push({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, namespace: ns, labels },
      spec: {
        serviceName: name,
        replicas: ids.length,
        // nodes find each other whatever order they start in: no need to start them one by one
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: labels },
        template: {
          metadata: {
            labels,
            annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(CONTAINER_METRICS_PORT), 'prometheus.io/path': '/metrics' }
          },
          spec: {
            // the node stops cleanly on SIGTERM within a few seconds
            terminationGracePeriodSeconds: 15,
            // uid 1000 is the image's `node` user; fsGroup lets it read the keys (mode 0440)
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
            containers: [{
              name: 'node',
              image: init.image,
              // the pod's ordinal (the end of its name) picks its config, and so its key
              command: ['/bin/sh', '-c', `exec node /app/dist/bin.js ${nodeArgs(`${K8S_KEYS_DIR}/node-\${HOSTNAME##*-}.json`).join(' ')}`],
              ports: [
                { name: 'p2p', containerPort: CONTAINER_P2P_PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: CONTAINER_METRICS_PORT, protocol: 'TCP' }
              ],
              readinessProbe: probe,
              livenessProbe: { ...probe, initialDelaySeconds: 30, failureThreshold: 6 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'genesis', mountPath: CONTAINER_GENESIS_PATH, subPath: 'genesis.json', readOnly: true },
                { name: 'keys', mountPath: K8S_KEYS_DIR, readOnly: true }
              ]
            }],
            volumes: [
              { name: 'genesis', configMap: { name: 'pokt-genesis' } },
              { name: 'keys', secret: { secretName: `${name}-keys`, defaultMode: 0o440 } }
            ]
          }
        }
      }
    })
  }
  return new Map([['pokt-p2p.yaml', docs.map(d => stringify(d)).join('---\n')]])
}
