// Checks that every package declares exactly what its code imports.
//
//   node scripts/check-deps.mjs            exit 1 and one line per problem, or one "ok" line
//   node scripts/check-deps.mjs --verbose  also lists what each package imports
//
// Rules, per package under packages/:
// - `dependencies` + `peerDependencies` must be exactly the packages that `src/` imports. Every import form counts:
//   `import`, `import type`, `export … from`, `export type … from`, `import('x')` and `import('x').T` in type
//   positions. Type-only imports count as dependencies on purpose: a type that reaches a public signature is
//   emitted into the `.d.ts` as an import of that package, and a consumer's typecheck fails unless the package is
//   installed with ours. (A type used only internally would not strictly need it; telling the two apart needs the
//   emitted declarations, so the rule is the simple, safe one. The `.d.ts` check below catches the opposite case.)
//   Problems: "unused" (declared, never imported by src) and "undeclared" (imported by src, not declared).
// - Test-side files (every other code file of the package: `test/`, `bench/`, `examples/`, `jest.config.mjs`…;
//   not `dist*/`, `coverage/`, node_modules) may import anything declared in
//   `dependencies`, `peerDependencies` or `devDependencies` (pnpm installs nothing else into the package's
//   node_modules; a dependency of the workspace root does not count). Problem: "undeclared (test)".
// - When `dist/` exists, every bare specifier in the emitted `dist/**/*.d.ts` (including inferred
//   `import("x").T` types that src never wrote) must be in `dependencies`/`peerDependencies`.
//   Problem: "undeclared (emitted .d.ts)". Run it after a build to include this check.
// - The same third-party package must have the same version range everywhere it is declared (dependencies and
//   devDependencies of every package and the root). Problem: "version mismatch".
// - Workspace packages must be depended on with the `workspace:` protocol. Problem: "not workspace:".
// - The published manifest: `publishConfig.exports` must be `exports` without the workspace-only `source`
//   condition (pnpm pack/publish replaces `exports` with it), `files` must not ship `src`, and `license`,
//   `repository` (with `directory`), `homepage`, `bugs` and a LICENSE file equal to the root one must be there.
//   Problem: "manifest". (scripts/check-pack.mjs checks the packed tarballs themselves.)
// Node built-ins (`node:fs` and bare `fs`) are ignored; relative imports are ignored; a package may import itself
// by name; subpaths (`@libp2p/crypto/keys`) count as their package (`@libp2p/crypto`); `@types/x` declarations
// satisfy nothing here (nothing imports `@types/…` by name).
import { builtinModules } from 'node:module'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))
const verbose = process.argv.includes('--verbose')
const builtins = new Set(builtinModules.flatMap(m => [m, m.split('/')[0]]))
const CODE = /\.(?:[cm]?ts|tsx|[cm]?js)$/
// not test-side code: the sources, build outputs and coverage reports
const OUTSIDE_TESTS = /^(?:src|dist|dist-[^/]*|coverage)\//

/** Files under `dir` (recursively, skipping node_modules and dot folders) whose names match `pattern`. */
function walk (dir, pattern, out = []) {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, pattern, out)
    else if (pattern.test(name)) out.push(path)
  }
  return out
}

/** Every module specifier in one file: static and dynamic imports, re-exports, `import('x')` types, references. */
function specifiersOf (file) {
  const text = readFileSync(file, 'utf8')
  const kind = file.endsWith('.d.ts') || /\.[cm]?tsx?$/.test(file) ? ts.ScriptKind.TS : ts.ScriptKind.JS
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind)
  const found = []
  const visit = node => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier != null &&
        ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text)
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) &&
        ts.isStringLiteral(node.moduleReference.expression)) {
      found.push(node.moduleReference.expression.text)
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0]) &&
        (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
          (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      found.push(node.arguments[0].text)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) &&
        ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  for (const ref of source.typeReferenceDirectives) found.push(ref.fileName)
  return found
}

/** The package a bare specifier names (`@a/b/c` → `@a/b`, `x/y` → `x`), or null for relative and built-in ones. */
function packageOf (specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return null
  if (specifier.startsWith('node:')) return null
  const parts = specifier.split('/')
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
  if (builtins.has(name)) return null
  return name
}

/** package name → sorted list of files (relative to the package) that import it. */
function importsOf (files, packageDir) {
  const result = new Map()
  for (const file of files) {
    for (const specifier of specifiersOf(file)) {
      const name = packageOf(specifier)
      if (name == null) continue
      if (!result.has(name)) result.set(name, [])
      const rel = relative(packageDir, file)
      if (!result.get(name).includes(rel)) result.get(name).push(rel)
    }
  }
  return result
}

const problems = []
const versions = new Map() // dependency → Map(range → [where])
const note = (name, range, where) => {
  if (String(range).startsWith('workspace:')) return
  if (!versions.has(name)) versions.set(name, new Map())
  const ranges = versions.get(name)
  if (!ranges.has(range)) ranges.set(range, [])
  ranges.get(range).push(where)
}

const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
for (const [name, range] of Object.entries(rootManifest.dependencies ?? {})) note(name, range, 'root dependencies')
for (const [name, range] of Object.entries(rootManifest.devDependencies ?? {})) note(name, range, 'root devDependencies')

const packagesDir = join(root, 'packages')
const manifests = new Map()
for (const dir of readdirSync(packagesDir).sort()) {
  const path = join(packagesDir, dir, 'package.json')
  if (existsSync(path)) manifests.set(dir, JSON.parse(readFileSync(path, 'utf8')))
}
const workspaceNames = new Set([...manifests.values()].map(m => m.name))

