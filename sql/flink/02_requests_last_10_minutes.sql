-- zeppelin: %flink.ssql(type=update, parallelism=1)
-- title: 2. Requests in the last 10 minutes
--
-- A 10-minute window that slides every minute: one row per minute with the requests (and the 4xx and
-- 5xx among them) whose event time falls in the 10 minutes before window_end (KST). A window is
-- emitted once the watermark passes its end, i.e. about 10 s after the minute ends.
-- parallelism=1: with more subtasks than Kinesis shards, idle subtasks would hold the watermark back
-- and no window would ever close.

SELECT
  window_start,
  window_end,
  COUNT(*) AS requests,
  SUM(CASE WHEN `status` BETWEEN 400 AND 499 THEN 1 ELSE 0 END) AS client_errors,
  SUM(CASE WHEN `status` >= 500 THEN 1 ELSE 0 END) AS server_errors
FROM TABLE(
  HOP(TABLE access_log_live, DESCRIPTOR(event_time), INTERVAL '1' MINUTE, INTERVAL '10' MINUTE)
)
GROUP BY window_start, window_end;
