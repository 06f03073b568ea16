// Checks the API reference: every package's public API is documented and typedoc has nothing to warn about.
//
//   node scripts/check-docs.mjs          exit 1 with one line per problem, or one "ok" line
//   node scripts/check-docs.mjs --out D  also keep the generated HTML in D (default: a temporary folder, removed)
//
// 1. Each package's typedoc.json documents exactly the entry points its package.json `exports` publish (their
//    `source` condition), so a new subpath export cannot go undocumented.
// 2. `typedoc` with the root typedoc.json (the same run as `bash scripts/pnpm.sh run docs`, which writes docs/api):
//    packages strategy, entry points read from the TypeScript sources (no build needed, no network),
//    `validation.notDocumented` for every exported declaration and its members, `notExported`, invalid links and
//    paths, and `treatWarningsAsErrors`. Any typedoc warning or error is a problem.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
const started = Date.now()
const problems = []

// ---- 1. entry points = exports ----------------------------------------------------------------------------------
const packagesDir = join(root, 'packages')
for (const dir of readdirSync(packagesDir).sort()) {
  const manifestPath = join(packagesDir, dir, 'package.json')
  if (!existsSync(manifestPath)) continue
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  const exported = Object.entries(manifest.exports ?? {})
    .map(([subpath, target]) => ({ subpath, source: typeof target === 'object' && target !== null ? target.source : undefined }))
  const configPath = join(packagesDir, dir, 'typedoc.json')
  if (!existsSync(configPath)) { problems.push(`${manifest.name}: packages/${dir}/typedoc.json is missing`); continue }
  const entryPoints = new Set((JSON.parse(readFileSync(configPath, 'utf8')).entryPoints ?? []).map(p => normalize(p)))
  for (const { subpath, source } of exported) {
    if (source === undefined) problems.push(`${manifest.name}: exports["${subpath}"] has no "source" condition to document`)
    else if (!entryPoints.has(normalize(source))) problems.push(`${manifest.name}: exports["${subpath}"] (${source}) is not an entry point of packages/${dir}/typedoc.json`)
  }
  const sources = new Set(exported.map(e => e.source && normalize(e.source)))
  for (const entry of entryPoints) {
    if (!sources.has(entry)) problems.push(`${manifest.name}: typedoc entry point ${entry} is not the source of any export`)
  }
}

// ---- 2. typedoc ---------------------------------------------------------------------------------------------------
const outFlag = process.argv.indexOf('--out')
const out = outFlag !== -1 ? process.argv[outFlag + 1] : mkdtempSync(join(tmpdir(), 'pokt-p2p-docs-'))
const typedoc = join(root, 'node_modules/typedoc/bin/typedoc')
const r = spawnSync(process.execPath, [typedoc, '--out', out], {
  cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, maxBuffer: 64 * 1024 * 1024
})
const text = stripVTControlCharacters(`${r.stdout ?? ''}${r.stderr ?? ''}`)
const lines = text.split('\n')
for (let i = 0; i < lines.length; i++) {
  const line = lines[i]
  if (!/\[(warning|error)\]/.test(line) || /\[warning\] Found \d+ errors and \d+ warnings/.test(line)) continue
  // typedoc prints "file:line:col - [warning] message" followed by the source line; keep the first line only
  problems.push(`typedoc: ${line.trim()}`)
}
if (r.status !== 0 && !problems.some(p => p.startsWith('typedoc:'))) {
  problems.push(`typedoc exited ${r.status ?? r.signal}: ${text.trim().split('\n').slice(-5).join(' | ')}`)
}
if (outFlag === -1) rmSync(out, { recursive: true, force: true })

const seconds = ((Date.now() - started) / 1000).toFixed(0)
for (const p of problems) console.log(p)
if (problems.length > 0) {
  console.log(`check-docs: ${problems.length} problem(s) (${seconds} s)`)
  process.exitCode = 1
} else {
  console.log(`check-docs: ok: every exported symbol documented, no typedoc warning (${seconds} s)`)
}
