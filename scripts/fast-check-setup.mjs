// fast-check 4 generates at most about 10 elements for an array or string unless told otherwise (`size: 'small'`),
// even when a test names a larger `maxLength`: a fuzz property with `maxLength: 2 * CAP` never produced an oversize
// input. Jest loads this file inside each test's realm (setupFiles), before the test file: an explicit maxLength
// means the whole range.
import fc from 'fast-check'

fc.configureGlobal({ ...fc.readConfigureGlobal(), defaultSizeToMaxWhenMaxSpecified: true })
