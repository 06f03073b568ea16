// libp2p 3 calls Promise.withResolvers, which V8 ships only from Node 22. Jest loads this file inside each
// test's realm (setupFiles); entry points import @pokt-p2p/transport/polyfill, which does the same.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers () {
      let resolve
      let reject
      const promise = new this((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}
