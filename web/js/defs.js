/*
 * defs.js - what every figure counts: the one place with the definitions
 * shown on hover and keyboard focus beside each KPI and column head (an "i"
 * marker, ui.js infoTip), and the small-sample rule ([thresholds]
 * min_closed) every page applies the same way.
 *
 * def(key, ctx) gives the sentence: what is counted, over which rows (the
 * point-in-time rows of docs/ANALYTICS.md: a ticket's row on each day from
 * its opening to its close), and n when ctx gives it.  ctx: {n, sla, min,
 * range, unit}.  The sentences follow SPEC §3; a page never writes its own.
 */
import * as fmt from './format.js';

const nText = (c, what) => (c && fmt.isNum(c.n) ? ` n = ${fmt.int(c.n)} ${what}.` : '');
const range = (c) => (c && c.range ? ` in ${c.range}` : ' in the range');
const days = () => fmt.dayWord();

export const DEFS = {
	opened: (c) => `Opened: tickets whose first day (opened_on) is${range(c)}: Σ initiated_contact over the rows.${nText(c, 'tickets')}`,
	closed: (c) => `Closed: tickets whose closing day is${range(c)}: Σ ticket_closed over the rows. This is the n of the median, the 90th percentile and the SLA share.`,
	backlog: (c) => `Open backlog: tickets still open on the range’s last day (${c && c.to ? fmt.date(c.to) : 'its end'}): Σ is_open on that day.${nText(c, 'tickets')}`,
	avg_open: (c) => `Average open (workload): the mean over the range’s days of that day’s open tickets (Σ is_open per day ÷ days).${c && fmt.isNum(c.n) ? ` Over ${fmt.plural(c.n, 'day')}.` : ''}`,
	p50: (c) => `Median ${days()} to close: the middle of days_to_close (closed_on − opened_on) over the tickets closed${range(c)}.${nText(c, 'closes')}`,
	p90: (c) => `90th percentile of ${days()} to close over the tickets closed${range(c)}: 9 in 10 closed faster.${nText(c, 'closes')}`,
	mean: (c) => `Mean ${days()} to close over the tickets closed${range(c)}.${nText(c, 'closes')}`,
	sla: (c) => `Within SLA: the share of the tickets closed${range(c)} that took at most ${c && fmt.isNum(c.sla) ? `${c.sla} days` : 'their department’s SLA'} (days_to_close ≤ sla_days).${nText(c, 'closes')}`,
	sla_all: (c) => `Closed within SLA: the share of the tickets closed${range(c)}, in every department, that closed within their own department’s SLA.${nText(c, 'closes')}`,
	closes_per_week: (c) => `Closes per week: tickets closed ÷ (the range’s days ÷ 7)${c && fmt.isNum(c.days) ? `, over ${fmt.plural(c.days, 'day')}` : ''}; a period cut by the range counts its real days.`,
	workload_share: () => 'Workload share: the employee’s Σ is_open over the range ÷ the department’s: their part of the open work, day by day.',
	rework: () => fmt.REWORK_TIP,
	backlog_all: (c) => `Open backlog: tickets open at the end of the range (${c && c.to ? fmt.date(c.to) : 'its last day'}), in every department: Σ is_open on that day.`,
	throughput: (c) => `Throughput: creators whose campaign started (their first ticket in the last department opened)${range(c)}, per week (÷ days ÷ 7); each creator counts once.${nText(c, 'campaign starts')}`,
	campaign_starts: (c) => `Campaigns started: creators whose first ticket in the last department opened${range(c)}, each counted once.`,
	end_to_end: (c) => `End-to-end median: days from a creator’s first ticket in the first department to their first ticket in the last (the campaign start), over the campaigns that started${range(c)}; the same figure on the overview, the stages and the compare pages.${nText(c, 'creators')}`,
	stage: (c) => `Stage time: per creator, the last close minus the first opening of their tickets in the department, over the creators whose stage ended${range(c)}.${nText(c, 'creators')}`,
	wait: (c) => `Handoff wait: per creator, the first opening in this department minus the last close in the previous one.${nText(c, 'creators')}`,
	share: () => 'Share of the way: the stage’s median as a part of the sum of the medians of every stage and wait before the campaign.',
	p_value: () => 'p-value: the two-sided Mann–Whitney test of the days to close in A against B (normal approximation with tie correction); below 0.05 the change is likely real. Needs 5 closes on each side.',
	most_closed: (c) => `Most closed: tickets the employee closed in the period (Σ ticket_closed); equal counts share a rank.`,
	fastest: (c) => `Fastest: the lowest median days to close in the period, among employees with at least ${c && c.min ? c.min : 'the minimum'} closes; equal medians share a rank.`,
	best_sla: (c) => `Best within SLA: the highest share of closes within the department’s SLA in the period, among employees with at least ${c && c.min ? c.min : 'the minimum'} closes and a share above 0; equal shares share a rank.`,
};

/** The definition of `key` (DEFS) with the context's figures. */
export function def(key, ctx = {}) {
	const f = DEFS[key];
	if (!f) throw new Error(`no definition '${key}'`);
	return f(ctx);
}

/* ---- small samples ---- */

let minClosed = 5;

/** [thresholds] min_closed from /api/v1/meta (ui.js calls it at start). */
export function setMinClosed(n) {
	if (Number.isInteger(n) && n > 0) minClosed = n;
}

export function getMinClosed() {
	return minClosed;
}

/** Does a statistic over n values rest on too few to judge by? */
export function tooFew(n) {
	return !fmt.isNum(n) || n < minClosed;
}

/** "n = 3" for a tooltip, with the warning under min_closed. */
export function nNote(n, what = 'closes') {
	if (!fmt.isNum(n)) return '';
	return tooFew(n) ? `n = ${fmt.int(n)} ${what}: fewer than ${minClosed}, too few to judge by` : `n = ${fmt.int(n)} ${what}`;
}
