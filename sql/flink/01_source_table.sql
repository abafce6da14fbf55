-- zeppelin: %flink.ssql
-- title: 1. Source table on the Kinesis stream wsi-log
--
-- Each Kinesis record is what Fluent Bit sends: {"log": "<one app.log line>", "ec2_instance_id": "i-..."}.
-- The fields of the line (SPEC §6) are extracted with REGEXP_EXTRACT; event_time is the time written
-- in the line, converted with the offset written in the line to KST wall-clock time (Asia/Seoul is UTC+9 all
-- year). The watermark trails the newest event by 10 s: the app writes a line when the response is
-- done but stamps it with the arrival time, so lines are out of order by up to the slowest response.
--
-- Lines that are not access-log lines get event_time 1970-01-01 (a NULL rowtime would fail the job)
-- and are left out of the view access_log_live, which the queries read.
--
-- Temporary objects: they live in the session of this notebook, nothing is written to the Glue catalog.
-- Change aws.region below if the stream is not in ap-northeast-2 (Seoul).

DROP TEMPORARY VIEW IF EXISTS access_log_live;
DROP TEMPORARY TABLE IF EXISTS wsi_log;

CREATE TEMPORARY TABLE wsi_log (
  `log` STRING,
  ec2_instance_id STRING,
  remote_host AS REGEXP_EXTRACT(`log`, '^(\S+) ', 1),
  `method` AS REGEXP_EXTRACT(`log`, '^\S+ \S+ \S+ \[[^\]]*\] "([A-Z]+) ', 1),
  `path` AS REGEXP_EXTRACT(`log`, '^\S+ \S+ \S+ \[[^\]]*\] "[A-Z]+ ([^?\s"]+)', 1),
  `query` AS REGEXP_EXTRACT(`log`, '^\S+ \S+ \S+ \[[^\]]*\] "[A-Z]+ [^?\s"]*\?([^\s"]*)', 1),
  protocol AS REGEXP_EXTRACT(`log`, '^\S+ \S+ \S+ \[[^\]]*\] "[A-Z]+ \S+ (HTTP/[0-9.]+)"', 1),
  `status` AS CAST(REGEXP_EXTRACT(`log`, '^\S+ \S+ \S+ \[[^\]]*\] "(?:[^"\\]|\\.)*" (\d{3}) ', 1) AS INT),
  `bytes` AS CAST(REGEXP_EXTRACT(`log`, '^\S+ \S+ \S+ \[[^\]]*\] "(?:[^"\\]|\\.)*" \S+ (\d+) ', 1) AS BIGINT),
  referrer AS NULLIF(REGEXP_EXTRACT(`log`, '^\S+ \S+ \S+ \[[^\]]*\] "(?:[^"\\]|\\.)*" \S+ \S+ "((?:[^"\\]|\\.)*)"', 1), '-'),
  user_agent AS NULLIF(REGEXP_EXTRACT(`log`, '^\S+ \S+ \S+ \[[^\]]*\] "(?:[^"\\]|\\.)*" \S+ \S+ "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)"', 1), '-'),
  duration_ms AS CAST(REGEXP_EXTRACT(`log`, '" (\d+(?:\.\d+)?)$', 1) AS DOUBLE),
  -- [dd/Mon/yyyy:HH:mm:ss(.fff) +hhmm]: groups 1 day, 2 month name, 3 year, 4 time, 5 fraction,
  -- 6 offset sign, 7 offset hours, 8 offset minutes. The month is mapped by hand because parsing
  -- MMM would depend on the locale of the JVM.
  event_time AS COALESCE(
    TIMESTAMPADD(
      MINUTE,
      540 - (CASE REGEXP_EXTRACT(`log`, '\[(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}:\d{2}:\d{2})(?:[.,](\d+))? ([+-])(\d{2}):?(\d{2})\]', 6)
               WHEN '-' THEN -1 ELSE 1 END)
            * (CAST(REGEXP_EXTRACT(`log`, '\[(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}:\d{2}:\d{2})(?:[.,](\d+))? ([+-])(\d{2}):?(\d{2})\]', 7) AS INT) * 60
               + CAST(REGEXP_EXTRACT(`log`, '\[(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}:\d{2}:\d{2})(?:[.,](\d+))? ([+-])(\d{2}):?(\d{2})\]', 8) AS INT)),
      TO_TIMESTAMP(
        CONCAT(
          REGEXP_EXTRACT(`log`, '\[(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}:\d{2}:\d{2})(?:[.,](\d+))? ([+-])(\d{2}):?(\d{2})\]', 3),
          '-',
          CASE REGEXP_EXTRACT(`log`, '\[(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}:\d{2}:\d{2})(?:[.,](\d+))? ([+-])(\d{2}):?(\d{2})\]', 2)
            WHEN 'Jan' THEN '01' WHEN 'Feb' THEN '02' WHEN 'Mar' THEN '03' WHEN 'Apr' THEN '04'
            WHEN 'May' THEN '05' WHEN 'Jun' THEN '06' WHEN 'Jul' THEN '07' WHEN 'Aug' THEN '08'
            WHEN 'Sep' THEN '09' WHEN 'Oct' THEN '10' WHEN 'Nov' THEN '11' WHEN 'Dec' THEN '12'
          END,
          '-',
          REGEXP_EXTRACT(`log`, '\[(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}:\d{2}:\d{2})(?:[.,](\d+))? ([+-])(\d{2}):?(\d{2})\]', 1),
          ' ',
          REGEXP_EXTRACT(`log`, '\[(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}:\d{2}:\d{2})(?:[.,](\d+))? ([+-])(\d{2}):?(\d{2})\]', 4),
          '.',
          -- milliseconds: .5 is 500 ms, digits past the third are dropped
          RPAD(COALESCE(REGEXP_EXTRACT(`log`, '\[(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}:\d{2}:\d{2})(?:[.,](\d+))? ([+-])(\d{2}):?(\d{2})\]', 5), ''), 3, '0')
        ),
        'yyyy-MM-dd HH:mm:ss.SSS'
      )
    ),
    TIMESTAMP '1970-01-01 00:00:00'
  ),
  WATERMARK FOR event_time AS event_time - INTERVAL '10' SECOND
) WITH (
  'connector' = 'kinesis',
  'stream' = 'wsi-log',
  'aws.region' = 'ap-northeast-2',
  'scan.stream.initpos' = 'LATEST',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

CREATE TEMPORARY VIEW access_log_live AS
SELECT *
FROM wsi_log
WHERE event_time > TIMESTAMP '1970-01-01 00:00:00';
