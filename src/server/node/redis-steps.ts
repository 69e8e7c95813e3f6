/**
 * The Redis store's steps as one Lua script: a batch of steps (take a token, charge, admit,
 * settle) runs inside Redis in order, in one atomic call, so no other replica's step comes between
 * a bucket's refill and its take or between a quota's check and its charge. Each hash the batch
 * touches is read once and written once, however many of its steps touch it; the bucket's clock
 * is Redis' own (TIME), so replicas' clocks don't matter.
 */
import { createHash } from 'node:crypto';
import type { BucketRate, UsageCounts } from '../limits-store.js';
import type { Quota } from '../quota.js';
import { burstOf } from '../rate-limit.js';

/** Every key this store writes starts with this, so one Redis can hold other things too. */
const PREFIX = 'webrerank:';

/** A bucket and its limit, the burst worked out (and checked) before the step joins a batch. */
export interface StepRate {
  bucket: string;
  requestsPerSecond: number;
  burst: number;
}

/** The rate of a step, or a RangeError for a nonsensical limit: thrown to the step's own caller, not the batch. */
export function stepRate(rate: BucketRate): StepRate {
  return { bucket: rate.bucket, requestsPerSecond: rate.limit.requestsPerSecond, burst: burstOf(rate.limit) };
}

export type RedisStep =
  | { kind: 'take'; rate: StepRate }
  | { kind: 'charge'; key: string; day: string; usage: UsageCounts; quota: Quota | undefined }
  | { kind: 'admit'; rate: StepRate | undefined; key: string; day: string; usage: UsageCounts; quota: Quota | undefined }
  | { kind: 'settle'; key: string; day: string; back: UsageCounts; more: UsageCounts };

/** What a step did: whether the rate allowed it (and else how many seconds until it would), whether it was charged. */
export interface StepResult {
  allowed: boolean;
  retryAfterSeconds: number;
  charged: boolean;
}

/**
 * KEYS: every hash the batch touches. ARGV: the steps, each its kind and then its fields, keys as
 * indexes into KEYS (see {@link encodeSteps}). Returns three numbers per step: allowed (1/0),
 * seconds to wait, charged (1/0).
 */
const BATCH = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local FIELDS = {'requests', 'documents', 'search_units', 'tokens'}
local buckets, rows, changed = {}, {}, {}

local function bucket(index, burst)
  local state = buckets[index]
  if state == nil then
    local saved = redis.call('HMGET', KEYS[index], 'tokens', 'at')
    state = {tokens = tonumber(saved[1]) or burst, at = tonumber(saved[2]) or now}
    buckets[index] = state
  end
  return state
end

local function row(index)
  local counts = rows[index]
  if counts == nil then
    local saved = redis.call('HMGET', KEYS[index], unpack(FIELDS))
    counts = {}
    for field = 1, 4 do counts[field] = tonumber(saved[field]) or 0 end
    rows[index] = counts
  end
  return counts
end

-- Refills the bucket by the clock and takes one token: allowed (1 or 0), seconds to wait.
local function take(index, perSecond, burst)
  local state = bucket(index, burst)
  local rate = perSecond / 1000
  local tokens = math.min(burst, state.tokens + math.max(0, now - state.at) * rate)
  state.at = now
  state.expire = math.ceil(burst / rate) + 1000
  if tokens >= 1 then
    state.tokens = tokens - 1
    return 1, 0
  end
  state.tokens = tokens
  return 0, math.max(1, math.ceil((1 - tokens) / rate / 1000))
end

-- Adds the four counts at ARGV[at..at+3] to the totals and the day unless the totals would pass
-- the quotas at ARGV[at+4], ARGV[at+5] (-1: none): 1 when charged.
local function charge(totals, day, at)
  local used = row(totals)
  local quotaRequests, quotaDocuments = tonumber(ARGV[at + 4]), tonumber(ARGV[at + 5])
  if quotaRequests >= 0 and used[1] + tonumber(ARGV[at]) > quotaRequests then return 0 end
  if quotaDocuments >= 0 and used[2] + tonumber(ARGV[at + 1]) > quotaDocuments then return 0 end
  for _, index in ipairs({totals, day}) do
    local counts = row(index)
    for field = 1, 4 do counts[field] = counts[field] + tonumber(ARGV[at + field - 1]) end
    changed[index] = true
  end
  return 1
end

