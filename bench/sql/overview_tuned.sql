-- The same overview totals written by someone who knows the shape of the
-- rows: no day expansion; each ticket contributes its open days in range
-- (interval overlap), its opening and its close, using the store's indexes.
WITH
  tix AS (
    SELECT department_id AS dep, opened_on AS o,
           CASE WHEN closed_on <= :asof THEN closed_on END AS c
    FROM tickets
    WHERE opened_on <= :t AND (closed_on IS NULL OR closed_on >= :f)
  ),
  totals AS (
    SELECT dep,
           sum(o >= :f) AS opened,
           sum(c IS NOT NULL AND c BETWEEN :f AND :t) AS closed,
           sum(c IS NULL OR c > :t) AS backlog_end,
           sum(max(0, min(coalesce(c - 1, :asof), :t) - max(o, :f) + 1)) * 1.0 / (:t - :f + 1) AS avg_open
    FROM tix GROUP BY dep
  ),
  closes AS (
    SELECT dep, c - o AS dtc, row_number() OVER (PARTITION BY dep ORDER BY c - o) - 1 AS i,
           count(*) OVER (PARTITION BY dep) AS n
    FROM tix WHERE c BETWEEN :f AND :t
  ),
  lt AS (
    SELECT closes.dep, avg(dtc) AS mean, avg(dtc <= dp.sla_days) AS hit,
           max(CASE WHEN i = (n - 1) / 2 THEN dtc END)
           + ((n - 1) % 2) * 0.5 * (max(CASE WHEN i = (n - 1) / 2 + 1 THEN dtc END)
                                    - max(CASE WHEN i = (n - 1) / 2 THEN dtc END)) AS p50
    FROM closes JOIN departments dp ON dp.id = closes.dep GROUP BY closes.dep
  )
SELECT dp.name, totals.opened, totals.closed, totals.backlog_end,
       round(totals.avg_open, 3), round(lt.mean, 3), round(lt.p50, 3), round(lt.hit, 3)
FROM departments dp JOIN totals ON totals.dep = dp.id LEFT JOIN lt ON lt.dep = dp.id
WHERE dp.position IS NOT NULL ORDER BY dp.position;
