/**
 * README examples as tests, shared by every package: a README's TypeScript examples are the files in the package's
 * `examples/` folder, type-checked with the package (its tsconfig.json includes them) and run by its
 * `test/examples.test.ts`. A README code block preceded by `<!-- example: examples/<file>.ts -->` must equal that
 * file, every example file must appear in the README, and no untagged TypeScript block may remain. The same holds
 * for the API documentation: `src/index.ts` opens with the `@packageDocumentation` comment, whose `@example` is one
 * of those files, and that file runs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { format } from 'node:util'
import { expect, it, jest } from '@jest/globals'

interface CodeBlock { lang: string, code: string, example?: string }

/** The fenced code blocks of a markdown text, each with the `<!-- example: … -->` tag on the line before it. */
export function codeBlocks (markdown: string): CodeBlock[] {
  const lines = markdown.split('\n')
  const blocks: CodeBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const lang = /^\s*```(\S*)/.exec(lines[i] ?? '')?.[1]
    if (lang === undefined) continue
    const end = lines.findIndex((line, j) => j > i && line.trim() === '```')
    if (end < 0) throw new Error(`README.md:${i + 1}: unterminated code block`)
    const example = /^<!-- example: (\S+) -->$/.exec(lines[i - 1] ?? '')?.[1]
    blocks.push({ lang, code: lines.slice(i + 1, end).join('\n') + '\n', ...(example === undefined ? {} : { example }) })
    i = end
  }
  return blocks
}

/**
 * Registers the test that the README at `packageUrl` (the package folder, ending in `/`) shows exactly the files
 * of its `examples/` folder.
 */
export function itShowsEveryExampleInTheReadme (packageUrl: URL): void {
  it('every TypeScript block of the README is tagged and equals its file in examples/', () => {
    const blocks = codeBlocks(readFileSync(new URL('README.md', packageUrl), 'utf8'))
    expect(blocks.filter(b => /^(ts|typescript|js|javascript)$/.test(b.lang) && b.example === undefined)).toEqual([])
    for (const { example, code } of blocks) {
      if (example !== undefined) expect({ example, code }).toEqual({ example, code: readFileSync(new URL(example, packageUrl), 'utf8') })
    }
    const files = readdirSync(new URL('examples/', packageUrl)).map(f => `examples/${f}`).sort()
    expect(blocks.flatMap(b => b.example ?? []).sort()).toEqual(files)
  })

  it('src/index.ts opens with @packageDocumentation and an @example that is a file of examples/, and that file runs', async () => {
    for (const file of packageDocExamples(packageUrl)) await runExample(packageUrl, file)
  }, 120_000)
}

/** The text of a TSDoc comment without its delimiters and its ` * ` line prefixes. */
function commentText (comment: string): string[] {
  return comment.replace(/^\/\*\*/, '').replace(/\*\/$/, '').split('\n').map(line => line.replace(/^\s*\* ?/, ''))
}

/** `code` without trailing whitespace on its lines and at its end: what "the same example" compares. */
function normalized (code: string): string {
  return code.split('\n').map(line => line.trimEnd()).join('\n').trimEnd()
}

/** The first line where `a` and `b` differ, for a failure message a reader can act on. */
function firstDifference (a: string, b: string): string {
  const x = a.split('\n')
  const y = b.split('\n')
  const i = x.findIndex((line, j) => line !== y[j])
  const at = i < 0 ? x.length : i
  return `line ${at + 1}: the @example has ${JSON.stringify(x[at] ?? '(end)')}, the file has ${JSON.stringify(y[at] ?? '(end)')}`
}

/**
 * The files of `examples/` that the `@example`s of the package's `src/index.ts` show, checking on the way that the
 * file opens with a `/**` comment holding `@packageDocumentation` and at least one `@example` whose ```ts block
 * (without the comment's ` * ` prefixes) equals, up to trailing whitespace, a file of `examples/`. Throws an error
 * naming the package and what differs otherwise.
 */
