import { describe, expect, it } from 'vitest'
import { isStrataError } from '../../core/errors.js'
import { parseS3Url } from './s3-url.js'

describe('parseS3Url', () => {
  it('parses bucket, prefix and every query parameter', () => {
    expect(
      parseS3Url(
        's3://strata-test/tests/run-1?endpoint=http://127.0.0.1:45679&region=us-east-1&forcePathStyle=true',
      ),
    ).toEqual({
      bucket: 'strata-test',
      prefix: 'tests/run-1',
      endpoint: 'http://127.0.0.1:45679',
      region: 'us-east-1',
      forcePathStyle: true,
    })
  })

  it.each([
    ['s3://my.bucket', { bucket: 'my.bucket', prefix: '' }],
    ['s3://bkt/', { bucket: 'bkt', prefix: '' }],
    ['s3://bkt//deep/prefix//', { bucket: 'bkt', prefix: 'deep/prefix' }],
    ['s3://bkt/with%20space', { bucket: 'bkt', prefix: 'with space' }],
    ['s3://bkt/p?forcePathStyle=false', { bucket: 'bkt', prefix: 'p', forcePathStyle: false }],
    ['s3://bkt?region=eu-west-1', { bucket: 'bkt', prefix: '', region: 'eu-west-1' }],
  ])('parses %s', (url, expected) => {
    expect(parseS3Url(url)).toEqual(expected)
  })

  it.each([
    ['not a url', 'not a URL'],
    ['https://bucket/prefix', 'scheme'],
    ['s3:///prefix', 'bucket name is missing'],
    ['s3://Upper/prefix', 'not a valid S3 bucket name'],
    ['s3://a/prefix', 'not a valid S3 bucket name'],
    ['s3://bad_bucket/x', 'not a valid S3 bucket name'],
    ['s3://key:secret@bucket/x', 'AWS_ACCESS_KEY_ID'],
    ['s3://bucket:9000/x', 'endpoint'],
    ['s3://bucket/x#frag', 'fragment'],
    ['s3://bucket/a/../b', '".."'],
    ['s3://bucket/a/%2E/b', '"."'],
    ['s3://bucket/a//b', 'empty segment'],
    ['s3://bucket/%zz', 'percent-encoding'],
    ['s3://bucket/x?endpont=http://h', 'unknown parameter "endpont"'],
    ['s3://bucket/x?endpoint=ftp://h', 'not an http:// or https:// URL'],
    ['s3://bucket/x?endpoint=', 'is empty'],
    ['s3://bucket/x?region=US%20EAST', 'not a region name'],
    ['s3://bucket/x?forcePathStyle=yes', 'must be "true" or "false"'],
    ['s3://bucket/x?region=a&region=b', 'more than once'],
  ])('rejects %s with INVALID_ARGUMENT naming the value and the valid form', (url, problem) => {
    let caught: unknown
    try {
      parseS3Url(url)
    } catch (err) {
      caught = err
    }
    expect(isStrataError(caught, 'INVALID_ARGUMENT')).toBe(true)
    const message = (caught as Error).message
    expect(message).toContain(JSON.stringify(url))
    expect(message).toContain(problem)
    expect(message).toContain('s3://<bucket>[/<prefix>]')
  })
})
