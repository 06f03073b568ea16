/**
 * `Promise.withResolvers` for Node 20: libp2p 3 (and transitive deps of libp2p 2.10) call it, and V8 ships it only
 * from Node 22. Without it the first connection fails with `EncryptionFailedError`. Import this module before
 * anything that loads libp2p; `@pokt-p2p/transport` does so itself.
 *
 * @packageDocumentation
 */

interface Resolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> }

if (typeof P.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T> (this: PromiseConstructor): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve']
      let reject!: Resolvers<T>['reject']
      const promise = new this<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}

export {}
