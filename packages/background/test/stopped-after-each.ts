// Kept apart from helpers.ts, which the benchmarks import too: this one needs jest.
import { afterEach } from '@jest/globals'
import { startNode, stopNode, type TestNode } from './helpers.js'

/**
 * Nodes (and whatever else a test pushes on `cleanup`) stopped after each test, newest first. Call it at the top level
 * of a test file: it registers that file's `afterEach`.
 */
export function stoppedAfterEach (): { cleanup: Array<() => Promise<void>>, node: (seed: number) => Promise<TestNode> } {
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f()
  })
  return {
    cleanup,
    node: async seed => {
      const n = await startNode(seed)
      cleanup.push(async () => { await stopNode(n) })
      return n
    }
  }
}
