import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertLinkedBin, descendants, freePortRange, holdPort, isAlive, killAll, portIsFree, runBin, shellBlock, startBin, startShell } from './helpers.js'

afterEach(killAll)

const README = new URL('../README.md', import.meta.url).pathname

/** The README's "by hand" lines, moved to a temporary directory and free ports. */
async function byHandLines (): Promise<{ lines: string[], dir: string, base: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'pokt-by-hand-'))
  const base = await freePortRange(3)
  const lines = shellBlock(README, '## A 3-process network by hand').map(l => l.replaceAll('/tmp/net', dir).replaceAll('42070', String(base)))
  return { lines, dir, base }
}

describe('the README\'s 3-process network, run exactly as documented', () => {
  it('delivers the broadcast to the other processes once each, naming the router; signals stop every process and free its port', async () => {
    assertLinkedBin()
    const { lines, base } = await byHandLines()
    expect(lines).toHaveLength(4)
    expect(lines.every(l => l.startsWith('node_modules/.bin/pokt-p2p '))).toBe(true)
    const genesis = startShell(lines[0]!)
    expect((await genesis.exit).code).toBe(0)

    // lines 2 and 3 end with "&" (run in the background); each runs here as its own process. Line 4 runs once they
    // have started, as in a terminal: a node registers its RainTree handler only after its background bootstrap,
    // so a broadcast to a node still starting reaches it by gossip alone (and logs the RainTree send as failed)
    const [n2, n3] = [lines[1]!, lines[2]!].map(l => startShell(l.replace(/\s*&$/, ''))) as [ReturnType<typeof startShell>, ReturnType<typeof startShell>]
    const startedLater = await Promise.all([n2, n3].map(async p => await p.event('out', 'started')))
    const n1 = startShell(lines[3]!)
    const procs = [n1, n2, n3]
    const started = [await n1.event('out', 'started'), ...startedLater]
    expect(started.map(s => s.staked)).toEqual([true, true, true])
    await n1.event('out', 'broadcast')

    for (const p of [n2, n3]) await p.event('out', 'received')

    // Ctrl-C for the foreground node, kill (SIGTERM) for the background ones
    const pids = procs.map(p => p.pid)
    n1.child.kill('SIGINT')
    n2.child.kill('SIGTERM')
    n3.child.kill('SIGTERM')
    const exits = await Promise.all(procs.map(async p => await p.exit))
    expect(exits).toEqual([{ code: 130, signal: null }, { code: 143, signal: null }, { code: 143, signal: null }])
    for (const p of procs) expect(p.out.at(-1)).toBe('{"event":"stopped"}')

    // the processes have ended, so every copy that was going to arrive has: each receiver delivered exactly once,
    // naming the router of the first copy; a second copy (gossip or RainTree, whichever came later) is a duplicate
    for (const p of [n2, n3]) {
      const received = p.events('out', 'received')
      expect(received).toHaveLength(1)
      expect(received[0]).toMatchObject({ text: 'hello', typeUrl: 'type.googleapis.com/pocket.DebugMessage' })
      expect(['raintree', 'background']).toContain(received[0]!.router)
      // `from` is the peer the copy came from: the originator for RainTree (with 3 nodes it sends to both others),
      // and for gossip the originator or the other receiver, whichever relayed the first copy
      if (received[0]!.router === 'raintree') expect(received[0]!.from).toBe(started[0]!.address)
      else expect(started.map(s => s.address).filter(a => a !== started[procs.indexOf(p)]!.address)).toContain(received[0]!.from)
      for (const d of p.events('out', 'duplicate')) expect(d.router).not.toBe(received[0]!.router)
    }
    expect(n1.events('out', 'received')).toHaveLength(0)
    expect(n1.events('out', 'duplicate')).toHaveLength(0) // its own gossip echo is not reported as a copy
    // the broadcaster reached both others (its sends had all settled when it printed "broadcast")
    expect(n1.events('err', 'send-failed')).toEqual([])
    expect(pids.filter(isAlive)).toEqual([])
    for (let i = 0; i < 3; i++) expect(await portIsFree(base + i)).toBe(true)
  }, 300_000)

  it('"<node command> &" then "kill $!" stops the node: no process left, the port is free', async () => {
    assertLinkedBin()
    const { lines, base } = await byHandLines()
    expect((await startShell(lines[0]!).exit).code).toBe(0)
    // exactly the README's background line, then `kill $!` once the test says so (a line on stdin)
    const script = startShell(`${lines[1]!}\nchild=$!\necho "pid $child"\nread _\nkill $!\nwait $child\necho "status $?"`, { stdin: 'pipe' })
    await script.event('out', 'started')
    const pid = Number((await script.line('out', l => l.startsWith('pid '))).slice(4))
    const tree = [pid, ...descendants(script.pid)]
    script.child.stdin!.end('\n')
    expect(await script.exit).toEqual({ code: 0, signal: null })
    expect(script.out).toContain('status 143')
    expect(script.out).toContain('{"event":"stopped"}')
    expect(tree.filter(isAlive)).toEqual([])
    expect(await portIsFree(base + 1)).toBe(true)
  }, 300_000)
})

