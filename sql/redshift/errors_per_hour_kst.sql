-- Client (4xx) and server (5xx) errors per KST hour, yesterday and today in KST.
-- Every hour with traffic appears, with zeros when it had no errors. The window is bounded on
-- event_time, the sort key; the bounds are KST midnights converted to UTC (event_time and
-- GETDATE() are UTC, the default session time zone).
SELECT
    event_date_kst,
    event_hour_kst,
    COUNT(CASE WHEN error_class = '4xx' THEN 1 END) AS client_errors_4xx,
    COUNT(CASE WHEN error_class = '5xx' THEN 1 END) AS server_errors_5xx
FROM public.access_log
WHERE
    event_time >= CONVERT_TIMEZONE(
        'Asia/Seoul', 'UTC',
        DATE_TRUNC('day', CONVERT_TIMEZONE('UTC', 'Asia/Seoul', GETDATE())) - INTERVAL '1 day'
    )
    AND event_time < CONVERT_TIMEZONE(
        'Asia/Seoul', 'UTC',
        DATE_TRUNC('day', CONVERT_TIMEZONE('UTC', 'Asia/Seoul', GETDATE())) + INTERVAL '1 day'
    )
GROUP BY event_date_kst, event_hour_kst
ORDER BY event_date_kst, event_hour_kst;
