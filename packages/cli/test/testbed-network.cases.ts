// The test bed's network (contract 2 of issue 16) on the real kernel: namespaces, veth pairs, a bridge, tbf, real TCP
// sockets in node processes started with `ip netns exec`. Needs root; skipped with the reason otherwise.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import { TestbedBusyError, TestbedCommandError, TestbedUnavailableError } from '../src/errors.js'
import { TESTBED_PREFIX, TestbedNetwork, checkTestbedAvailable, cleanTestbed, tbfBurstBytes } from '../src/commands/testbed/network.js'
import { isAlive, killAll, Proc } from './helpers.js'

const DIST = fileURLToPath(new URL('../dist/commands/testbed/network.js', import.meta.url))

const unavailable = await checkTestbedAvailable().then(() => undefined, (err: unknown) => err instanceof TestbedUnavailableError ? err.reason : String(err))
if (unavailable !== undefined) console.log(`testbed-network tests skipped: ${unavailable}`)
const describeRoot = unavailable === undefined ? describe : describe.skip

/** Everything in the root namespace's view named with the prefix: namespaces and links. */
function leftovers (): string[] {
  const ns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map(l => l.split(' ')[0] ?? '')
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').map(l => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
  return [...ns, ...links].filter(n => n.startsWith(TESTBED_PREFIX))
}

/** Resolves once process pid is a zombie (dead, not reaped): looks at /proc/PID/stat until its state is Z. */
async function waitForZombie (pid: number): Promise<void> {
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return
    await new Promise(resolve => setImmediate(resolve))
  }
}

/** The servers the current test started: they run until its end. */
const servers: Proc[] = []

/** A node process in host i's namespace running `script` (CommonJS, `node -e`). */
function nodeIn (net: TestbedNetwork, index: number, script: string): Proc {
  const [cmd, ...args] = net.commandIn(index, [process.execPath, '-e', script])
  return new Proc(cmd as string, args)
}

/** A server (see serverScript) in host i's namespace, once it listens; stopped after the test. */
async function serverIn (net: TestbedNetwork, index: number, host: string, port: number): Promise<Proc> {
  const p = nodeIn(net, index, serverScript(host, port))
  servers.push(p)
  await p.line('out', l => l === 'listening')
  return p
}

/** A TCP server on host:port; prints `listening`, then for every connection's end `{"event":"done","bytes","ms"}` (ms from its first byte). */
function serverScript (host: string, port: number): string {
  return `const net = require('node:net')
net.createServer(c => {
  let bytes = 0, t0
  c.on('data', d => { t0 ??= performance.now(); bytes += d.length })
  c.on('end', () => { console.log(JSON.stringify({ event: 'done', bytes, ms: performance.now() - (t0 ?? performance.now()) })); c.end() })
  c.on('error', () => {})
}).listen(${port}, ${JSON.stringify(host)}, () => console.log('listening'))`
}

/**
 * Connects to host:port with a connect timeout; prints `connected` and exits 0, or `failed <why>` and exits 1.
 * With `retry`, tries again after each failure until it connects (the test's timeout bounds it).
 */
function connectScript (host: string, port: number, timeoutMs: number, retry: boolean): string {
  return `const net = require('node:net')
function attempt () {
  const s = net.connect({ host: ${JSON.stringify(host)}, port: ${port}, timeout: ${timeoutMs} })
  const fail = why => { s.destroy(); console.log('failed ' + why); if (${retry}) attempt(); else process.exitCode = 1 }
  s.on('connect', () => { console.log('connected'); s.destroy() })
  s.on('timeout', () => fail('timeout'))
  s.on('error', e => fail(e.code))
}
attempt()`
}

/** Sends `bytes` bytes to host:port in 64 KiB writes, honouring backpressure, then ends. */
function senderScript (host: string, port: number, bytes: number): string {
  return `const net = require('node:net')
const chunk = Buffer.alloc(65536, 46)
const s = net.connect({ host: ${JSON.stringify(host)}, port: ${port} }, () => {
  let left = ${bytes}
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length); left -= n
      if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) { s.once('drain', pump); return }
    }
    s.end()
  }
  pump()
})
s.on('close', () => console.log('sent'))`
}

