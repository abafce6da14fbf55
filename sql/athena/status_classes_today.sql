-- Today's (KST) requests by status class (2xx, 3xx, 4xx, 5xx), with each class's share.
-- 'none' is a status logged as "-"; 'other' is a three-digit code outside 100-599.
-- The share is computed in double: with a DECIMAL literal Athena would keep only one decimal place.
SELECT
    CASE
        WHEN status IS NULL THEN 'none'
        WHEN status BETWEEN 100 AND 199 THEN '1xx'
        WHEN status BETWEEN 200 AND 299 THEN '2xx'
        WHEN status BETWEEN 300 AND 399 THEN '3xx'
        WHEN status BETWEEN 400 AND 499 THEN '4xx'
        WHEN status BETWEEN 500 AND 599 THEN '5xx'
        ELSE 'other'
    END AS status_class,
    COUNT(*) AS requests,
    ROUND(100 * CAST(COUNT(*) AS double) / SUM(COUNT(*)) OVER (), 2) AS pct_of_requests
FROM accesslog.access_logs
WHERE
    year = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%Y')
    AND month = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%m')
    AND day = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%d')
GROUP BY 1
ORDER BY 1;
