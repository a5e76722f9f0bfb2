export { LocalExecutor, type LocalExecutorConfig } from './local-executor.js'
