/**
 * The Redis script: applies a batch of requests, each one atomically over all its rules,
 * in one round trip. Its arithmetic mirrors algorithms.ts line for line (integer ms,
 * scaled quantities) so the Redis and memory stores decide identically.
 *
 * ARGV: now ('' = server TIME); the rule-set count, then per set: its rule count and
 * per rule: algorithm code, limit, windowMs, blockDurationMs, burst; the request count, then
 * per request: op and cost in one string (`c1` check 1, `p1` peek, `r0` reset, `c-2`
 * refund 2) and its rule-set index (1-based).
 * KEYS, in order: per request, per rule its state key, then its block key when
 * blockDurationMs > 0.
 * Reply: 4 integers per rule: allowed (0|1), remaining, resetMs, retryAfterMs.
 */
export const RATE_LIMIT_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local t = tonumber(ARGV[1])
-- A client clock may lag real time: keep states longer than their (self-describing) life.
local slack = 0
if t ~= nil then slack = 60000 end
if t == nil then
  local now = redis.call('TIME')
  t = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end
local floor, ceil, max, min = math.floor, math.ceil, math.max, math.min
local ai = 2
local sets = {}
local nsets = tonumber(ARGV[ai]); ai = ai + 1
for si = 1, nsets do
  local nr = tonumber(ARGV[ai]); ai = ai + 1
  local set = {}
  for i = 1, nr do
    -- One working table per rule of the set, reused by every request of the set.
    set[i] = { code = tonumber(ARGV[ai]), L = tonumber(ARGV[ai + 1]), W = tonumber(ARGV[ai + 2]), B = tonumber(ARGV[ai + 3]), C = tonumber(ARGV[ai + 4]),
      k = false, bk = false, allowed = false, blocked = false, remaining = 0, reset = 0, retry = 0, keep = 0,
      na = 0, nb = 0, nc = 0, expired = 0 }
    ai = ai + 5
  end
  sets[si] = set
