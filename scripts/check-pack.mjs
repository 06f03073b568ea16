// What a consumer gets: packs every package as it would be published, installs each one into an empty project with
// npm (only the packed tarballs of its @pokt-p2p dependencies plus the npm registry; no workspace links), imports
// every entry point under Node, type-checks a consumer file against the published .d.ts, and prints how many
// packages and how many bytes each install brings.
//
//   node scripts/check-pack.mjs [--skip-build] [--keep] [--no-typecheck] [--dom] [name…]
//
// name: a package folder (raintree) or name (@pokt-p2p/raintree); default every package.
// --skip-build: do not run `turbo run build` first (the tarballs pack whatever dist/ holds).
// --keep: keep the temporary folder (tarballs and consumer projects) and print its path.
// --no-typecheck: skip the consumer typecheck. The typecheck compiles `import * as m from '<entry>'` for every entry
//   point with strict NodeNext settings, skipLibCheck off, @types/node and no DOM library (--dom adds it), and
//   reports errors in our published .d.ts: a type they reference that a consumer does not have.
// Exit 1, with one line per problem, when a tarball holds something it should not (src/, tests, tsbuildinfo,
// declaration maps), lacks LICENSE/README/an exported file, keeps the workspace-only `source` export condition or a
// `workspace:` range, when npm cannot install it, or when an entry point fails to import or to type-check.
// Needs the npm registry (npm's cache makes a second run faster).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const flag = name => args.includes(name)
const wanted = args.filter(a => !a.startsWith('--'))
const started = Date.now()
const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`
const log = text => { process.stderr.write(`check-pack: ${text} (${seconds()})\n`) }
const problems = []
const problem = (name, text) => { problems.push(`${name}: ${text}`) }

const run = (cmd, argv, opts = {}) => {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts })
  return { ok: r.status === 0, out: r.stdout ?? '', err: r.stderr ?? '', status: r.status }
}

// ---- build and pack -------------------------------------------------------------------------------------------
const packagesDir = join(root, 'packages')
const all = readdirSync(packagesDir).sort()
  .filter(dir => existsSync(join(packagesDir, dir, 'package.json')))
  .map(dir => ({ dir, manifest: JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) }))
  .filter(p => p.manifest.private !== true)
const byName = new Map(all.map(p => [p.manifest.name, p]))
const selected = wanted.length === 0
  ? all
  : wanted.map(w => all.find(p => p.dir === w || p.manifest.name === w) ?? (() => { throw new Error(`no package ${w}`) })())

if (!flag('--skip-build')) {
  log('building (turbo run build)')
  const r = run('bash', ['scripts/pnpm.sh', 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only'],
    { cwd: root, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'ignore', 'inherit'] })
  if (!r.ok) { console.log('check-pack: the build failed'); process.exit(1) }
}

const work = mkdtempSync(join(tmpdir(), 'pokt-p2p-pack-'))
const tarballs = join(work, 'tarballs')
mkdirSync(tarballs)
const packed = new Map() // name → { file, manifest, files }
log(`packing ${all.length} packages into ${tarballs}`)
for (const { dir, manifest } of all) {
  // pnpm pack rewrites workspace: ranges and applies publishConfig, as `pnpm publish` does
  const r = run('bash', [join(root, 'scripts/pnpm.sh'), 'pack', '--json', '--pack-destination', tarballs],
    { cwd: join(packagesDir, dir), env: { ...process.env, npm_config_reporter: 'silent' } })
  if (!r.ok) { problem(manifest.name, `pnpm pack failed: ${r.err.trim()}`); continue }
  const json = JSON.parse(r.out.slice(r.out.indexOf('{')))
  const files = execFileSync('tar', ['-tzf', json.filename], { encoding: 'utf8' }).split('\n').filter(Boolean)
  const publishedManifest = JSON.parse(execFileSync('tar', ['-xzOf', json.filename, 'package/package.json'], { encoding: 'utf8' }))
  packed.set(manifest.name, { file: json.filename, manifest: publishedManifest, files: files.map(f => f.replace(/^package\//, '')) })
}

// ---- what each tarball holds ----------------------------------------------------------------------------------
const license = existsSync(join(root, 'LICENSE')) ? readFileSync(join(root, 'LICENSE'), 'utf8') : null
if (license == null) problems.push('the repository has no LICENSE')
/** Every file path an exports map (or types/bin) points at. */
const targetsOf = value => {
  if (typeof value === 'string') return [value]
  return value == null ? [] : Object.values(value).flatMap(targetsOf)
}
for (const { dir, manifest: { name } } of all) {
  const p = packed.get(name)
  if (p == null) continue
  const m = p.manifest
  for (const required of ['package.json', 'README.md', 'LICENSE']) {
    if (!p.files.includes(required)) problem(name, `the tarball has no ${required}`)
  }
  const localLicense = join(packagesDir, dir, 'LICENSE')
  if (license != null && existsSync(localLicense) && readFileSync(localLicense, 'utf8') !== license) problem(name, 'packages/' + dir + '/LICENSE differs from the root LICENSE')
  const bins = targetsOf(m.bin).map(t => t.replace(/^\.\//, ''))
  for (const file of p.files) {
    if (['package.json', 'README.md', 'LICENSE', ...bins].includes(file)) continue
    if (!file.startsWith('dist/')) problem(name, `the tarball holds ${file} (only dist/, the bin files, README.md and LICENSE belong there)`)
    else if (/\.tsbuildinfo$|\.d\.[cm]?ts\.map$/.test(file)) problem(name, `the tarball holds ${file}`)
    else if (/(^|\/)(test|tests|__tests__)\/|\.(test|spec)\.[cm]?[jt]s$/.test(file)) problem(name, `the tarball holds test file ${file}`)
  }
  const exportsText = JSON.stringify(m.exports ?? {})
  if (/"source"/.test(exportsText)) problem(name, 'the published exports keep the workspace-only "source" condition')
  for (const target of new Set([...targetsOf(m.exports), ...targetsOf(m.types), ...targetsOf(m.bin), ...targetsOf(m.main)])) {
    if (!p.files.includes(target.replace(/^\.\//, ''))) problem(name, `exports/types/bin point at ${target}, which the tarball lacks`)
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(m[field] ?? {})) {
      if (/^(workspace|link|file):/.test(range)) problem(name, `${field}.${dep} is "${range}" in the published manifest`)
    }
  }
  for (const field of ['license', 'repository', 'homepage', 'bugs']) {
    if (m[field] == null) problem(name, `the published manifest has no ${field}`)
  }
  if (m.repository != null && m.repository.directory !== `packages/${dir}`) problem(name, `repository.directory is not packages/${dir}`)
}

// ---- install each package alone, import it, type-check against it ---------------------------------------------
/** The package and every @pokt-p2p package it needs at run time, transitively (from the published manifests). */
function closure (name, seen = new Set()) {
  if (seen.has(name)) return seen
  seen.add(name)
  const m = packed.get(name)?.manifest ?? {}
  const optionalPeers = new Set(Object.entries(m.peerDependenciesMeta ?? {}).filter(([, v]) => v.optional).map(([k]) => k))
  const needs = [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.peerDependencies ?? {}).filter(d => !optionalPeers.has(d))]
  for (const dep of needs) if (byName.has(dep)) closure(dep, seen)
  return seen
}

function duBytes (dir) {
  const r = run('du', ['-sk', dir])
  return Number(r.out.split(/\s/)[0]) * 1024
}
const human = bytes => bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} kB`

