import { afterEach, describe, expect, it } from '@jest/globals'
import { descendants, isAlive, killAll, run, runBin, startBin } from './helpers.js'

afterEach(killAll)

/** The figures a simulation measures on the host: the only ones two runs with one seed may disagree on. */
const MEASURED = ['wallMs', 'peakRssBytes', 'bytesPerIdleNode', 'eventsPerSecond']

function withoutMeasured (json: string): Record<string, unknown> {
  const report = JSON.parse(json) as Record<string, unknown>
  for (const key of MEASURED) {
    expect(report).toHaveProperty(key)
    delete report[key]
  }
  return report
}

describe('pokt-p2p simulate', () => {
  it('prints the same JSON for the same seed, another for another seed; dead nodes are not live', async () => {
    const args = ['simulate', '--nodes', '300', '--dead', '0.1', '--latency-ms', '50', '--loss', '0.01', '--json']
    const [a, b, c] = await Promise.all([
      runBin([...args, '--seed', '5']), runBin([...args, '--seed', '5']), runBin([...args, '--seed', '6'])
    ])
    for (const r of [a, b, c]) expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null })
    const ra = withoutMeasured(a.out)
    expect(withoutMeasured(b.out)).toEqual(ra)
    expect(withoutMeasured(c.out)).not.toEqual(ra)
    expect(ra).toMatchObject({ nodes: 300, live: 270, seed: 5, mode: 'complete' })
    expect(ra.liveReached).toBeLessThanOrEqual(270)
    expect(Object.keys(ra.coverageMs as object)).toEqual(['p50', 'p90', 'p99', 'p100'])
    expect(a.err).toMatch(/^simulate: 300 RainTree routers, seed 5$/m)
  }, 120_000)

  it('prints a readable table without --json', async () => {
    const r = await run(['simulate', '--nodes', '27', '--latency-ms', '10'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/27/)
    expect(r.out).toMatch(/reached/i)
  })

  it('--ack on --cleanup on: the clean-up frames are counted as control messages', async () => {
    const r = await run(['simulate', '--nodes', '27', '--latency-ms', '10', '--ack', 'on', '--cleanup', 'on', '--json'])
    expect(r.code).toBe(0)
    const report = JSON.parse(r.out) as { messagesByClass: Record<string, number>, controlMessages: number, options: { cleanup: boolean } }
    expect(report.options.cleanup).toBe(true)
    expect(report.messagesByClass).toEqual({ ack: 26, data: 26, have: 27, igyw: 27 })
    expect(report.controlMessages).toBe(80)
  })

  it('--redundancy 4: the originator sends 4 copies besides the tree (counted apart)', async () => {
    const r = await run(['simulate', '--nodes', '27', '--latency-ms', '10', '--redundancy', '4', '--json'])
    expect(r.code).toBe(0)
    const report = JSON.parse(r.out) as { messagesByClass: Record<string, number>, liveReached: number }
    expect(report.messagesByClass).toEqual({ data: 26, redundancy: 4 })
    expect(report.liveReached).toBe(27)
  })

  it.each([
    [['--redundancy', 'lots'], /--redundancy must be on, off or a number of copies/],
    [['--cleanup', 'maybe'], /--cleanup/],
    [['--dead', '1.5'], /--dead.*\[0, 1\]/],
    [['--loss', 'lots'], /--loss must be a number, got "lots"/],
    [['--view-miss', '3'], /--view-miss must be K:F/],
    [['--originator', '301'], /--originator/],
    [['--latency-ms', '-5'], /--latency-ms/],
    [['--trace'], /--trace needs --json/],
    [['--nodse', '3'], /unknown option --nodse \(did you mean --nodes\?\)/]
  ])('refuses %j with a message naming the flag (exit 2)', async (extra, message) => {
    const r = await run(['simulate', '--nodes', '300', ...extra])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(message)
    expect(r.out).toBe('')
  })

  it('refuses a missing --nodes', async () => {
    const r = await run(['simulate'])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/--nodes is required/)
  })

  it('re-runs node with a larger heap for a large N, and Ctrl-C stops both processes (exit 130)', async () => {
    // a 64 MiB heap is too small for a million routers: the command re-runs itself with a larger one
    const p = startBin(['simulate', '--nodes', '1000000'], { NODE_OPTIONS: '--max-old-space-size=64' })
    await p.line('err', l => /^simulate: re-running node with --max-old-space-size=\d+ --max-semi-space-size=64 --expose-gc$/.test(l), 'the re-run line')
    // the line of the process doing the work: it has started (and installed its signal handlers)
    await p.line('err', l => l.startsWith('simulate: 1,000,000 RainTree routers'), 'the start line of the re-run')
    const children = descendants(p.pid)
    expect(children.length).toBeGreaterThan(0)
    p.child.kill('SIGINT')
    expect(await p.exit).toEqual({ code: 130, signal: null })
    expect(p.err.join('\n')).toMatch(/interrupted by SIGINT/)
    expect(p.out).toEqual([])
    for (const pid of children) expect(isAlive(pid)).toBe(false)
  }, 300_000)
})
