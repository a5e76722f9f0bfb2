export type { ServiceContext } from './service-context.js'