/** Type-checks `file` under NodeNext the way a strict consumer would; returns diagnostics in our .d.ts or the file. */
function typecheck (project, file) {
  const options = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    // a Node consumer: no DOM library unless --dom (the repository itself compiles with ES2023 + DOM)
    lib: flag('--dom') ? ['lib.es2023.d.ts', 'lib.dom.d.ts'] : ['lib.es2023.d.ts'],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')]
  }
  const program = ts.createProgram([file], options)
  const ours = program.getSourceFiles().filter(sf => sf.fileName === file || sf.fileName.includes('/node_modules/@pokt-p2p/'))
  const diagnostics = [...program.getOptionsDiagnostics(), ...ours.flatMap(sf => [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)])]
  return diagnostics.map(d => {
    const where = d.file == null ? '' : `${relative(project, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `
    return where + ts.flattenDiagnosticMessageText(d.messageText, ' ')
  })
}

const results = []
for (const { manifest: { name } } of selected) {
  if (!packed.has(name)) continue
  const m = packed.get(name).manifest
  const needed = [...closure(name)].filter(n => packed.has(n))
  const project = join(work, 'consume-' + name.replace(/^@pokt-p2p\//, ''))
  mkdirSync(project)
  const dependencies = Object.fromEntries(needed.map(n => [n, 'file:' + relative(project, packed.get(n).file)]))
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2))
  log(`${name}: npm install ${needed.join(' ')}`)
  const t0 = Date.now()
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'], { cwd: project })
  const installSeconds = (Date.now() - t0) / 1000
  if (!install.ok) { problem(name, `npm install failed: ${install.err.trim().split('\n').slice(-5).join(' | ')}`); continue }
  const lock = JSON.parse(readFileSync(join(project, 'node_modules/.package-lock.json'), 'utf8'))
  const count = Object.keys(lock.packages).filter(k => k !== '').length
  const bytes = duBytes(join(project, 'node_modules'))

  // every entry point imports under Node; one that needs a missing optional peer is skipped, and said so
  const optionalPeers = Object.entries(m.peerDependenciesMeta ?? {}).filter(([, v]) => v.optional).map(([k]) => k)
  const subpaths = Object.keys(m.exports ?? { '.': null }).filter(s => !s.includes('*') && s !== './package.json')
  const imported = []
  const skipped = []
  for (const sub of subpaths) {
    const specifier = sub === '.' ? name : `${name}/${sub.replace(/^\.\//, '')}`
    const r = run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], { cwd: project })
    if (r.ok) { imported.push(specifier); continue }
    const missingPeer = optionalPeers.find(peer => r.err.includes(`Cannot find package '${peer}'`))
    if (missingPeer != null) { skipped.push(`${specifier} (needs the optional peer ${missingPeer})`); continue }
    problem(name, `import('${specifier}') fails under Node: ${r.err.trim().split('\n').filter(l => /Error/.test(l)).slice(0, 2).join(' | ')}`)
  }
  for (const [bin, target] of Object.entries(typeof m.bin === 'string' ? { [name]: m.bin } : m.bin ?? {})) {
    const r = run(join(project, 'node_modules/.bin', bin), ['--help'], { cwd: project, timeout: 60_000 })
    if (!r.ok) problem(name, `the bin ${bin} (${target}) --help exits ${r.status}: ${(r.err || r.out).trim().split('\n').slice(0, 2).join(' | ')}`)
    else imported.push(`bin ${bin} --help`)
  }

  // the published .d.ts resolve for a consumer (every type they reference is installed with them)
  let typeErrors = []
  if (!flag('--no-typecheck') && imported.length > 0) {
    const file = join(project, 'consumer.ts')
    const lines = imported.filter(s => !s.startsWith('bin ')).map((s, i) => `import * as m${i} from '${s}'\nexport { m${i} }`)
    writeFileSync(file, lines.join('\n') + '\n')
    typeErrors = typecheck(project, file)
    for (const e of typeErrors.slice(0, 10)) problem(name, `consumer typecheck: ${e}`)
    if (typeErrors.length > 10) problem(name, `consumer typecheck: … ${typeErrors.length - 10} more`)
  }
  const own = packed.get(name)
  results.push({ name, tarballs: needed.length, count, bytes, installSeconds, imported, skipped, typeErrors: typeErrors.length, packedBytes: statSync(own.file).size, files: own.files.length })
}

