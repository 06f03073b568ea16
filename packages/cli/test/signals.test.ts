import { afterEach, describe, expect, it } from '@jest/globals'
import { isAlive, killAll, portIsFree, startBin, type Proc } from './helpers.js'

afterEach(killAll)

/** The TCP ports a localnet run announced on its "starting" line. */
async function announcedPorts (p: Proc): Promise<number[]> {
  const line = await p.line('err', l => l.startsWith('starting '), 'the "starting" line')
  const m = /ports ([\d ]+)/.exec(line)
  if (m === null) throw new Error(`no ports in ${JSON.stringify(line)}`)
  return m[1]!.trim().split(' ').map(Number)
}

async function expectAllFree (ports: number[]): Promise<void> {
  const busy: number[] = []
  for (const port of ports) if (!(await portIsFree(port))) busy.push(port)
  expect(busy).toEqual([])
}

describe('localnet stops every node on a signal and exits 128 + signal number', () => {
  it('SIGINT (Ctrl-C) during start: exit 130, no broadcast, no error, nothing left running or listening', async () => {
    const p = startBin(['localnet', '--nodes', '8'])
    const ports = await announcedPorts(p)
    expect(ports).toHaveLength(8)
    p.child.kill('SIGINT')
    expect(await p.exit).toEqual({ code: 130, signal: null })
    const err = p.err.join('\n')
    expect(err).toMatch(/stopping 8 nodes \(interrupted by SIGINT\)/)
    expect(err).toMatch(/pokt-p2p localnet: interrupted by SIGINT$/)
    expect(err).not.toMatch(/broadcasting|NotStartedError|Error:/)
    expect(p.out).toEqual([])
    expect(isAlive(p.pid)).toBe(false)
    await expectAllFree(ports)
  }, 300_000)

  it('SIGTERM during the broadcast: exit 143 without a report, nothing left running or listening', async () => {
    // a 60 s quiet period keeps the run in its broadcast phase until the signal arrives
    const p = startBin(['localnet', '--nodes', '8', '--quiet-ms', '60000'])
    const ports = await announcedPorts(p)
    await p.line('err', l => l.startsWith('broadcasting '), 'the "broadcasting" line')
    p.child.kill('SIGTERM')
    expect(await p.exit).toEqual({ code: 143, signal: null })
    const err = p.err.join('\n')
    expect(err).toMatch(/stopping 8 nodes \(interrupted by SIGTERM\)/)
    expect(err).not.toMatch(/NotStartedError|Error:/)
    expect(p.out).toEqual([])
    await expectAllFree(ports)
  }, 300_000)
})

describe('bench stops its network on a signal', () => {
  it('SIGINT (Ctrl-C) between measured runs: exit 130, no table, no error, nothing left running', async () => {
    // many runs keep it measuring until the signal arrives
    const p = startBin(['bench', '--nodes', '6', '--payload-bytes', '1024', '--latency-ms', '0', '--runs', '100', '--transport', 'memory'])
    await p.line('err', l => /^ {2}run 1\/100 raintree/.test(l), 'the first measured run')
    p.child.kill('SIGINT')
    expect(await p.exit).toEqual({ code: 130, signal: null })
    const err = p.err.join('\n')
    expect(err).toMatch(/stopping 6 nodes \(interrupted by SIGINT\)/)
    expect(err).toMatch(/pokt-p2p bench: interrupted by SIGINT$/)
    expect(err).not.toMatch(/NotStartedError|Error:/)
    expect(p.out).toEqual([])
    expect(isAlive(p.pid)).toBe(false)
  }, 300_000)
})
