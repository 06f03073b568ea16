// The test bed's tests that need root run in ONE test file, so jest runs them one after another: the test bed
// owns machine-wide names (pokttb*, 10.213.0.0/24) and a lock, and two files in two workers would create, clean
// and refuse each other's networks. The network's cases first, then the CLI's (option parsing runs everywhere).
import './testbed-network.cases.js'
import './testbed-cli.cases.js'