describe('TestbedNetwork arguments', () => {
  it('rejects hosts outside 1..250, a bad subnet octet and a non-positive uplink, naming the field', async () => {
    await expect(TestbedNetwork.create({ hosts: 0 })).rejects.toThrow(/hosts must be an integer from 1 to 250, got 0/)
    await expect(TestbedNetwork.create({ hosts: 251 })).rejects.toThrow(/hosts/)
    await expect(TestbedNetwork.create({ hosts: 2, subnetOctet: 256 })).rejects.toThrow(/subnetOctet/)
    await expect(TestbedNetwork.create({ hosts: 2, uplinkMbps: 0 })).rejects.toThrow(/uplinkMbps/)
  })

  it('tbf burst holds a 64 KiB GSO packet at low rates and 10 ms of traffic at high rates', () => {
    expect(tbfBurstBytes(1)).toBeGreaterThanOrEqual(65536)
    expect(tbfBurstBytes(50)).toBeGreaterThanOrEqual(65536)
    expect(tbfBurstBytes(1000)).toBe(1_250_000)
  })
})

describeRoot(unavailable === undefined ? 'TestbedNetwork (root)' : `TestbedNetwork (root) — SKIPPED: ${unavailable}`, () => {
  let net: TestbedNetwork | undefined

  afterEach(async () => {
    for (const p of servers.splice(0)) {
      p.child.kill('SIGKILL')
      await p.exit
    }
    // anything else still running here is reported: the test failed or timed out
    await killAll()
    await net?.destroy()
    net = undefined
  })

  afterAll(async () => {
    await cleanTestbed()
    expect(leftovers()).toEqual([])
  })

  it('makes a bridge with the root address, one namespace per host with lo and eth0 up and its address; destroy removes all, twice', async () => {
    const progress: number[] = []
    net = await TestbedNetwork.create({ hosts: 3, subnetOctet: 214 }, { onProgress: done => progress.push(done) })
    expect(progress).toEqual([1, 2, 3])
    expect(net.bridgeAddress).toBe('10.214.0.1')
    expect(net.hosts).toEqual([0, 1, 2].map(i => ({ index: i, namespace: `pokttb-${i}`, address: `10.214.0.${i + 2}`, hostLink: `pokttbh${i}` })))
    expect(net.commandIn(2, ['true'])).toEqual(['ip', 'netns', 'exec', 'pokttb-2', 'true'])
    expect(execFileSync('ip', ['-o', '-4', 'addr', 'show', 'dev', 'pokttbbr'], { encoding: 'utf8' })).toMatch(/inet 10\.214\.0\.1\/24/)
    for (const h of net.hosts) {
      const links = execFileSync('ip', ['-n', h.namespace, '-o', 'link', 'show'], { encoding: 'utf8' })
      expect(links).toMatch(/^\d+: lo: <[^>]*\bUP\b/m)
      expect(links).toMatch(/^\d+: eth0@\w+: <[^>]*\bUP\b[^>]*\bLOWER_UP\b/m)
      expect(execFileSync('ip', ['-n', h.namespace, '-o', '-4', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' })).toContain(`inet ${h.address}/24`)
      expect(execFileSync('ip', ['-o', 'link', 'show', h.hostLink], { encoding: 'utf8' })).toMatch(/master pokttbbr/)
    }
    // the root namespace reaches a host through the bridge (how the test bed reads /metrics)
    await serverIn(net, 2, '10.214.0.4', 7001)
    await new Promise<void>((resolve, reject) => {
      const s = createConnection({ host: '10.214.0.4', port: 7001 }, () => { s.end(); resolve() })
      s.on('error', reject)
    })
    // a process left in a namespace is killed by destroy
    const sleeper = nodeIn(net, 0, 'setInterval(() => {}, 1e9); console.log("up")')
    await sleeper.line('out', l => l === 'up')
    await net.destroy()
    expect(await sleeper.exit).toEqual({ code: null, signal: 'SIGKILL' })
    expect(leftovers()).toEqual([])
    await net.destroy()
    expect(leftovers()).toEqual([])
    // a command on something gone is a typed error naming the command and the system's message
    const err = await net.partition(1).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TestbedCommandError)
    expect((err as TestbedCommandError).argv).toEqual(['ip', 'link', 'set', 'pokttbh1', 'down'])
    expect((err as TestbedCommandError).stderr).toMatch(/Cannot find device "pokttbh1"/)
  }, 30_000)

  it('limits each uplink with tbf: a TCP transfer between two hosts runs at 50 Mbit/s ± 20 %', async () => {
    const mbps = 50
    net = await TestbedNetwork.create({ hosts: 2, uplinkMbps: mbps })
    const [a, b] = net.hosts as [typeof net.hosts[0], typeof net.hosts[0]]
    const receiver = await serverIn(net, 1, b.address, 7002)
    // 2.5 s at the limit: long enough that the first burst (64 KiB) and start-up are ~1 % of it
    const bytes = Math.round(mbps * 1e6 / 8 * 2.5)
    const sender = nodeIn(net, 0, senderScript(b.address, 7002, bytes))
    const done = await receiver.event('out', 'done')
    await sender.line('out', l => l === 'sent')
    expect(await sender.exit).toEqual({ code: 0, signal: null })
    expect(done.bytes).toBe(bytes)
    const achieved = (done.bytes as number) * 8 / ((done.ms as number) / 1000) / 1e6
    console.log(`tbf ${mbps} Mbit/s from ${a.namespace} to ${b.namespace}: ${achieved.toFixed(1)} Mbit/s over ${((done.ms as number) / 1000).toFixed(2)} s`)
    expect(achieved).toBeGreaterThan(mbps * 0.8)
    expect(achieved).toBeLessThan(mbps * 1.2)
    expect(execFileSync('tc', ['-n', 'pokttb-0', 'qdisc', 'show', 'dev', 'eth0'], { encoding: 'utf8' })).toMatch(/tbf .*rate 50Mbit/)
  }, 30_000)

  it('partition cuts a host off (a TCP connect to it fails) and heal brings it back (it succeeds again)', async () => {
    net = await TestbedNetwork.create({ hosts: 2 })
    const target = net.hosts[1]!.address
    await serverIn(net, 1, target, 7003)
    // reachable before
    const before = nodeIn(net, 0, connectScript(target, 7003, 5000, false))
    expect(await before.exit).toEqual({ code: 0, signal: null })
    await net.partition(1)
    await net.partition(1) // idempotent
    const during = nodeIn(net, 0, connectScript(target, 7003, 1500, false))
    expect(await during.exit).toEqual({ code: 1, signal: null })
    expect(during.out.join('\n')).toMatch(/^failed /)
    await net.heal(1)
    await net.heal(1)
    const after = nodeIn(net, 0, connectScript(target, 7003, 1500, true))
    await after.line('out', l => l === 'connected')
    expect(await after.exit).toEqual({ code: 0, signal: null })
  }, 30_000)

  it('aborted half-way, create removes what it made before rethrowing', async () => {
    const ac = new AbortController()
    const err = await TestbedNetwork.create({ hosts: 4, uplinkMbps: 10 }, { signal: ac.signal, onProgress: done => { if (done === 1) ac.abort(new Error('stop here')) } }).catch((e: unknown) => e)
    expect(err).toEqual(new Error('stop here'))
    expect(leftovers()).toEqual([])
  }, 30_000)

  it('while another process runs a test bed, create and cleanTestbed refuse (TestbedBusyError) and leave it alone; once that process is SIGKILLed, cleanTestbed removes what it left: namespaces, links, the processes in them', async () => {
    const script = `import { spawn } from 'node:child_process'
const { TestbedNetwork } = await import(${JSON.stringify(DIST)})
const net = await TestbedNetwork.create({ hosts: 3, uplinkMbps: 10 })
const [cmd, ...args] = net.commandIn(1, [process.execPath, '-e', 'console.log("in"); setInterval(() => {}, 1e9)'])
const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'], detached: true })
c.stdout.once('data', () => console.log(JSON.stringify({ event: 'created', pid: c.pid, owner: process.pid })))`
    // the run's parent is \`sleep\`, which never reaps it: once SIGKILLed it stays a zombie, as a run just killed by a
    // parent that has not yet waited for it does; its lock must count as a leftover all the same
    const run = new Proc('sh', ['-c', '"$NODE" --input-type=module -e "$SCRIPT" & exec sleep 1000'], { env: { ...process.env, NODE: process.execPath, SCRIPT: script } })
    const created = await run.event('out', 'created')
    const all = ['pokttb-0', 'pokttb-1', 'pokttb-2', 'pokttbbr', 'pokttbh0', 'pokttbh1', 'pokttbh2']
    const busy = await TestbedNetwork.create({ hosts: 1 }).catch((e: unknown) => e)
    expect(busy).toBeInstanceOf(TestbedBusyError)
    const owner = created.owner as number
    expect((busy as TestbedBusyError).pid).toBe(owner)
    await expect(cleanTestbed()).rejects.toThrow(`another test bed is running on this machine (process ${owner}`)
    expect(leftovers().sort()).toEqual(all)
    process.kill(owner, 'SIGKILL')
    await waitForZombie(owner)
    const pid = created.pid as number
    expect(isAlive(pid)).toBe(true)
    expect(leftovers().sort()).toEqual(all)

    const removed = await cleanTestbed()
    expect(removed.namespaces.sort()).toEqual(['pokttb-0', 'pokttb-1', 'pokttb-2'])
    expect(removed.links.sort()).toEqual(['pokttbbr', 'pokttbh0', 'pokttbh1', 'pokttbh2'])
    expect(removed.processes).toBe(1)
    expect(isAlive(pid)).toBe(false)
    expect(leftovers()).toEqual([])
    expect(await cleanTestbed()).toEqual({ namespaces: [], links: [], processes: 0 })
    run.child.kill('SIGKILL')
    expect(await run.exit).toEqual({ code: null, signal: 'SIGKILL' })
  }, 30_000)

  it('checkTestbedAvailable: resolves as root; otherwise says why: not root, no `ip`, namespaces refused', async () => {
    await expect(checkTestbedAvailable()).resolves.toBeUndefined()
    const script = `const m = await import(${JSON.stringify(DIST)})
try { await m.checkTestbedAvailable(); console.log('available') } catch (e) { console.log(JSON.stringify({ event: 'error', name: e.name, message: e.message })) }`
    const check = async (argv: string[], env?: NodeJS.ProcessEnv): Promise<Record<string, unknown>> => {
      const p = new Proc(argv[0] as string, [...argv.slice(1), process.execPath, '--input-type=module', '-e', script], { env })
      const e = await p.event('out', 'error')
      expect(await p.exit).toEqual({ code: 0, signal: null })
      return e
    }
    // as user nobody: only where nobody can read the built module (a clone under a 0700 directory, e.g. mktemp -d, is
    // not readable by it; then this case is not checked, and says so)
    const readable = new Proc('runuser', ['-u', 'nobody', '--', process.execPath, '--input-type=module', '-e', `await import(${JSON.stringify(DIST)})`])
    if ((await readable.exit).code === 0) {
      expect(await check(['runuser', '-u', 'nobody', '--'])).toEqual({
        event: 'error', name: 'TestbedUnavailableError', message: 'test bed unavailable: the test bed needs root (network namespaces, veth, tc): run it as root, e.g. sudo'
      })
    } else {
      process.stderr.write(`checkTestbedAvailable as a non-root user not checked: user nobody cannot read ${DIST}\n`)
    }
    // root, but no iproute2 on the PATH
    const noIp = await check(['env', 'PATH=/nonexistent'], { ...process.env, PATH: '/usr/bin:/bin' })
    expect(noIp.message).toMatch(/^test bed unavailable: the `ip` command \(iproute2\) cannot be run: ip not found .*ENOENT/)
    // uid 0 in a user namespace: `ip` runs, but mounting /run/netns is refused
    const refused = await check(['unshare', '-U', '-r'])
    expect(refused.message).toMatch(/^test bed unavailable: network namespaces cannot be created \(`ip netns add`\): .*Operation not permitted/)
    expect(leftovers()).toEqual([])
  }, 30_000)
})
