-- Requests per KST day, the last 7 KST days (today included).
-- The window is bounded on event_time, the sort key, so Redshift reads only the blocks of those
-- days; the bounds are KST midnights converted to UTC because event_time holds UTC, and so does
-- GETDATE() in the default (UTC) session time zone.
SELECT
    event_date_kst,
    COUNT(*) AS requests
FROM public.access_log
WHERE
    event_time >= CONVERT_TIMEZONE(
        'Asia/Seoul', 'UTC',
        DATE_TRUNC('day', CONVERT_TIMEZONE('UTC', 'Asia/Seoul', GETDATE())) - INTERVAL '6 days'
    )
    AND event_time < CONVERT_TIMEZONE(
        'Asia/Seoul', 'UTC',
        DATE_TRUNC('day', CONVERT_TIMEZONE('UTC', 'Asia/Seoul', GETDATE())) + INTERVAL '1 day'
    )
GROUP BY event_date_kst
ORDER BY event_date_kst;
