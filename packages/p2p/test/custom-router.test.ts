/** The README's custom router (examples/flood-router.ts), run through the module: broadcasts and direct sends. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { waitFor } from '@pokt-p2p/testing'
import { anyOf, type P2PMessage } from '../src/index.js'
import { flood } from '../examples/flood-router.js'
import { memoryNetwork, type TestNetwork } from './helpers.js'

let net: TestNetwork | undefined
afterEach(async () => { await net?.stop(); net = undefined })

describe('a custom staked-actor router (the README example)', () => {
  it('replaces RainTree: broadcasts and sends go through it', async () => {
    net = await memoryNetwork(4, 0, () => ({ stakedRouter: flood, unstakedRouter: null }))
    expect(net.modules[0]!.routers.staked?.name).toBe('flood')
    const inboxes = net.modules.map(m => { const l: P2PMessage[] = []; m.events.on('message', x => l.push(x)); return l })
    await net.modules[0]!.broadcast(anyOf('pocket.DebugMessage', Uint8Array.of(1)))
    await waitFor(() => inboxes.slice(1).every(i => i.length === 1), { what: 'the broadcast at every other module' })
    expect(inboxes[1]![0]).toMatchObject({ router: 'flood', from: net.modules[0]!.getAddress() })
    await net.modules[2]!.send(net.modules[3]!.getAddress(), anyOf('pocket.DebugMessage', Uint8Array.of(2)))
    await waitFor(() => inboxes[3]!.length === 2, { what: 'the direct send at module 3' })
    expect(Array.from(inboxes[3]![1]!.content.value)).toEqual([2])
  }, 150_000)
})
