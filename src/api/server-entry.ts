/**
 * `strata-ml/server`: Strata's HTTP server embedded in your own Node process
 * ({@link startServer}), for applications and notebooks that already hold an open project.
 * The `strata server` command is the standalone form.
 *
 * @packageDocumentation
 */
export { type EmbeddedServer, type StartServerOptions, startServer } from './embedded-server.js'
