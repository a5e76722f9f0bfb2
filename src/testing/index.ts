/**
 * Test helpers for Strata backends and projects: one conformance suite per port (run a
 * custom backend through the same cases as the built-in ones), metadata-dialect fixtures,
 * service URLs and disposable CLI projects.
 *
 * @example
 * import { describeBlobStore } from 'strata/testing'
 * describeBlobStore({ name: 'my-store', create: () => new MyBlobStore() })
 */
export * from './blob-store.suite.js'
export * from './blob-store-sync.suite.js'
export * from './metadata-fixture.js'
export * from './online-store.suite.js'
export * from './services.js'
export * from './table-engine.suite.js'
export * from './temp-project.js'
