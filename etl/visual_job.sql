-- The SQL transform node of the Glue Studio visual job (etl/visual_job.py): lake rows (SPEC §3),
-- after the graph's drop-fields and change-schema nodes, to rows of the Redshift fact table in
-- table order. It computes what etl/transform.py computes; etl/tests/test_visual_job.py runs both
-- on the same lake and requires the same rows. `lake` is the alias of the node's input.
--
-- Times: from_utc_timestamp shifts the instant by Seoul's offset at that instant (tz database
-- rules), so the KST wall clock, date and hour never depend on the session time zone.
SELECT
    ts AS event_time,
    from_utc_timestamp(ts, 'Asia/Seoul') AS event_time_kst,
    date_from_unix_date(
        CAST(floor(unix_micros(from_utc_timestamp(ts, 'Asia/Seoul')) / 86400000000) AS INT)
    ) AS event_date_kst,
    CAST(
        floor(pmod(unix_micros(from_utc_timestamp(ts, 'Asia/Seoul')), 86400000000) / 3600000000)
        AS SMALLINT
    ) AS event_hour_kst,
    remote_host,
    method,
    path,
    protocol,
    CAST(status AS INT) AS status,
    CASE
        WHEN status BETWEEN 400 AND 499 THEN '4xx'
        WHEN status BETWEEN 500 AND 599 THEN '5xx'
    END AS error_class,
    CAST(bytes AS BIGINT) AS bytes,
    referrer,
    user_agent,
    forwarded_for,
    CAST(duration_ms AS DOUBLE) AS duration_ms,
    vhost,
    instance_id,
    log_format,
    parse_warning
FROM lake
