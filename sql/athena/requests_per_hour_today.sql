-- How many requests per hour today (KST)? One row per KST hour that saw traffic.
-- The hour partition key is already the KST hour of the event, so no timestamp maths is needed
-- and the filter stays on partition columns only (Athena reads one day).
SELECT
    hour AS hour_kst,
    COUNT(*) AS requests
FROM accesslog.access_logs
WHERE
    year = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%Y')
    AND month = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%m')
    AND day = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%d')
GROUP BY hour
ORDER BY hour;
