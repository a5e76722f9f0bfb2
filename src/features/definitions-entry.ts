/**
 * What `import … from 'strata'` resolves to inside a feature definitions module loaded by
 * {@link loadFeatureDefinitions}: the package surface plus every feature-store export.
 */
export * from '../index.js'
export * from './index.js'
