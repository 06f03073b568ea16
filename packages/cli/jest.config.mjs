import preset from '../../jest.preset.mjs'

export default { ...preset, globalSetup: '<rootDir>/test/global-setup.mjs' }