describe('node diagnostics', () => {
  it('a node that can reach no one logs the unreachable peer and each failed send as JSON lines on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pokt-alone-'))
    const base = await freePortRange(2)
    expect((await runBin(['genesis', '--nodes', '2', '--seed', 'alone', '--out', join(dir, 'genesis.json'), '--configs', dir, '--base-port', String(base)])).code).toBe(0)
    // only node 1 runs; node 2's port stays closed
    const n1 = startBin(['node', '--config', join(dir, 'node-1.json'), '--broadcast', 'anyone?', '--broadcast-delay-ms', '0'])
    const started = await n1.event('out', 'started')
    const broadcast = await n1.event('out', 'broadcast')
    await n1.event('err', 'send-failed', r => r.router === 'background')
    n1.child.kill('SIGTERM')
    expect(await n1.exit).toEqual({ code: 143, signal: null })

    const unreachable = n1.events('err', 'unreachable')
    expect(unreachable).toHaveLength(1)
    const other = unreachable[0]!.peer as string
    expect(other).toMatch(/^[0-9a-f]{40}$/)
    expect(other).not.toBe(started.address)
    expect(unreachable[0]).toMatchObject({ router: 'background', reason: expect.stringContaining(`127.0.0.1:${base + 1}`) })
    expect(n1.events('err', 'isolated')).toHaveLength(1)
    expect(n1.events('err', 'send-failed')).toEqual([
      { event: 'send-failed', router: 'raintree', to: other, level: expect.any(Number), error: expect.stringMatching(/^PeerUnreachableError: /) },
      { event: 'send-failed', router: 'background', to: null, error: expect.stringContaining('no peer is subscribed to the gossip topic') }
    ])
    expect(broadcast).toMatchObject({ text: 'anyone?', gossipPeers: 0 })
    expect(n1.events('err', 'stopping')).toEqual([{ event: 'stopping', reason: 'InterruptedError: interrupted by SIGTERM' }])
    // stderr holds nothing but JSON lines
    expect(n1.err.filter(l => !l.startsWith('{'))).toEqual([])
  }, 300_000)

  it('SIGTERM while the start waits for an unreachable peer: stops at once (bootstrap cut short), exit 143, port free', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pokt-starting-'))
    const base = await freePortRange(2)
    expect((await runBin(['genesis', '--nodes', '2', '--seed', 'starting', '--out', join(dir, 'genesis.json'), '--configs', dir, '--base-port', String(base)])).code).toBe(0)
    // node 2 is down: node 1's start goes on dialling it, with backoff, for several seconds
    const n1 = startBin(['node', '--config', join(dir, 'node-1.json')])
    expect(await n1.event('out', 'starting')).toMatchObject({ hostname: '127.0.0.1', port: base })
    n1.child.kill('SIGTERM')
    expect(await n1.exit).toEqual({ code: 143, signal: null })
    expect(n1.out.at(-1)).toBe('{"event":"stopped"}')
    // the bootstrap never finished (it reports unreachable peers only when it does)
    expect(n1.events('err', 'unreachable')).toEqual([])
    expect(n1.events('err', 'stopping')).toEqual([{ event: 'stopping', reason: 'InterruptedError: interrupted by SIGTERM' }])
    expect(await portIsFree(base)).toBe(true)
  }, 120_000)

  it('a port already in use: one line naming the port, exit 1, no stack and no libp2p advice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pokt-busy-'))
    const base = await freePortRange(1)
    expect((await runBin(['genesis', '--nodes', '1', '--out', join(dir, 'genesis.json'), '--configs', dir, '--base-port', String(base)])).code).toBe(0)
    const release = await holdPort(base)
    try {
      const r = await runBin(['node', '--config', join(dir, 'node-1.json')])
      expect(r.code).toBe(1)
      // checked before anything starts: not even the "starting" line
      expect(r.out).toBe('')
      expect(r.err.trim().split('\n')).toEqual([
        `pokt-p2p node: p2p.port of ${join(dir, 'node-1.json')}: port ${base} on 127.0.0.1 is already in use by another process`
      ])
    } finally {
      await release()
    }
  }, 120_000)
})
