/**
 * The README's TypeScript examples are the files in `examples/`: type-checked with the package (tsconfig.json) and
 * run here. A README code block preceded by `<!-- example: examples/<file>.ts -->` must equal that file, and no
 * untagged TypeScript block may remain.
 */
import { describe } from '@jest/globals'
// The example is a jest test module: importing it registers the compliance suite for its router, which runs below.
import '../examples/router-compliance.js'
import { itShowsEveryExampleInTheReadme } from '../../../test-support/readme-examples.js'

const pkg = new URL('../', import.meta.url)

describe('README examples', () => {
  itShowsEveryExampleInTheReadme(pkg)
})
