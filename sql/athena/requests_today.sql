-- How many requests has the site served today (KST)?
-- "Today" is the current date in Asia/Seoul, not current_date (UTC in Athena, which would
-- switch days at 09:00 KST). The filter names only partition columns, so Athena reads one day.
SELECT COUNT(*) AS requests
FROM accesslog.access_logs
WHERE
    year = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%Y')
    AND month = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%m')
    AND day = DATE_FORMAT(CURRENT_TIMESTAMP AT TIME ZONE 'Asia/Seoul', '%d');
