import { afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { checkTestbedAvailable } from '../src/commands/testbed/network.js'
import type { TestbedReport } from '../src/report.js'
import { BIN, isAlive, killAll, Proc, run, startBin } from './helpers.js'

afterEach(killAll)

describe('testbed options: a bad flag is a usage error naming it (exit 2)', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /--validators is required/],
    [['--validators', '1'], /--validators.*\[2, 250\].*got 1/],
    [['--validators', 'many'], /--validators/],
    [['--validators', '200', '--unstaked', '60'], /--validators 200 and --unstaked 60 make 260 nodes/],
    [['--validators', '4', '--kill', '4'], /--kill.*\[0, 3\].*got 4/],
    [['--validators', '6', '--kill', '3', '--stop', '3'], /--kill 3, --stop 3, --restart 0 and --kill-on-receive 0 pick 6 validators/],
    [['--validators', '6', '--kill', '2', '--kill-on-receive', '4'], /--kill 2, --stop 0, --restart 0 and --kill-on-receive 4 pick 6 validators; at most 5/],
    [['--validators', '4', '--kill-on-receive', '4'], /--kill-on-receive.*\[0, 3\].*got 4/],
    [['--validators', '4', '--kill-on-receive', 'one'], /--kill-on-receive/],
    [['--validators', '4', '--unstaked', '1', '--kill-on-receive', '2', '--partition', '3'], /--partition 3 and the other faults pick 5 nodes/],
    [['--validators', '4', '--cleanup', 'yes'], /--cleanup must be one of on, off, got "yes"/],
    [['--validators', '4', '--ack', 'true'], /--ack must be one of on, off, got "true"/],
    [['--validators', '4', '--cleanup'], /--cleanup needs a value/],
    [['--validators', '4', '--unstaked', '1', '--kill', '2', '--partition', '3'], /--partition 3 and the other faults pick 5 nodes/],
    [['--validators', '4', '--router', 'gossip'], /--router must be one of both, raintree, background, compare, got "gossip"/],
    [['--validators', '4', '--uplink-mbps', '0'], /--uplink-mbps must be a number greater than 0/],
    [['--validators', '4', '--payload-bytes', '5000000'], /--payload-bytes/],
    [['--validators', '4', '--partition-ms', '100'], /--partition-ms needs --partition/],
    [['--validators', '4', '--stop-ms', '100'], /--stop-ms needs --stop/],
    [['--validators', '4', '--timeout-ms', '10'], /--timeout-ms/],
    [['--validators', '4', '--kil', '1'], /unknown option --kil \(did you mean --kill\?\)/],
    [['clean', '--forse'], /testbed clean: unknown option --forse \(did you mean --force\?\)/]
  ]
  for (const [argv, message] of cases) {
    it(`testbed ${argv.join(' ')}`, async () => {
      const r = await run(['testbed', ...argv])
      expect(r.code).toBe(2)
      expect(r.err).toMatch(message)
      expect(r.out).toBe('')
    })
  }

  it('--help describes every option and says latency is not emulated', async () => {
    const r = await run(['testbed', '--help'])
    expect(r.code).toBe(0)
    for (const flag of ['--validators', '--unstaked', '--uplink-mbps', '--payload-bytes', '--broadcasts', '--router', '--interval-ms', '--kill',
      '--stop', '--partition', '--partition-ms', '--restart', '--kill-on-receive', '--ack', '--cleanup', '--seed', '--timeout-ms', '--json', 'clean']) expect(r.out).toContain(flag)
    expect(r.out).toMatch(/Latency is NOT emulated/)
  })
})

/** Why the test bed cannot run here, or null when it can. */
const unavailable = await checkTestbedAvailable().then(() => null, (err: Error) => err.message)
const bedIt = unavailable === null ? it : it.skip

