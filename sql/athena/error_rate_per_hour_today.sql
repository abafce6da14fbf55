-- Error rate per hour today (KST): the share of requests answered 4xx or 5xx, and 5xx alone.
-- Percentages of the hour's requests, next to the counts they come from. A status logged as "-"
-- counts as a request but not as an error. Shares are computed in double (see status_classes_today).
SELECT
    hour AS hour_kst,
    COUNT(*) AS requests,
    COUNT_IF(status BETWEEN 400 AND 499) AS client_errors,
    COUNT_IF(status BETWEEN 500 AND 599) AS server_errors,
    ROUND(100 * CAST(COUNT_IF(status BETWEEN 400 AND 599) AS double) / COUNT(*), 2) AS error_rate_pct,
    ROUND(100 * CAST(COUNT_IF(status BETWEEN 500 AND 599) AS double) / COUNT(*), 2) AS server_error_rate_pct
FROM accesslog.access_logs
WHERE
    year = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%Y')
    AND month = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%m')
    AND day = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%d')
GROUP BY hour
ORDER BY hour;
