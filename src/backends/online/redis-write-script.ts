/**
 * The Lua script behind every Redis online write: it makes "never replace a newer event
 * time" atomic per entity hash, which a client-side read-then-write could not be.
 *
 * `KEYS[1]` is the entity's hash, `ARGV[1]` the client's clock (epoch ms) and then one
 * triple per field in batch order: field name, event time, payload. A payload is the JSON
 * text `{"t":<eventTime>,"e":<expiresAt>,"v":<value>}` with `e` optional and `t`/`e`
 * first, so the script reads times with a pattern instead of decoding the value.
 * An expired field counts as absent. Redis 7.0 has no per-field expiry, so when a write
 * involves an expiry the script drops expired fields and sets `PEXPIREAT` on the hash to
 * the latest expiry if every field expires (else `PERSIST`). Returns `{written, skipped}`.
 */
export const REDIS_WRITE_SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local function times(payload)
  local t = tonumber(string.match(payload, '^{"t":([^,]+)'))
  local e = string.match(payload, '^{"t":[^,]+,"e":([^,]+)')
  if e then e = tonumber(e) end
  return t, e
end
local written = 0
local expiring = false
for i = 2, #ARGV, 3 do
  local old = redis.call('HGET', key, ARGV[i])
  local keep = false
  if old then
    local oldT, oldE = times(old)
    keep = tonumber(ARGV[i + 1]) < oldT and (oldE == nil or oldE > now)
  end
  if not keep then
    redis.call('HSET', key, ARGV[i], ARGV[i + 2])
    written = written + 1
    local _, e = times(ARGV[i + 2])
    if e then expiring = true end
  end
end
if expiring then
  local all = redis.call('HGETALL', key)
  local expired = {}
  local latest = nil
  local forever = false
  for j = 1, #all, 2 do
    local _, e = times(all[j + 1])
    if e == nil then
      forever = true
    elseif e <= now then
      expired[#expired + 1] = all[j]
    elseif latest == nil or e > latest then
      latest = e
    end
  end
  if #expired > 0 then redis.call('HDEL', key, unpack(expired)) end
  if latest ~= nil and not forever and latest < 9007199254740992 then
    redis.call('PEXPIREAT', key, string.format('%.0f', math.ceil(latest)))
  else
    redis.call('PERSIST', key)
  end
elseif written > 0 and redis.call('PTTL', key) >= 0 then
  redis.call('PERSIST', key)
end
return {written, (#ARGV - 1) / 3 - written}
`

/** The payload stored in a hash field; see {@link REDIS_WRITE_SCRIPT}. */
export function encodeRedisPayload(json: string, eventTime: number, expiresAt: number | undefined): string {
  const t = JSON.stringify(eventTime)
  return expiresAt === undefined
    ? `{"t":${t},"v":${json}}`
    : `{"t":${t},"e":${JSON.stringify(expiresAt)},"v":${json}}`
}
