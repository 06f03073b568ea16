import { describe, expect, it } from '@jest/globals'
import { InvalidConfigError, StakedSet } from '@pokt-p2p/types'
import { Engine, SimulatedNetwork, resolveOptions, simulate, syntheticPeers, type SimulationOptions } from '../src/index.js'

/** The error `simulate` rejects with for `options`, as (name, field, message). */
async function errorOf (options: unknown): Promise<{ name: string, field: string, message: string }> {
  const err = await simulate(options as SimulationOptions).then(() => undefined, (e: unknown) => e)
  if (!(err instanceof InvalidConfigError)) throw new Error(`expected an InvalidConfigError, got ${String(err)}`)
  return { name: err.name, field: err.field, message: err.message }
}

describe('bad options are refused with an InvalidConfigError naming the option', () => {
  it.each([
    [{}, 'nodes', 'must be an integer in [1, 16777216], got undefined'],
    [{ nodes: 0 }, 'nodes', 'got 0'],
    [{ nodes: 2.5 }, 'nodes', 'got 2.5'],
    [{ nodes: '10' }, 'nodes', 'got "10"'],
    [{ nodes: 20_000_000 }, 'nodes', 'in [1, 16777216]'],
    [{ nodes: 10, originator: 10 }, 'originator', 'in [0, 9], got 10'],
    [{ nodes: 10, mode: 'fast' }, 'mode', 'must be complete or reference, got "fast"'],
    [{ nodes: 10, seed: -1 }, 'seed', 'in [0, 4294967295]'],
    [{ nodes: 10, payloadBytes: -1 }, 'payloadBytes', 'got -1'],
    [{ nodes: 10, latency: -5 }, 'latency', 'must be a finite number >= 0, got -5'],
    [{ nodes: 10, latency: Number.POSITIVE_INFINITY }, 'latency', 'got Infinity'],
    [{ nodes: 10, latency: 'fast' }, 'latency', 'must be a number of ms or a latency model'],
    [{ nodes: 10, latency: { kind: 'gaussian' } }, 'latency.kind', "must be 'fixed', 'uniform' or 'regions', got \"gaussian\""],
    [{ nodes: 10, latency: { kind: 'fixed' } }, 'latency.ms', 'got undefined'],
    [{ nodes: 10, latency: { kind: 'uniform', minMs: 50, maxMs: 10 } }, 'latency.maxMs', 'must be a finite number >= 50, got 10'],
    [{ nodes: 10, latency: { kind: 'regions', regions: [], matrixMs: [] } }, 'latency.regions', 'a list of 1 to 255 regions'],
    [{ nodes: 10, latency: { kind: 'regions', regions: [{ name: 'a' }], matrixMs: [[1, 2]] } }, 'latency.matrixMs[0]', 'a row of 1 latencies'],
    [{ nodes: 10, latency: { kind: 'regions', regions: [{ name: 'a' }, { name: 'b' }], matrixMs: [[1, 2]] } }, 'latency.matrixMs', 'a 2×2 matrix'],
    [{ nodes: 10, latency: { kind: 'regions', regions: [{ name: 'a', weight: 0 }], matrixMs: [[1]] } }, 'latency.regions', 'at least one weight must be > 0'],
    [{ nodes: 10, latency: { kind: 'regions', regions: [{ name: 'a', weight: -1 }], matrixMs: [[1]] } }, 'latency.regions[0].weight', 'got -1'],
    [{ nodes: 10, latency: { kind: 'regions', regions: [{ weight: 1 }], matrixMs: [[1]] } }, 'latency.regions[0]', 'must be { name: string'],
    [{ nodes: 10, latency: { kind: 'regions', regions: [{ name: 'a' }], matrixMs: [[-1]] } }, 'latency.matrixMs[0][0]', 'got -1'],
    [{ nodes: 10, bandwidthMbps: 0 }, 'bandwidthMbps', 'must be a bandwidth in Mbit/s > 0 (or null for unlimited), got 0'],
    [{ nodes: 10, uploadMbps: -1 }, 'uploadMbps', 'got -1'],
    [{ nodes: 10, downloadMbps: Number.NaN }, 'downloadMbps', 'got NaN'],
    [{ nodes: 10, loss: 1.5 }, 'loss', 'must be a fraction in [0, 1], got 1.5'],
    [{ nodes: 10, loss: Number.NaN }, 'loss', 'got NaN'],
    [{ nodes: 10, dead: -0.1 }, 'dead', 'must be a fraction in [0, 1], got -0.1'],
    [{ nodes: 10, dead: [3, 0] }, 'dead', 'the originator (0) cannot be dead'],
    [{ nodes: 10, dead: [3, 10] }, 'dead[1]', 'in [0, 9], got 10'],
    [{ nodes: 10, dead: 'half' }, 'dead', 'a fraction in [0, 1] or a list of node indices'],
    [{ nodes: 10, crashes: [{ node: 0, atMs: 5 }] }, 'crashes[0].node', 'the originator (0) cannot crash'],
    [{ nodes: 10, crashes: [{ node: 3, atMs: -5 }] }, 'crashes[0].atMs', 'got -5'],
    [{ nodes: 10, crashes: [null] }, 'crashes[0]', 'must be { node, atMs }'],
    [{ nodes: 10, crashes: {} }, 'crashes', 'must be a list of { node, atMs }'],
    [{ nodes: 10, crashAfterReceive: 2 }, 'crashAfterReceive', 'a fraction in [0, 1], got 2'],
    [{ nodes: 10, viewMiss: { peers: 10, fraction: 0.5 } }, 'viewMiss.peers', 'in [0, 9], got 10'],
    [{ nodes: 10, viewMiss: { peers: 1, fraction: 1.5 } }, 'viewMiss.fraction', 'got 1.5'],
    [{ nodes: 10, viewMiss: '3:0.05' }, 'viewMiss', 'must be { peers, fraction } or null'],
    [{ nodes: 10, viewExtra: { peers: 11, fraction: 0.5 } }, 'viewExtra.peers', 'in [0, 10], got 11'],
    [{ nodes: 10, untilMs: -1 }, 'untilMs', 'got -1'],
    [{ nodes: 10, trace: 'yes' }, 'trace', 'must be true or false, got "yes"'],
    [{ nodes: 10, redundancy: 'yes' }, 'redundancy', 'must be a boolean or { maxCopies? }, got yes'],
    [{ nodes: 10, redundancy: { maxCopies: -1 } }, 'redundancy.maxCopies', 'must be an integer >= 0, got -1'],
    [{ nodes: 10, redundancy: { maxCopies: 2.5 } }, 'redundancy.maxCopies', 'got 2.5'],
    [{ nodes: 10, latencyMs: 50 }, 'latencyMs', 'unknown option (expected one of nodes, originator, mode']
  ])('%j → %s', async (options, field, message) => {
    const error = await errorOf(options)
    expect(error.name).toBe('InvalidConfigError')
    expect(error.field).toBe(field)
    expect(error.message).toContain(`invalid ${field}: `)
    expect(error.message).toContain(message)
  })

  it('options that are not an object', async () => {
    expect(await errorOf(null)).toMatchObject({ field: 'options', message: 'invalid options: must be an object' })
  })

  it('a SimulatedNetwork checks its own options too', () => {
    const peers = StakedSet.from(syntheticPeers(2))
    expect(() => new SimulatedNetwork(new Engine(), { peers, loss: 2 })).toThrow(InvalidConfigError)
    expect(() => new SimulatedNetwork(new Engine(), { peers, uploadMbps: 0 })).toThrow('invalid uploadMbps: must be a bandwidth in Mbit/s > 0')
    expect(() => new SimulatedNetwork(new Engine(), { peers, latency: -1 })).toThrow('invalid latency')
  })
})

describe('defaults', () => {
  it('bandwidthMbps sets both directions unless one is given; a dead list is sorted and de-duplicated', () => {
    expect(resolveOptions({ nodes: 5, bandwidthMbps: 100, downloadMbps: 1000 })).toMatchObject({ uploadMbps: 100, downloadMbps: 1000 })
    expect(resolveOptions({ nodes: 5, bandwidthMbps: 100, uploadMbps: null })).toMatchObject({ uploadMbps: null, downloadMbps: 100 })
    expect(resolveOptions({ nodes: 5, dead: [4, 2, 4] }).dead).toEqual([2, 4])
  })

  it('the routers\' layers are off unless asked for, and echoed as given', () => {
    expect(resolveOptions({ nodes: 5 })).toMatchObject({ ack: false, cleanup: false, redundancy: false })
    expect(resolveOptions({ nodes: 5, redundancy: true }).redundancy).toBe(true)
    expect(resolveOptions({ nodes: 5, redundancy: { maxCopies: 3 } }).redundancy).toEqual({ maxCopies: 3 })
  })
})