export function packageDocExamples (packageUrl: URL): string[] {
  const { name } = JSON.parse(readFileSync(new URL('package.json', packageUrl), 'utf8')) as { name: string }
  const fail = (what: string): never => { throw new Error(`${name}: src/index.ts ${what}`) }
  const source = readFileSync(new URL('src/index.ts', packageUrl), 'utf8').trimStart()
  const end = source.indexOf('*/')
  if (!source.startsWith('/**') || end < 0) fail('does not open with a /** comment (the @packageDocumentation one)')
  const lines = commentText(source.slice(0, end + 2))
  if (!lines.some(line => /(^|\s)@packageDocumentation\b/.test(line))) fail('opens with a comment without @packageDocumentation')

  // each @example section runs to the next block tag; its first ```ts (or ```typescript) block is the example
  const examples: string[] = []
  let fenced = false
  lines.forEach((line, i) => {
    if (line.trim().startsWith('```')) fenced = !fenced
    if (fenced || !/^@example\b/.test(line.trim())) return
    const open = lines.findIndex((l, j) => j > i && l.trim().startsWith('```'))
    const tag = lines.findIndex((l, j) => j > i && /^@\w+/.test(l.trim()))
    const close = lines.findIndex((l, j) => j > open && l.trim() === '```')
    if (open < 0 || (tag >= 0 && tag < open) || close < 0 || !/^```(ts|typescript)$/.test(lines[open]?.trim() ?? '')) {
      fail(`has an @example (comment line ${i + 1}) without a complete \`\`\`ts block`)
    }
    examples.push(lines.slice(open + 1, close).join('\n'))
  })
  if (examples.length === 0) fail('has no @example in its @packageDocumentation comment')

  const dir = new URL('examples/', packageUrl)
  const files = (existsSync(dir) ? readdirSync(dir) : []).filter(f => /\.(ts|mts)$/.test(f)).sort()
    .map(f => ({ file: `examples/${f}`, code: normalized(readFileSync(new URL(f, dir), 'utf8')) }))
  if (files.length === 0) fail('has an @example, but the package has no examples/*.ts file for it to equal')
  return [...new Set(examples.map(example => {
    const code = normalized(example)
    const same = files.find(f => f.code === code)
    if (same !== undefined) return same.file
    // name the file it was most likely copied from: the one sharing the most lines with it
    const shared = (f: { code: string }): number => { const ls = new Set(f.code.split('\n')); return code.split('\n').filter(l => ls.has(l)).length }
    const closest = files.reduce((best, f) => shared(f) > shared(best) ? f : best)
    return fail(`@example is not the content of any file of examples/ (${files.map(f => f.file).join(', ')}); ` +
      `closest is ${closest.file}, first difference at ${firstDifference(code, closest.code)}`)
  }))]
}

/** What keeps a process alive (sockets, servers, ref'ed timers…), counted by type. */
function openResources (): Map<string, number> {
  const counts = new Map<string, number>()
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1)
  return counts
}

/** Examples already run in this test file, by URL: a module runs once, on its first import. */
const ran = new Map<string, Promise<string[]>>()

/**
 * Runs an example's top-level code by importing it, as `node` would run the file, and returns what it printed with
 * `console.log`. Fails when the example leaves a handle open (a program that did would not exit). An ES module runs
 * once per test file: a second call for the same file returns (or fails with) the first run's outcome, so the
 * `@example` check and a test of the same file's output can both run it.
 */
export async function runExample (packageUrl: URL, file: string): Promise<string[]> {
  const url = new URL(file, packageUrl).href
  let run = ran.get(url)
  if (run === undefined) {
    run = runOnce(packageUrl, file)
    ran.set(url, run)
  }
  return await run
}

async function runOnce (packageUrl: URL, file: string): Promise<string[]> {
  // stdin, stdout and stderr open their handles on first use, whoever uses them: open them before counting
  void [process.stdin, process.stdout, process.stderr]
  const before = openResources()
  const log = jest.spyOn(console, 'log').mockImplementation(() => {})
  let printed: string[]
  try {
    await import(fileURLToPath(new URL(file, packageUrl)))
  } finally {
    printed = log.mock.calls.map(args => format(...args))
    log.mockRestore()
  }
  // closing completes asynchronously: wait until every handle the example opened is gone, or fail after 5 s
  let left: string[] = []
  for (let attempt = 0; attempt < 50; attempt++) {
    const now = openResources()
    left = [...now].filter(([type, n]) => n > (before.get(type) ?? 0)).map(([type, n]) => `${type} +${n - (before.get(type) ?? 0)}`)
    if (left.length === 0) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  expect(left).toEqual([])
  return printed
}
