/**
 * The Lua script behind Redis online reads of more than one entity: one command for the whole
 * batch instead of one `HMGET`/`HGETALL` per entity. Per command the client allocates a
 * command object, a promise and a timeout timer and encodes and decodes a frame, which costs
 * far more CPU than the server's hash lookups; one script call reads all hashes of a batch.
 * The script only reads, so it runs wherever the per-entity commands would (also under
 * `maxmemory` and on replicas).
 *
 * `KEYS` are the entity hashes, `ARGV` the fields to read (none: every field). The reply has
 * one entry per key, in order: the `HMGET` reply (a value or nil per field) or the flat
 * `HGETALL` reply (field, value, field, value, …).
 */
export const REDIS_READ_SCRIPT = `
local out = {}
if #ARGV == 0 then
  for i = 1, #KEYS do out[i] = redis.call('HGETALL', KEYS[i]) end
else
  for i = 1, #KEYS do out[i] = redis.call('HMGET', KEYS[i], unpack(ARGV)) end
end
return out
`

/**
 * Most keys one script call reads: bounds how long one call holds the server (Redis runs a
 * script to its end before serving anyone else) and Lua's `unpack` limits. Larger batches are
 * read in several calls, sent together.
 */
export const REDIS_READ_SCRIPT_KEYS = 1000
