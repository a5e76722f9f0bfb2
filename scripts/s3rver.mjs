// Starts an S3-compatible server (s3rver) on loopback for the blob-store tests.
// Usage: node scripts/s3rver.mjs <port> <directory> <bucket>
import S3rver from 's3rver'

const [port = '45679', directory = '/tmp/strata-s3rver', bucket = 'strata-test'] = process.argv.slice(2)
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
})
await server.run()
console.log(`s3rver listening on 127.0.0.1:${port}, bucket ${bucket}`)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close().finally(() => process.exit(0))
  })
}
