import preset from '../../jest.preset.mjs'

// One worker: every test here runs whole networks (27 nodes in one process, or several node processes) whose
// libp2p pings and dials time out when the CPU is starved; two such tests at once on a loaded 2-core machine
// starve each other. Run one after the other, the suite takes about as long and stays correct under load.
export default { ...preset, maxWorkers: 1, globalSetup: '<rootDir>/test/global-setup.mjs' }
