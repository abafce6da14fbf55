-- zeppelin: %flink.ssql(type=update, parallelism=1)
-- title: 3. Requests by path, method and status in the last 10 minutes
--
-- The same sliding 10-minute window as paragraph 2, split by request path (without the query
-- string), HTTP method and status.

SELECT
  window_start,
  window_end,
  `path`,
  `method`,
  `status`,
  COUNT(*) AS requests
FROM TABLE(
  HOP(TABLE access_log_live, DESCRIPTOR(event_time), INTERVAL '1' MINUTE, INTERVAL '10' MINUTE)
)
GROUP BY window_start, window_end, `path`, `method`, `status`;
