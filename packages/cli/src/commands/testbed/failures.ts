import { PocketP2PError } from '@pokt-p2p/types'

/** Some nodes did not print `started` within the set-up bound; the message names them with their last stderr lines. */
export class TestbedStartError extends PocketP2PError {
  static override name = 'TestbedStartError'
  /**
   * @param nodes - the nodes that did not start, by name
   * @param details - their last stderr lines
   * @param timeoutMs - the bound
   */
  constructor (readonly nodes: string[], details: string, timeoutMs: number) {
    super(`${nodes.length} node(s) did not start within ${timeoutMs} ms: ${nodes.join(', ')}${details === '' ? '' : `\n${details}`}`)
  }
}

/** The network did not become ready (pongs, routers started, warm-up broadcasts everywhere) within the bound. */
export class TestbedNotReadyError extends PocketP2PError {
  static override name = 'TestbedNotReadyError'
  /**
   * @param what - the step that did not finish
   * @param nodes - the nodes it waited for, by name
   * @param timeoutMs - the bound
   */
  constructor (what: string, readonly nodes: string[], timeoutMs: number) {
    super(`not ready within ${timeoutMs} ms: ${what}: ${nodes.join(', ')}`)
  }
}

/** A node refused a control command (a `control-error` event), e.g. a payload over its message limit. */
export class TestbedControlError extends PocketP2PError {
  static override name = 'TestbedControlError'
  /**
   * @param node - the node, by name
   * @param error - its `control-error` text
   */
  constructor (readonly node: string, error: string) {
    super(`${node} refused the command: ${error}`)
  }
}

/** A node the run needs (the originator) exited. */
export class TestbedNodeExitedError extends PocketP2PError {
  static override name = 'TestbedNodeExitedError'
  /**
   * @param node - the node, by name
   * @param exit - how it ended (exit code or signal)
   * @param tail - its last stderr lines
   */
  constructor (readonly node: string, exit: string, tail: string[]) {
    super(`${node} exited (${exit})${tail.length === 0 ? '' : `; its last stderr lines:\n  ${tail.join('\n  ')}`}`)
  }
}
