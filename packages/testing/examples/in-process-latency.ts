import { createPeer, type Clock, type ClockTimer, type Identity, type RemoteSender } from '@pokt-p2p/types'
import { InProcessNetwork, testIdentities } from '@pokt-p2p/testing'

// a virtual clock: time moves only when told to, firing the timers that fall due in time order
let now = 0
const timers: Array<{ at: number, fire: () => void }> = []
const clock: Clock = {
  now: () => now,
  setTimeout: (fire, ms): ClockTimer => { const t = { at: now + Math.max(0, ms), fire }; timers.push(t); return t },
  clearTimeout: (t) => { const i = timers.indexOf(t as { at: number, fire: () => void }); if (i >= 0) timers.splice(i, 1) }
}
async function advanceTo (time: number): Promise<void> {
  for (;;) {
    const due = timers.filter(t => t.at <= time).sort((x, y) => x.at - y.at)[0]
    if (due === undefined) break
    timers.splice(timers.indexOf(due), 1)
    now = due.at
    due.fire()
    await new Promise(resolve => setImmediate(resolve)) // let the handlers run (and send on) before time moves
  }
  now = time
}

// alice's direct link to carol is slow (80 ms one way); every other link takes 30 ms
const [alice, bob, carol] = testIdentities(3) as [Identity, Identity, Identity]
const net = new InProcessNetwork({
  clock,
  latencyMs: (from, to) => from === alice.address && to === carol.address ? 80 : 30
})
const transport = (id: Identity) => net.createTransport({ address: id.address, publicKey: id.publicKeyHex })
const [ta, tb, tc] = [transport(alice), transport(bob), transport(carol)]
const name = (from: RemoteSender) => from.address === alice.address ? 'alice' : 'bob'

tc.handle('/demo/1.0.0', (_, from) => { console.log(`${now} ms: carol got it from ${name(from)}`) })
// bob relays what he gets to carol
tb.handle('/demo/1.0.0', async (bytes, from) => {
  console.log(`${now} ms: bob got it from ${name(from)}`)
  await tb.sendTo(createPeer(carol.publicKey), '/demo/1.0.0', bytes)
})

await ta.sendTo(createPeer(bob.publicKey), '/demo/1.0.0', Uint8Array.of(1))
await ta.sendTo(createPeer(carol.publicKey), '/demo/1.0.0', Uint8Array.of(1))
await advanceTo(100)
await net.idle() // every message delivered and handled
console.log(net.stats)
