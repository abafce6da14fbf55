-- The 10 most requested paths today (KST), with their error count (4xx + 5xx) and mean duration.
-- path excludes the query string, so /api/items?page=2 counts as /api/items. Requests that were not
-- HTTP request lines (no path) are left out. Ties are broken by path so the list is stable.
SELECT
    path,
    COUNT(*) AS requests,
    COUNT_IF(status BETWEEN 400 AND 599) AS errors,
    ROUND(AVG(duration_ms), 2) AS avg_duration_ms
FROM accesslog.access_logs
WHERE
    year = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%Y')
    AND month = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%m')
    AND day = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%d')
    AND path IS NOT NULL
GROUP BY path
ORDER BY requests DESC, path ASC
LIMIT 10;