/** Every test bed namespace, link and process on the machine (what a run must leave behind: nothing). */
function leftovers (): { namespaces: string[], links: string[], processes: string[], dirs: string[] } {
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map(l => l.split(' ')[0] ?? '').filter(n => n.startsWith('pokttb'))
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').map(l => l.split(': ')[1]?.split('@')[0] ?? '').filter(n => n.startsWith('pokttb'))
  const processes = execFileSync('ps', ['-A', '-o', 'pid=,args='], { encoding: 'utf8' }).split('\n').filter(l => l.includes(BIN) && l.includes(' node --config ') && l.includes('pokttb'))
  const dirs = readdirSync(tmpdir()).filter(n => n.startsWith('pokttb-'))
  return { namespaces, links, processes, dirs }
}
const NOTHING = { namespaces: [], links: [], processes: [], dirs: [] }

/** Runs `pokt-p2p testbed ARGS --json` to its end: it must exit 0 (else its stderr is shown); its report. */
async function testbedReport (args: string[]): Promise<TestbedReport> {
  const p = startBin(['testbed', ...args, '--json'])
  const exit = await p.exit
  expect({ exit, err: exit.code === 0 ? '' : p.err.join('\n') }).toEqual({ exit: { code: 0, signal: null }, err: '' })
  return JSON.parse(p.out.join('\n')) as TestbedReport
}