local results = {}
local at = 1
while at <= #ARGV do
  local kind = ARGV[at]
  local allowed, wait, charged = 1, 0, 0
  if kind == 'take' then
    allowed, wait = take(tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]))
    at = at + 4
  elseif kind == 'charge' then
    charged = charge(tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), at + 3)
    at = at + 9
  elseif kind == 'admit' then
    if tonumber(ARGV[at + 2]) > 0 then
      allowed, wait = take(tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3]))
    end
    if allowed == 1 then charged = charge(tonumber(ARGV[at + 4]), tonumber(ARGV[at + 5]), at + 6) end
    at = at + 12
  elseif kind == 'settle' then
    -- Takes back the four counts at at+3.. (never below zero) and adds the four at at+7..
    for _, index in ipairs({tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])}) do
      local counts = row(index)
      for field = 1, 4 do counts[field] = math.max(0, counts[field] - tonumber(ARGV[at + 2 + field])) + tonumber(ARGV[at + 6 + field]) end
      changed[index] = true
    end
    at = at + 11
  else
    return redis.error_reply('unknown step ' .. tostring(kind))
  end
  results[#results + 1] = allowed
  results[#results + 1] = wait
  results[#results + 1] = charged
end

for index, state in pairs(buckets) do
  if state.expire then
    redis.call('HSET', KEYS[index], 'tokens', string.format('%.17g', state.tokens), 'at', string.format('%.0f', state.at))
    redis.call('PEXPIRE', KEYS[index], state.expire)
  end
end
for index in pairs(changed) do
  local counts = rows[index]
  redis.call('HSET', KEYS[index], 'requests', string.format('%.0f', counts[1]), 'documents', string.format('%.0f', counts[2]),
    'search_units', string.format('%.0f', counts[3]), 'tokens', string.format('%.0f', counts[4]))
end
return results
`;

export const BATCH_SCRIPT = { source: BATCH, sha: createHash('sha1').update(BATCH).digest('hex') };

export const USAGE_FIELDS = ['requests', 'documents', 'search_units', 'tokens'] as const;

/** The batch's KEYS (each hash once) and ARGV. */
export function encodeSteps(steps: RedisStep[]): { keys: string[]; args: (string | number)[] } {
  const keys: string[] = [];
  const indexes = new Map<string, number>();
  const indexOf = (key: string): number => {
    let index = indexes.get(key);
    if (index === undefined) {
      index = keys.push(key);
      indexes.set(key, index);
    }
    return index;
  };
  const rateArgs = (rate: StepRate | undefined) => (rate ? [indexOf(bucketKey(rate.bucket)), rate.requestsPerSecond, rate.burst] : [0, 0, 0]);
  const usageArgs = (key: string, day: string) => usageKeys(key, day).map(indexOf);
  const quotaArgs = (quota: Quota | undefined) => [quota?.requests ?? -1, quota?.documents ?? -1];
  const args: (string | number)[] = [];
  for (const step of steps) {
    if (step.kind === 'take') args.push('take', ...rateArgs(step.rate));
    else if (step.kind === 'charge') args.push('charge', ...usageArgs(step.key, step.day), ...counts(step.usage), ...quotaArgs(step.quota));
    else if (step.kind === 'admit') args.push('admit', ...rateArgs(step.rate), ...usageArgs(step.key, step.day), ...counts(step.usage), ...quotaArgs(step.quota));
    else args.push('settle', ...usageArgs(step.key, step.day), ...counts(step.back), ...counts(step.more));
  }
  return { keys, args };
}

/** The script's reply, a result per step. */
export function decodeResults(reply: unknown, count: number): StepResult[] {
  const numbers = reply as number[];
  return Array.from({ length: count }, (_, step) => ({
    allowed: numbers[3 * step] === 1,
    retryAfterSeconds: numbers[3 * step + 1] ?? 0,
    charged: numbers[3 * step + 2] === 1,
  }));
}

/** The hash of the bucket named `bucket`. */
export function bucketKey(bucket: string): string {
  return `${PREFIX}bucket:${bucket}`;
}

/** The hashes of `key`'s totals and of its usage on `day`. */
export function usageKeys(key: string, day: string): [string, string] {
  return [`${PREFIX}usage:${key}:total`, `${PREFIX}usage:${key}:${day}`];
}

function counts(usage: UsageCounts): number[] {
  return [usage.requests, usage.documents, usage.searchUnits, usage.tokens];
}

