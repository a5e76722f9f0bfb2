/**
 * Blob store backends: the local file system (`file:`) and S3 (`s3://`).
 * Importing this module loads the AWS SDK; import `./fs-blob-store.js` alone to avoid it.
 */
export { FsBlobStore, type FsBlobStoreConfig } from './fs-blob-store.js'
export { S3BlobStore, type S3BlobStoreConfig } from './s3-blob-store.js'
export { parseS3Url, S3_URL_FORM, type S3Location } from './s3-url.js'