describe(unavailable === null ? 'the test bed, for real (root, network namespaces)' : `the test bed, for real: SKIPPED (${unavailable})`, () => {
  // "nothing left" is measured from a clean machine: what an earlier, killed run left is removed first (without
  // --force: a test bed another process is running makes this fail, naming it, rather than breaking that run)
  beforeAll(async () => {
    if (unavailable !== null) return
    const r = await run(['testbed', 'clean'])
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: expect.any(String) })
    expect(leftovers()).toEqual(NOTHING)
  }, 120_000)

  bedIt('a frozen validator (SIGSTOP, SIGCONT) and one restarted with the same key: both live again and reached by later broadcasts', async () => {
    const report = await testbedReport(['--validators', '6', '--unstaked', '1', '--router', 'raintree', '--broadcasts', '3', '--interval-ms', '1500',
      '--stop', '1', '--stop-ms', '1000', '--restart', '1'])
    const kinds = report.faults.map(f => f.kind)
    expect(kinds).toEqual(expect.arrayContaining(['stop', 'cont', 'restart', 'restarted']))
    const stopped = report.faults.find(f => f.kind === 'stop')!.nodes
    const restarted = report.faults.find(f => f.kind === 'restart')!.nodes
    expect(report.faults.find(f => f.kind === 'cont')!.nodes).toEqual(stopped)
    expect(report.faults.find(f => f.kind === 'restarted')!.nodes).toEqual(restarted)
    expect(stopped).toHaveLength(1)
    expect(restarted).toHaveLength(1)
    // neither counts as killed: both are live at the end, the restarted one on its second process
    expect([report.live, report.liveValidators]).toEqual([7, 6])
    const node = (name: string): TestbedReport['nodes'][number] => report.nodes.find(n => n.name === name)!
    expect([node(stopped[0]!).state, node(stopped[0]!).runs]).toEqual(['live', 1])
    expect([node(restarted[0]!).state, node(restarted[0]!).runs]).toEqual(['live', 2])
    // every (broadcast, live validator) pair delivered or named; the last broadcast, after both returned, reached all
    expect(report.accounted).toBe(true)
    for (const b of report.broadcasts) {
      expect(b.raintree!.liveReached + b.raintree!.missing.length).toBe(6)
      for (const name of b.raintree!.missing) expect(b.away).toContain(name)
      // once per process (the restarted node's new process lacks what its old one had, and the clean-up layer, on by
      // default, may repair it: its first delivery, not a second)
      expect(b.deliveredMoreThanOnce).toEqual([])
    }
    const last = report.broadcasts.at(-1)!
    if (last.away.length === 0) expect(last.raintree!.missing).toEqual([])
    expect(leftovers()).toEqual(NOTHING)
  }, 300_000)

  bedIt('6 validators + 2 unstaked: raintree and background alternate, a validator killed and a node cut off mid-stream; every live node reached or named missing; nothing left', async () => {
    const report = await testbedReport(['--validators', '6', '--unstaked', '2', '--router', 'compare', '--broadcasts', '2', '--interval-ms', '600',
      '--kill', '1', '--partition', '1', '--partition-ms', '1500'])
    expect([report.validators, report.unstaked, report.live, report.liveValidators]).toEqual([6, 2, 7, 5])
    expect(report.broadcasts.map(b => b.router)).toEqual(['raintree', 'background', 'raintree', 'background'])
    const kinds = report.faults.map(f => f.kind)
    expect(kinds).toEqual(expect.arrayContaining(['kill', 'partition', 'heal']))
    const killed = report.faults.find(f => f.kind === 'kill')?.nodes ?? []
    const cut = report.faults.find(f => f.kind === 'partition')?.nodes ?? []
    expect(killed).toHaveLength(1)
    expect(cut).toHaveLength(1)
    expect(report.nodes.filter(n => n.state === 'killed').map(n => n.name)).toEqual(killed)
    for (const r of [report.raintree, report.background]) {
      expect(r).not.toBeNull()
      for (const key of ['reached', 'liveReached', 'fullCoverageMs', 'messages', 'bytes', 'originatorUploadBytes'] as const) expect(r).toHaveProperty(key)
    }
    for (const b of report.broadcasts) {
      const x = b.router === 'raintree' ? b.raintree : b.background
      expect(x).not.toBeNull()
      // every live node the router serves got it, or is named: the cut-off node, only while it was away
      const eligible = b.router === 'raintree' ? report.liveValidators : report.live
      expect(x!.liveReached + x!.missing.length).toBe(eligible)
      // RainTree (ACK on) misses only nodes that were away; gossip gives no such promise (a node whose mesh peers
      // were the killed or cut-off ones may miss a message): there, a miss must be named, which the line above checks
      if (b.router === 'raintree') {
        for (const name of x!.missing) expect(b.away).toContain(name)
        expect(b.missing.every(n => cut.includes(n))).toBe(true)
      }
      expect(b.deliveredMoreThanOnce).toEqual([])
      // the killed node is never counted live, nor named missing
      expect(x!.missing).not.toContain(killed[0])
      if (!b.away.includes(cut[0]!)) expect(x!.fullCoverageMs).not.toBeNull()
      // a stream (--interval-ms): the broadcasts overlap, so counters are the stream's, in the summary
      expect([x!.messages, x!.bytes, x!.originatorUploadBytes]).toEqual([null, null, null])
    }
    for (const r of [report.raintree!, report.background!]) {
      expect(r.broadcasts).toBe(2)
      expect(r.messages).toBeGreaterThan(0)
      expect(r.bytes).toBeGreaterThan(0)
      expect(r.originatorUploadBytes).toBeGreaterThan(0)
    }
    // the first broadcast went on while the node was cut off (the faults come with its first copy)
    expect(report.broadcasts[0]!.away).toEqual(expect.arrayContaining([...killed, ...cut]))
    expect(report.accounted).toBe(true)
    expect(report.malformedLines).toBe(0)
    expect(leftovers()).toEqual(NOTHING)
  }, 300_000)

  bedIt('--kill-on-receive 1 with clean-up on: the node killed as it got the first broadcast is named in faults, and every live validator delivers it exactly once', async () => {
    const report = await testbedReport(['--validators', '8', '--router', 'raintree', '--kill-on-receive', '1', '--cleanup', 'on',
      '--payload-bytes', '200000', '--uplink-mbps', '50', '--seed', 'kor'])
    // what the nodes ran: clean-up as asked, ACKs as the router's default left them
    expect(report.raintreeLayers?.cleanup).toBe(true)
    const f = report.faults.filter(x => x.kind === 'kill-on-receive')
    expect(f).toHaveLength(1)
    expect(f[0]).toMatchObject({ during: 'b1' })
    const victim = f[0]!.nodes[0]!
    expect(f[0]!.nodes).toEqual([victim])
    expect(victim).not.toBe('val_1')
    // the victim is killed, not live, never awaited nor named missing
    expect(report.nodes.filter(n => n.state === 'killed').map(n => n.name)).toEqual([victim])
    expect([report.live, report.liveValidators]).toEqual([7, 7])
    const [b] = report.broadcasts
    expect(b!.away).toEqual([victim])
    // it had the broadcast (reached counts it), and every live validator besides val_1 delivered it exactly once
    expect(b!.raintree).toMatchObject({ reached: 8, liveReached: 7, eligibleLive: 7, missing: [] })
    expect([b!.deliveredOnce, b!.deliveredMoreThanOnce, b!.missing, b!.timedOut]).toEqual([6, [], [], false])
    expect(b!.raintree!.fullCoverageMs).not.toBeNull()
    // the clean-up walked: each live holder queried at least once (the counters were read after the walks)
    const cleanup = b!.raintree!.cleanup!
    expect((cleanup.query_sent ?? 0) + (cleanup.query_failed ?? 0)).toBeGreaterThanOrEqual(7)
    expect(report.accounted).toBe(true)
    expect(leftovers()).toEqual(NOTHING)
  }, 120_000)

  bedIt('testbed clean removes what a SIGKILLed run left: namespaces, links, node processes, the configs directory', async () => {
    const p = startBin(['testbed', '--validators', '2', '--broadcasts', '1'])
    await p.line('err', l => l.startsWith('started 2 nodes'), 'the nodes started')
    p.child.kill('SIGKILL')
    await p.exit
    const left = leftovers()
    expect(left.namespaces).toHaveLength(2)
    // the nodes outlive the run that was killed, unless one ended on its own meanwhile (its stdout's reader is gone)
    expect(left.processes.length).toBeLessThanOrEqual(2)
    expect(left.dirs).toHaveLength(1)
    const c = startBin(['testbed', 'clean', '--json'])
    expect((await c.exit).code).toBe(0)
    const removed = JSON.parse(c.out.join('\n')) as { namespaces: string[], links: string[], processes: number, directories: string[] }
    expect(removed.namespaces.sort()).toEqual(left.namespaces.sort())
    // a node may have ended on its own since: at most those seen, and none left
    expect(removed.processes).toBeLessThanOrEqual(left.processes.length)
    expect(removed.directories).toHaveLength(1)
    expect(leftovers()).toEqual(NOTHING)
    // and again: nothing to do
    const again = startBin(['testbed', 'clean'])
    expect((await again.exit).code).toBe(0)
    expect(again.out.join('\n')).toMatch(/removed 0 namespaces, 0 links, 0 processes, 0 temporary directories \(nothing was left\)/)
  }, 300_000)

  bedIt('SIGINT during the broadcasts: exit 130, every node stopped, nothing left', async () => {
    // a long interval keeps the run between its broadcasts until the signal comes
    const p = startBin(['testbed', '--validators', '3', '--broadcasts', '3', '--interval-ms', '600000'])
    await p.line('err', l => /^ {2}b1 both: reached/.test(l), 'the first broadcast measured')
    const pids = leftovers().processes.map(l => Number(l.trim().split(' ')[0]))
    expect(pids).toHaveLength(3)
    p.child.kill('SIGINT')
    expect(await p.exit).toEqual({ code: 130, signal: null })
    expect(p.err.join('\n')).toMatch(/stopping 3 nodes and removing the test bed \(interrupted by SIGINT\)/)
    expect(p.out).toEqual([])
    expect(pids.filter(isAlive)).toEqual([])
    expect(leftovers()).toEqual(NOTHING)
  }, 300_000)

  bedIt('refuses a user that is not root, in one line naming why (exit 1)', async () => {
    // setpriv drops to nobody; the binary must be readable by it (the repository is, on this machine)
    const probe = startBinAs(['--version'])
    // nobody cannot run the binary here (e.g. the repository is not readable by it): nothing to check
    if ((await probe.exit).code !== 0) { process.stderr.write(`non-root refusal not checked: user nobody cannot run the binary:\n${probe.describe()}\n`); return }
    const p = startBinAs(['testbed', '--validators', '2'])
    expect((await p.exit).code).toBe(1)
    expect(p.err).toEqual(['pokt-p2p testbed: TestbedUnavailableError: test bed unavailable: the test bed needs root (network namespaces, veth, tc): run it as root, e.g. sudo'])
    expect(leftovers().namespaces).toEqual([])
  }, 60_000)
})

/** The binary as user nobody (65534), through setpriv. */
function startBinAs (argv: string[]): Proc {
  return new Proc('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, BIN, ...argv])
}
