-- Overview totals per department over [:f, :t] as of :asof, written the
-- straightforward way: expand the point-in-time rows of SPEC §2 (days x
-- tickets) and aggregate them.  Dates are the store's day numbers.
WITH RECURSIVE
  days(d) AS (SELECT :f UNION ALL SELECT d + 1 FROM days WHERE d < :t),
  tix AS (
    SELECT department_id AS dep, opened_on AS o,
           CASE WHEN closed_on <= :asof THEN closed_on END AS c
    FROM tickets WHERE opened_on <= :asof
  ),
  pit AS (
    SELECT days.d, tix.dep,
           (days.d = tix.o) AS initiated,
           (tix.c IS NULL OR days.d < tix.c) AS is_open,
           (days.d = tix.c) AS closed,
           CASE WHEN days.d = tix.c THEN tix.c - tix.o END AS dtc
    FROM days JOIN tix ON tix.o <= days.d AND days.d <= coalesce(tix.c, :asof)
  ),
  totals AS (
    SELECT dep, sum(initiated) AS opened, sum(closed) AS closed,
           sum(CASE WHEN d = :t THEN is_open ELSE 0 END) AS backlog_end,
           sum(is_open) * 1.0 / (:t - :f + 1) AS avg_open,
           avg(dtc) AS lt_mean
    FROM pit GROUP BY dep
  ),
  closes AS (
    SELECT dep, dtc, row_number() OVER (PARTITION BY dep ORDER BY dtc) - 1 AS i,
           count(*) OVER (PARTITION BY dep) AS n
    FROM pit WHERE closed
  ),
  p50 AS (   -- percentile_cont(0.5): x[h] + (h - floor h) * (x[h+1] - x[h])
    SELECT dep,
           max(CASE WHEN i = (n - 1) / 2 THEN dtc END)
           + ((n - 1) % 2) * 0.5 * (max(CASE WHEN i = (n - 1) / 2 + 1 THEN dtc END)
                                    - max(CASE WHEN i = (n - 1) / 2 THEN dtc END)) AS p50
    FROM closes GROUP BY dep
  ),
  sla AS (
    SELECT pit.dep, avg(pit.dtc <= dp.sla_days) AS hit
    FROM pit JOIN departments dp ON dp.id = pit.dep WHERE pit.closed GROUP BY pit.dep
  )
SELECT dp.name, totals.opened, totals.closed, totals.backlog_end,
       round(totals.avg_open, 3), round(totals.lt_mean, 3), round(p50.p50, 3), round(sla.hit, 3)
FROM departments dp JOIN totals ON totals.dep = dp.id
LEFT JOIN p50 ON p50.dep = dp.id LEFT JOIN sla ON sla.dep = dp.id
WHERE dp.position IS NOT NULL ORDER BY dp.position;
