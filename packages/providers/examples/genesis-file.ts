import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPeer, testIdentity } from '@pokt-p2p/types'
import {
  genesisFromPeers, genesisPeerstoreProvider, loadGenesisFile, staticProviders, writeGenesisFile
} from '@pokt-p2p/providers'

const dir = await mkdtemp(join(tmpdir(), 'genesis-'))
const path = join(dir, 'genesis.json')
const peers = [1, 2, 3].map(seed => createPeer(testIdentity(seed).publicKey, `node${seed}.consensus:42069`))

await writeGenesisFile(path, peers, { height: 0n })            // as the CLI's `genesis` command
console.log(JSON.stringify(genesisFromPeers(peers).validators[0]))   // the same JSON, in memory

const psp = genesisPeerstoreProvider({ path })()               // or { genesis: await loadGenesisFile(path) }
const pstore = await psp.getStakedPeerstoreAtHeight(0n)        // reads the file on first use (GenesisFileError if broken)

const { validators, height } = await loadGenesisFile(path)     // options: signal, logger
const providers = staticProviders({ height: height ?? 0n, staked: validators })()   // height + set from the file
console.log(`${pstore.size} validators; height ${await providers.currentHeight()}`)

await rm(dir, { recursive: true })
