"""The Lua scripts through which a job's state moves.

Each runs atomically in Redis, so a cancel and a finishing worker (or two workers, one
presumed dead) cannot overwrite each other's writes.
"""

#: Set fields of a job hash only while its state is one of ARGV[1] (comma-separated).
SET_IF_STATE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
for allowed in string.gmatch(ARGV[1], '[^,]+') do
  if allowed == state then
    redis.call('HSET', KEYS[1], unpack(ARGV, 2))
    return 1
  end
end
return 0
"""

#: Take a job for a run. A queued job, or a running one whose worker died, becomes
#: running under ARGV[1] and the new attempt number is returned; 0 for a job that is
#: finished, cancelled or unknown; -1 when it has used up ARGV[3] attempts (now failed);
#: -2 when its attempts are not a number (a malformed record: left as it is).
START = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'queued' and state ~= 'running' then return 0 end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if not attempts then return -2 end
if attempts >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'state', 'failed', 'updated', ARGV[2], 'error',
    'gave up: the worker running it stopped midway, ' .. attempts .. ' time(s)')
  return -1
end
redis.call('HSET', KEYS[1], 'state', 'running', 'worker', ARGV[1], 'updated', ARGV[2])
return redis.call('HINCRBY', KEYS[1], 'attempts', 1)
"""

#: Reset the idle time of message ARGV[3], but only while consumer ARGV[2] owns it:
#: a worker that was presumed dead must not take its job back from its successor.
HEARTBEAT = """
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 or pending[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
"""