// ---- report ---------------------------------------------------------------------------------------------------
const pad = (s, n) => String(s).padEnd(n)
// tarball: the package's own .tgz (files in it); tarballs: how many of ours its install needs; packages: what npm
// installed in all (ours included); node_modules: `du` of the consumer's node_modules
console.log(`${pad('package', 22)} ${pad('tarball', 16)} ${pad('tarballs', 8)} ${pad('packages', 8)} ${pad('node_modules', 12)} install`)
for (const r of results) {
  console.log(`${pad(r.name, 22)} ${pad(`${human(r.packedBytes)} (${r.files})`, 16)} ${pad(r.tarballs, 8)} ${pad(r.count, 8)} ${pad(human(r.bytes), 12)} ${r.installSeconds.toFixed(1)} s`)
}
for (const r of results) {
  if (r.skipped.length > 0) console.log(`${r.name}: not imported: ${r.skipped.join(', ')}`)
}
for (const line of problems) console.log(line)
if (flag('--keep')) console.log(`check-pack: kept ${work}`)
else rmSync(work, { recursive: true, force: true })
const summary = `${results.length} packages installed and imported, ${problems.length} problem(s) in ${seconds()}`
console.log(`check-pack: ${problems.length === 0 ? 'ok' : 'FAILED'}: ${summary}`)
process.exitCode = problems.length === 0 ? 0 : 1