end
local nreq = tonumber(ARGV[ai]); ai = ai + 1
local ki = 1
local out, on = {}, 0
-- Every state value is an integer (integer ms, scaled quantities): %d is exact and fast.
local function enc(a, b, c) return string.format('%d %d %d', a, b, c) end
for _ = 1, nreq do
  local oc = ARGV[ai]
  local op, cost = string.sub(oc, 1, 1), tonumber(string.sub(oc, 2))
  local set = sets[tonumber(ARGV[ai + 1])]
  ai = ai + 2
  local nr = #set
  local R = set
  local all = true
  for i = 1, nr do
    local r = R[i]
    r.k = KEYS[ki]
    r.blocked = false
    r.nc = 0
    r.expired = 0
    ki = ki + 1
    if r.B > 0 then r.bk = KEYS[ki]; ki = ki + 1 end
  end
  if op == 'r' then
    for i = 1, nr do
      local r = R[i]
      redis.call('DEL', r.k)
      if r.bk then redis.call('DEL', r.bk) end
      out[on + 1], out[on + 2], out[on + 3], out[on + 4] = 1, r.C, 0, 0
      on = on + 4
    end
  else
    for i = 1, nr do
      local r = R[i]
      local L, W, code = r.L, r.W, r.code
      local n
      if code == 5 then
        local len = redis.call('LLEN', r.k)
        local head = 0
        while head < len and tonumber(redis.call('LINDEX', r.k, head)) <= t - W do head = head + 1 end
        local count = len - head
        r.expired = head
        n = count
        if cost <= 0 then n = max(0, count + cost) elseif count + cost <= L then n = count + cost end
        r.allowed = cost <= 0 or count + cost <= L
        r.remaining = L - n
        local newest = 0
        if n > count then newest = t elseif n > 0 then newest = tonumber(redis.call('LINDEX', r.k, head + n - 1)) end
        if n == 0 then r.keep = 0 else r.keep = newest + W - t end
        if r.allowed then
          r.retry = 0
          if n == 0 then r.reset = 0
          elseif count > 0 then r.reset = tonumber(redis.call('LINDEX', r.k, head)) + W - t
          else r.reset = W end
        else
          r.retry = tonumber(redis.call('LINDEX', r.k, head + count + cost - L - 1)) + W - t
          r.reset = r.retry
        end
      else
        local raw = redis.call('GET', r.k)
        local sa, sb, sc
        if raw then
          local x, y, z = string.match(raw, '^(%S+) (%S+) (%S+)$')
          sa, sb, sc = tonumber(x), tonumber(y), tonumber(z)
        end
        r.nc = 0
        if code == 1 or code == 6 then
          local start
          if code == 6 then
            if sa and t < sa + W then start = sa else start = t end
          else
            start = floor(t / W) * W
          end
          local count = 0
          if sa == start then count = sb end
          n = count
          if cost <= 0 then n = max(0, count + cost) elseif count + cost <= L then n = count + cost end
          r.allowed = cost <= 0 or count + cost <= L
          r.remaining = L - n
          if n > 0 or not r.allowed then r.reset = start + W - t else r.reset = 0 end
          if r.allowed then r.retry = 0 else r.retry = start + W - t end
          r.na, r.nb = start, n
          if n > 0 or code == 1 then r.keep = start + W - t else r.keep = 0 end
        elseif code == 2 then
          local cur = floor(t / W) * W
          local prev, count = 0, 0
          if sa == cur then prev, count = sb, sc elseif sa == cur - W then prev = sc end
          local elapsed = t - cur
          local est = prev * (W - elapsed) + count * W
          n = count
          if cost <= 0 then n = max(0, count + cost) elseif est + cost * W <= L * W then n = count + cost end
          r.allowed = cost <= 0 or est + cost * W <= L * W
          r.remaining = floor((L * W - (prev * (W - elapsed) + n * W)) / W)
          if r.allowed then
            r.retry = 0
            if prev > 0 then
              r.reset = cur + W - floor(((L - n - r.remaining - 1) * W) / prev) - t
            elseif n > 0 then
              r.reset = min(W, cur + 2 * W - floor(((n - 1) * W) / n) - t)
            else
              r.reset = 0
            end
          else
            local room = L - cost - count
            if room >= 0 and prev > 0 then
              r.retry = cur + W - floor((room * W) / prev) - t
            else
              r.retry = cur + 2 * W - floor(((L - cost) * W) / count) - t
            end
            r.reset = r.retry
          end
          r.na, r.nb, r.nc, r.keep = cur, prev, n, cur + 2 * W - t
        elseif code == 3 then
          local cap = r.C * W
          local tokens = cap
          if sa then tokens = min(cap, sa + max(0, t - sb) * L) end
          n = tokens
          if cost <= 0 then n = min(cap, tokens - cost * W) elseif tokens >= cost * W then n = tokens - cost * W end
          r.allowed = cost <= 0 or tokens >= cost * W
          r.remaining = floor(n / W)
          if r.allowed then
            r.retry = 0
            if n >= cap then r.reset = 0 else r.reset = ceil(((r.remaining + 1) * W - n) / L) end
          else
            r.retry = ceil((cost * W - tokens) / L)
            r.reset = r.retry
          end
          r.na, r.nb, r.keep = n, t, ceil((cap - n) / L)
        else
          local tol = W * r.C
          local ahead = 0
          if sa then ahead = max(0, sa - max(0, t - sb) * L) end
          n = ahead
          if cost <= 0 then n = max(0, ahead + cost * W) elseif ahead + cost * W <= tol then n = ahead + cost * W end
          r.allowed = cost <= 0 or ahead + cost * W <= tol
          r.remaining = floor((tol - n) / W)
          if r.allowed then
            r.retry = 0
            if n == 0 then r.reset = 0 else r.reset = ceil((n - (r.C - r.remaining - 1) * W) / L) end
          else
            r.retry = ceil((ahead + cost * W - tol) / L)
            r.reset = r.retry
          end
          r.na, r.nb, r.keep = n, t, ceil(n / L)
        end
      end
      if r.bk and cost > 0 then
        local bu = tonumber(redis.call('GET', r.bk) or '0')
        if bu > t then
          r.blocked = true
          if r.allowed or r.retry < bu - t then r.retry = bu - t end
          r.allowed = false
          r.remaining = 0
          r.reset = r.retry
        end
      end
      if not r.allowed then all = false end
    end
    for i = 1, nr do
      local r = R[i]
      local write = false
      local c = cost
      if op == 'c' then
        if all then
          write = true
        elseif (not r.allowed) and (not r.blocked) and r.bk then
          write = true
          c = 0
          redis.call('SET', r.bk, string.format('%d', t + r.B), 'PX', r.B + slack)
          if r.retry < r.B then r.retry = r.B end
          r.reset = r.retry
        end
      end
      if write then
        if r.code == 5 then
          if r.expired > 0 then redis.call('LTRIM', r.k, r.expired, -1) end
          if c > 0 then
            local items = {}
            for j = 1, c do items[j] = t end
            for j = 1, c, 4000 do redis.call('RPUSH', r.k, unpack(items, j, min(c, j + 3999))) end
          elseif c < 0 then
            local len = redis.call('LLEN', r.k)
            if len > 0 then redis.call('RPOP', r.k, min(len, -c)) end
          end
          if r.keep > 0 then redis.call('PEXPIRE', r.k, r.keep + slack) else redis.call('DEL', r.k) end
        elseif r.keep > 0 then
          redis.call('SET', r.k, enc(r.na, r.nb, r.nc), 'PX', r.keep + slack)
        else
          redis.call('DEL', r.k)
        end
      end
      out[on + 1] = r.allowed and 1 or 0
      out[on + 2], out[on + 3], out[on + 4] = r.remaining, r.reset, r.retry
      on = on + 4
    end
  end
end
return out
`;
