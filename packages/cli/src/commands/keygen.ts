import { generateIdentity, peerIdStringFromPublicKey, testIdentity } from '@pokt-p2p/types'
import { intOption, parseOptions } from '../args.js'
import type { CommandContext } from '../context.js'

export const keygenHelp = `pokt-p2p keygen [--seed-int K] [--json]

  A new random ed25519 key, or with --seed-int the reference's deterministic test key GetPrivKeySeed(K).
  --seed-int K   integer in [0, 4294967295]
  --json         print {"privateKey","publicKey","address","peerId"}`

export async function keygen (argv: string[], ctx: CommandContext): Promise<number> {
  const o = parseOptions(argv, { 'seed-int': { type: 'string' }, json: { type: 'boolean' } }, 'keygen')
  if (o.help === true) { ctx.out(keygenHelp); return 0 }
  const id = o['seed-int'] === undefined ? generateIdentity() : testIdentity(intOption('seed-int', o['seed-int'], 0, 0, 0xffffffff))
  const key = { privateKey: id.privateKeyHex, publicKey: id.publicKeyHex, address: id.address, peerId: peerIdStringFromPublicKey(id.publicKey) }
  if (o.json === true) ctx.out(JSON.stringify(key))
  else ctx.out(`private key  ${key.privateKey}\npublic key   ${key.publicKey}\naddress      ${key.address}\npeer id      ${key.peerId}`)
  return 0
}
