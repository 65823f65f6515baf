-- Business days before yesterday that received calls between two nightly runs (grain: day; time
-- column: received_at). These calls came too late for the hourly run and for their own night's
-- re-run (a spool replayed after an outage, a backfill): the nightly run rebuilds their days.
SELECT DISTINCT toDate(ts, {timezone:String}) AS day
FROM pd.api_calls
WHERE received_at >= {since:DateTime64(3, 'UTC')}
  AND received_at < {until:DateTime64(3, 'UTC')}
  AND toDate(ts, {timezone:String}) < {yesterday:Date}
ORDER BY day
