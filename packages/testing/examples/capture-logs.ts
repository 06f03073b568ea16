import { captureLogs } from '@pokt-p2p/testing'

// inject `logs.logger` as a component's `logger`; here we log through it ourselves
const logs = captureLogs()
const log = logs.logger.forComponent('pokt:demo')
log('started with %d peers', 3)
log.error('send to %s failed: %s', 'a1b2c3', new Error('connection refused').message)

// every line, in order, with its arguments substituted; errors get their own namespace
for (const line of logs.lines) console.log(`${line.namespace}: ${line.text}`)
