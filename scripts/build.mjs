// Builds every package with turbo and says how far along it is: a cold build takes about a minute on two cores,
// and a silent minute looks like a hang. Compiler errors are printed as they come; the exit code is turbo's.
//   node scripts/build.mjs [turbo options]
import { spawn, spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const turbo = ['scripts/pnpm.sh', 'exec', 'turbo', 'run', 'build', ...process.argv.slice(2)]
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', npm_config_reporter: 'silent' }
const started = Date.now()
const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`

const dry = spawnSync('bash', [...turbo, '--dry=json'], { cwd: root, env, encoding: 'utf8' })
let tasks = []
try { tasks = JSON.parse(dry.stdout).tasks } catch { /* the real run below reports what is wrong */ }
const stale = tasks.filter(t => t.cache?.status !== 'HIT').length
if (tasks.length > 0 && stale === 0) {
  console.error(`build: all ${tasks.length} packages up to date`)
  process.exit(0)
}
console.error(`build: ${stale} of ${tasks.length} packages to compile`)

let compiling = 0
const child = spawn('bash', [...turbo, '--output-logs=full'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] })
let rest = ''
child.stdout.on('data', (chunk) => {
  const lines = (rest + chunk.toString()).split('\n')
  rest = lines.pop() ?? ''
  for (const line of lines) {
    const begin = /^(\S+):build: cache (miss|bypass)/.exec(line)
    if (begin != null) {
      compiling += 1
      console.error(`build: [${compiling}/${stale}] compiling ${begin[1]} (${seconds()})`)
      continue
    }
    // the task's own output (compiler errors) and turbo's failure summary; its banner and cache lines say nothing
    const own = /^\S+:build: (.*)$/.exec(line)
    if (own != null) { if (own[1].trim() !== '') console.error(line); continue }
    if (/^\s*(Failed|ERROR)/.test(line)) console.error(line)
  }
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { /* turbo gets the signal too; wait for it */ })
child.on('close', (code, signal) => {
  if (code === 0) console.error(`build: done in ${seconds()}`)
  else console.error(`build: failed after ${seconds()}`)
  process.exit(code ?? (signal === 'SIGTERM' ? 143 : 130))
})