let checkedDts = 0
for (const [dir, manifest] of manifests) {
  const packageDir = join(packagesDir, dir)
  const name = manifest.name
  const deps = manifest.dependencies ?? {}
  const peers = manifest.peerDependencies ?? {}
  const devs = manifest.devDependencies ?? {}
  const runtime = new Set([...Object.keys(deps), ...Object.keys(peers)])
  const declared = new Set([...runtime, ...Object.keys(devs), name])
  for (const [field, entries] of [['dependencies', deps], ['devDependencies', devs]]) {
    for (const [dep, range] of Object.entries(entries)) {
      note(dep, range, `${name} ${field}`)
      if (workspaceNames.has(dep) && !String(range).startsWith('workspace:')) {
        problems.push(`${name}: ${dep} in ${field} is "${range}", not workspace:`)
      }
    }
  }

  const srcFiles = walk(join(packageDir, 'src'), CODE)
  // everything else in the package that is code: test/, bench/, examples/, jest.config.mjs…
  const testFiles = walk(packageDir, CODE).filter(f => !OUTSIDE_TESTS.test(relative(packageDir, f)))
  const srcImports = importsOf(srcFiles, packageDir)
  const testImports = importsOf(testFiles, packageDir)
  srcImports.delete(name)

  for (const dep of [...runtime].sort()) {
    if (!srcImports.has(dep)) {
      const field = dep in deps ? 'dependencies' : 'peerDependencies'
      const usedByTests = testImports.has(dep) ? ' (only tests import it: make it a devDependency)' : ''
      problems.push(`${name}: ${dep} is in ${field} but unused: src never imports it${usedByTests}`)
    }
  }
  for (const [dep, files] of [...srcImports].sort()) {
    if (!runtime.has(dep)) {
      const where = dep in devs ? ' (it is only a devDependency)' : ''
      problems.push(`${name}: ${dep} is undeclared: src imports it (${files.join(', ')}) but it is not in dependencies/peerDependencies${where}`)
    }
  }
  for (const [dep, files] of [...testImports].sort()) {
    if (!declared.has(dep)) {
      problems.push(`${name}: ${dep} is undeclared (test): ${files.join(', ')} import it but package.json does not declare it (add it to devDependencies)`)
    }
  }

  // what pnpm pack publishes
  const stripSource = exp => Object.fromEntries(Object.entries(exp ?? {}).map(([k, v]) => {
    if (typeof v !== 'object' || v === null) return [k, v]
    const { source, ...rest } = v
    return [k, rest]
  }))
  if (JSON.stringify(manifest.publishConfig?.exports) !== JSON.stringify(stripSource(manifest.exports))) {
    problems.push(`${name}: manifest: publishConfig.exports must equal exports without the "source" condition (expected ${JSON.stringify(stripSource(manifest.exports))})`)
  }
  if ((manifest.files ?? []).some(f => /^(\.\/)?src(\/|$)/.test(f))) problems.push(`${name}: manifest: files ships src/ (its "source" export condition is stripped on publish)`)
  for (const field of ['license', 'homepage', 'bugs', 'repository']) {
    if (manifest[field] == null) problems.push(`${name}: manifest: no ${field}`)
  }
  if (manifest.repository != null && manifest.repository.directory !== `packages/${dir}`) problems.push(`${name}: manifest: repository.directory is not packages/${dir}`)
  const license = join(packageDir, 'LICENSE')
  if (!existsSync(license)) problems.push(`${name}: manifest: no LICENSE file (pnpm pack takes only files inside the package: copy the root LICENSE)`)
  else if (existsSync(join(root, 'LICENSE')) && readFileSync(license, 'utf8') !== readFileSync(join(root, 'LICENSE'), 'utf8')) problems.push(`${name}: manifest: LICENSE differs from the root LICENSE`)

  const distDir = join(packageDir, 'dist')
  if (existsSync(distDir)) {
    checkedDts++
    const dtsImports = importsOf(walk(distDir, /\.d\.[cm]?ts$/), packageDir)
    dtsImports.delete(name)
    for (const [dep, files] of [...dtsImports].sort()) {
      if (!runtime.has(dep) && !dep.startsWith('@types/') && dep !== 'node') {
        problems.push(`${name}: ${dep} is undeclared (emitted .d.ts): ${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''} reference it but it is not in dependencies/peerDependencies`)
      }
    }
  }

  if (verbose) {
    console.log(`${name}`)
    console.log(`  src imports:  ${[...srcImports.keys()].sort().join(', ') || '(none)'}`)
    console.log(`  test imports: ${[...testImports.keys()].sort().join(', ') || '(none)'}`)
  }
}

for (const [dep, ranges] of [...versions].sort(([a], [b]) => a.localeCompare(b))) {
  if (ranges.size > 1) {
    const list = [...ranges].map(([range, where]) => `"${range}" in ${where.join(', ')}`).join('; ')
    problems.push(`${dep}: version mismatch: ${list}`)
  }
}

for (const problem of problems) console.log(problem)
if (problems.length > 0) {
  console.log(`check-deps: ${problems.length} problem(s) in ${manifests.size} packages`)
  process.exitCode = 1
} else {
  const dts = checkedDts === manifests.size ? 'incl. emitted .d.ts' : `emitted .d.ts checked for ${checkedDts}/${manifests.size} (build first for all)`
  console.log(`check-deps: ok (${manifests.size} packages, ${dts})`)
}
