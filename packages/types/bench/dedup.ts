/**
 * De-duplication benchmark (not a test): memory and false-positive rate of the `MessageDeduper` (rotating bloom
 * pair) against the exact `NonceDeduper` (a `Set`) it replaced in the module. For each window W it inserts 2·W
 * distinct messages (both generations full: the worst case), checks that the last W are all still remembered, then
 * counts how many of 1,000,000 fresh messages are wrongly reported as seen.
 * Run: `cd packages/types && tsc -p tsconfig.bench.json && node --expose-gc dist-bench/bench/dedup.js`.
 */
import { performance } from 'node:perf_hooks'
import { MessageDeduper, NonceDeduper, createAny, messageKey } from '../src/index.js'

const WINDOWS = [100_000, 1_000_000]
const PROBES = 1_000_000
const gc = (globalThis as { gc?: () => void }).gc

function used (): number {
  gc?.()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

const content = createAny('type.googleapis.com/pocket.Bench', new Uint8Array(64))
const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`

console.log('| window | structure | memory (measured) | false positives: formula | measured | insert+check µs/msg |')
console.log('|---|---|---|---|---|---|')
for (const w of WINDOWS) {
  const before = used()
  const d = new MessageDeduper(w)
  const t0 = performance.now()
  let nonce = 1n
  for (let i = 0; i < 2 * w; i++) d.checkAndInsert(nonce++, content)
  const perMsg = (performance.now() - t0) * 1000 / (2 * w)
  const mem = used() - before
  let missed = 0
  for (let n = nonce - BigInt(w); n < nonce; n++) if (d.filter.has(messageKey(n, content)) === false) missed++
  if (missed > 0) throw new Error(`false negatives within the window: ${missed}`)
  let fp = 0
  for (let i = 0; i < PROBES; i++) if (d.filter.has(messageKey(nonce++, content))) fp++
  console.log(`| ${w.toLocaleString('en')} | MessageDeduper (${d.filter.hashes} probes, ${(d.filter.bitsPerFilter / w).toFixed(1)} bits/msg per filter) | ${mib(mem)} (${mib(d.filter.byteLength)} of filters) | ${d.filter.falsePositiveRate().toExponential(1)} | ${fp} / ${PROBES.toLocaleString('en')} | ${perMsg.toFixed(2)} |`)

  const before2 = used()
  const s = new NonceDeduper(w)
  const t1 = performance.now()
  for (let i = 0; i < w; i++) s.checkAndInsert(BigInt(Number.MAX_SAFE_INTEGER) + BigInt(i))
  const perMsg2 = (performance.now() - t1) * 1000 / w
  const mem2 = used() - before2
  console.log(`| ${w.toLocaleString('en')} | NonceDeduper (Set, before) | ${mib(mem2)} | 0 | 0 | ${perMsg2.toFixed(2)} |`)
  s.clear()
}
