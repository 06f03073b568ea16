import {
  PeerManager, PocketEnvelopeSchema, checkEnvelope, create, createAny, createPeer, encodePocketEnvelope, testIdentity,
  toBinary
} from '@pokt-p2p/types'

// three validators with the reference's test keys: each one's view is the sorted set, rotated to start at itself
const self = testIdentity(1)
const peers = [1, 2, 3].map(seed => createPeer(testIdentity(seed).publicKey, '127.0.0.1:42069'))
const manager = new PeerManager(self.address, peers)
console.log(manager.view.length, manager.view.at(0) === self.address)

// a router checks the envelope bytes it carries once, and hands on the nonce and content it found
const check = checkEnvelope(encodePocketEnvelope(createAny('type.googleapis.com/pocket.DebugMessage'), 42n))
if (check.ok) console.log(check.nonce, check.content.typeUrl)

// anything else is refused with one of the shared drop reasons, never with an exception
const nonceZero = toBinary(PocketEnvelopeSchema, create(PocketEnvelopeSchema, { content: createAny('x') }))
for (const bytes of [new Uint8Array(), Uint8Array.of(0xff), nonceZero]) {
  const refused = checkEnvelope(bytes)
  if (!refused.ok) console.log(refused.reason, refused.error.name)
}
