// Shared jest settings for every package. ESM + ts-jest in transpile-only mode: `tsc --noEmit` is its own turbo
// task because ts-jest does not fail a test run on type errors.
import { fileURLToPath } from 'node:url'

const polyfill = fileURLToPath(new URL('./scripts/polyfill.mjs', import.meta.url))
const fastCheck = fileURLToPath(new URL('./scripts/fast-check-setup.mjs', import.meta.url))

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  // Resolve workspace packages to their TypeScript sources, so `pnpm --filter <pkg> test` needs no prior build.
  testEnvironmentOptions: { customExportConditions: ['source', 'node', 'node-addons'] },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }]
  },
  setupFiles: [polyfill, fastCheck],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
  // Tests print measurements with console.log; in the suite's output they bury what a reader needs (which test
  // failed and why). `--silent=false` shows them.
  silent: true
  // No forceExit: scripts/jest.mjs exits once the run is done, so a leaked handle cannot hang CI. Packages that own
  // sockets and timers check for leaks explicitly (stop/start tests).
}
