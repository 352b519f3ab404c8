//! The queue's Lua scripts: each step that touches more than one key, or must check that the
//! caller still holds a job, runs as one script, so that it is atomic across replicas.
//!
//! Every script that ends or renews a job first checks, with `XPENDING`, that the job is still
//! pending for this consumer: a worker whose lease expired (and whose job another worker took
//! over) changes nothing. Delays use Redis's own clock (`TIME`), so replicas whose clocks
//! disagree still agree on when a retry is due.

use redis::Script;

/// Whether `id` is pending for this consumer (`ARGV[1]` group, `ARGV[2]` consumer).
const OWNED: &str = r"
local function owned(id)
  return #redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2]) == 1
end
";

/// Redis's clock in milliseconds.
const NOW: &str = r"
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
";

/// Adds the jobs of one batch. `KEYS[1]` stream, `KEYS[1 + i]` job i's message-id key (the
/// stream itself for a job without one); `ARGV[1]` how long an id is kept (ms), `ARGV[2i]` job
/// i, `ARGV[2i + 1]` `1` when job i has a message id. One number per job: 1 added, 0 a repeat
/// (its id already queued, by another replica or earlier in this batch).
const PUSH: &str = r"
local added = {}
for i = 1, #KEYS - 1 do
  if ARGV[2 * i + 1] ~= '1' or redis.call('SET', KEYS[i + 1], '1', 'NX', 'PX', ARGV[1]) then
    redis.call('XADD', KEYS[1], '*', 'job', ARGV[2 * i])
    added[i] = 1
  else
    added[i] = 0
  end
end
return added
";

/// `KEYS[1]` stream; `ARGV` group, consumer, entry id. 1 when done, 0 when not held.
const DONE: &str = r"
if not owned(ARGV[3]) then return 0 end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return 1
";

/// `KEYS[1]` stream, `KEYS[2]` delayed jobs; `ARGV` group, consumer, entry id, delay (ms),
/// the job as it is to run next. 1 when moved to the delayed jobs, 0 when not held.
const RETRY: &str = r"
if not owned(ARGV[3]) then return 0 end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], now() + tonumber(ARGV[4]), ARGV[5])
return 1
";

/// `KEYS[1]` stream, `KEYS[2]` dead letters; `ARGV` group, consumer, entry id, the job, the
/// reason, how many dead letters to keep (about). 1 when dead-lettered, 0 when not held.
const DEAD: &str = r"
if not owned(ARGV[3]) then return 0 end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'job', ARGV[4], 'reason', ARGV[5])
return 1
";

/// `KEYS[1]` stream; `ARGV` group, consumer, entry ids. Resets the idle time of the entries
/// still held; answers the ids that were not (their lease was lost).
const RENEW: &str = r"
local lost = {}
for i = 3, #ARGV do
  if owned(ARGV[i]) then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
";

/// `KEYS[1]` stream; `ARGV` group, consumer, idle time (ms), entry ids. Marks the entries
/// still held as idle for the whole claim time, so another worker takes them over at once.
const RELEASE: &str = r"
for i = 4, #ARGV do
  if owned(ARGV[i]) then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3], 'JUSTID')
  end
end
return 1
";

/// `KEYS[1]` delayed jobs, `KEYS[2]` stream; `ARGV[1]` most jobs to move. Moves the delayed
/// jobs that are due to the stream; answers how many jobs the queue holds.
const PROMOTE: &str = r"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now(), 'LIMIT', 0, tonumber(ARGV[1]))
for _, job in ipairs(due) do
  redis.call('ZREM', KEYS[1], job)
  redis.call('XADD', KEYS[2], '*', 'job', job)
end
return redis.call('XLEN', KEYS[2]) + redis.call('ZCARD', KEYS[1])
";

/// `KEYS[1]` the pause key; `ARGV[1]` epoch ms. Sets the pause unless a later one is set.
const PAUSE: &str = r"
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1])
end
return 1
";

/// `KEYS[1]` stream; `ARGV` group, idle time (ms). Removes the consumers that hold no job and
/// did nothing for that long (the workers of past processes: each process is a consumer of its
/// own); answers how many. In a script, so that a consumer cannot receive a job between the
/// look and the removal.
const FORGET_CONSUMERS: &str = r"
local removed = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local name, pending, idle
  for i = 1, #consumer, 2 do
    local key = consumer[i]
    if key == 'name' then name = consumer[i + 1]
    elseif key == 'pending' then pending = consumer[i + 1]
    elseif key == 'idle' then idle = consumer[i + 1] end
  end
  if name and pending == 0 and idle and idle > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)
    removed = removed + 1
  end
end
return removed
";

/// The scripts, loaded once per queue (Redis caches them by hash).
pub(super) struct Scripts {
    pub(super) push: Script,
    pub(super) done: Script,
    pub(super) retry: Script,
    pub(super) dead: Script,
    pub(super) renew: Script,
    pub(super) release: Script,
    pub(super) promote: Script,
    pub(super) pause: Script,
    pub(super) forget_consumers: Script,
}

impl Scripts {
    pub(super) fn new() -> Self {
        let owned = |body: &str| Script::new(&format!("{OWNED}{NOW}{body}"));
        Scripts {
            push: Script::new(PUSH),
            done: owned(DONE),
            retry: owned(RETRY),
            dead: owned(DEAD),
            renew: owned(RENEW),
            release: owned(RELEASE),
            promote: Script::new(&format!("{NOW}{PROMOTE}")),
            pause: Script::new(PAUSE),
            forget_consumers: Script::new(FORGET_CONSUMERS),
        }
    }
}
