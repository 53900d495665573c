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
	/* ---- the pipeline KPIs (overview; the first sentence is docs/API.md's) ---- */
	throughput_kpi: (c) => `Creators whose campaign started (their first ticket in the last department opened) per week in this period; each creator counts once, whatever the departments they passed. Counted from the rows with initiated_contact = 1 in the last department, ÷ (the range’s days ÷ 7).${nText(c, 'campaign starts')}`,
	end_to_end_kpi: (c) => `Median days from a creator’s first contact to their campaign start, over the campaigns that started in this period. First contact: the creator’s earliest opened_on in the first department; the same figure on the stages and compare pages.${nText(c, 'campaigns')}`,
	campaign_starts_kpi: (c) => `Creators whose campaign started in this period (their first ticket in the last department opened), each counted once: the rows with initiated_contact = 1 of a creator’s first ticket there.`,
	e2e_sum: () => 'Sum of the medians: the stage and handoff-wait medians before the campaign, added up. A sum of medians is not the median of the sums: the end-to-end median is the figure to quote.',
	bottleneck: () => 'Bottleneck: the department before the last whose median stage time (per creator, first ticket opened to last closed there) is the largest share of the sum of medians on the way to campaign start.',
	bottleneck_p50: (c) => `Median days in the bottleneck: per creator, the last close minus the first opening of their tickets in that department, over the creators whose stage there ended${range(c)}.${nText(c, 'creators')}`,
	longest_wait: (c) => `Longest handoff wait: the largest median, over the departments, of the days from a creator’s last close in the previous department to their first ticket in this one, over the waits that ended${range(c)}.${nText(c, 'creators')}`,

	/* ---- columns that name things ---- */
	department_col: () => 'Department: the pipeline’s departments, in pipeline order; a name opens its page.',
	employee_col: () => 'Employee: the person the ticket (its point-in-time rows) is assigned to; a name opens their page.',
	creator_col: () => 'Creator: the customer the tickets are for; a name opens their timeline across the departments.',
	ticket_col: () => 'Ticket: the ticket’s id in the imported data.',
	opened_on: () => 'Opened: the ticket’s opened_on, the day of its row with initiated_contact = 1.',
	closed_on: (c) => `Closed: the ticket’s closed_on, the day of its row with ticket_closed = 1; “open” when it had not closed by ${c && c.asOf ? fmt.date(c.asOf) : 'as_of'}.`,
	days_to_close: () => 'Days: days_to_close (closed_on − opened_on) of a closed ticket; for one still open (+) its age, ticket_age on the last day.',
	age: (c) => `Age: ticket_age (report_date − opened_on) of the ticket’s open row on ${c && c.to ? fmt.date(c.to) : 'the range’s last day'}, in calendar days.`,
	zone: () => 'Zone: the highest percentile (50th, 70th, 85th, 95th) of the department’s days to close that the age exceeds; the percentiles are over the closes of the range, or of the 365 days to its end when the range is shorter than 90 days. Past the 95th: older than 19 in 20 closed tickets took.',
	wip_open: (c) => `Open: the employee’s tickets open on ${c && c.to ? fmt.date(c.to) : 'the range’s last day'} (Σ is_open of their rows that day).`,
	oldest_age: () => 'Oldest: the age (ticket_age) of the employee’s oldest open ticket on that day.',
	zone_count: (c) => `${c && c.label ? c.label : 'Zone'}: the employee’s open tickets whose age falls in this zone of the department’s days to close.`,
	heat: (c) => `Closes per ${c && c.daily ? 'day' : 'week'} per employee and ${c && c.bucket ? c.bucket : 'period'}: Σ ticket_closed of the employee’s rows in the period${c && c.daily ? '' : ' ÷ (its days in the range ÷ 7); a period cut by the range (*) counts its real days'}. The last column: over the whole range.`,
	heat_total: (c) => (c && c.daily ? 'Closed: tickets the employee closed in the range (Σ ticket_closed).' : 'Per week: the employee’s closes in the range ÷ (the range’s days ÷ 7).'),
	measure: () => 'Measure: each row is one figure over the range; the definitions are on the row names.',
	person: (c) => `${c && c.name ? c.name : 'The employee'}: the figure over their own point-in-time rows in the range.`,
	per_employee: (c) => `Per employee in ${c && c.dept ? c.dept : 'the department'}: the department’s average for one employee, over the ${c && fmt.isNum(c.n) ? fmt.plural(c.n, 'employee') : 'employees'} with rows in the range. Counts: the department’s total ÷ that number; medians, percentiles and the SLA share: the mean of the employees’ own figures over those with at least ${c && c.min ? c.min : 'the minimum of'} closes${c && fmt.isNum(c.judged) ? ` (${fmt.int(c.judged)} of them)` : ''}.`,
	backlog_end: (c) => `Backlog at end: tickets open on the range’s last day (${c && c.to ? fmt.date(c.to) : 'its end'}): Σ is_open of that day’s rows.`,

	/* ---- stages ---- */
	stage_col: () => 'Stage: the department, in pipeline order; ◆ marks the bottleneck.',
	stage_n: (c) => `Creators: how many finished the stage${range(c)} (every one of their tickets in the department closed, the last close in the range). The n of the median, mean and 90th percentile.`,
	stage_p50: (c) => `Median stage time: per creator, the last close minus the first opening of their tickets in the department, over the creators whose stage ended${range(c)}.`,
	stage_mean: (c) => `Mean stage time over the creators whose stage ended${range(c)}.`,
	stage_p90: (c) => `90th percentile of the stage time over the creators whose stage ended${range(c)}: 9 in 10 were faster.`,
	wait_p50: (c) => `Wait before: the median of the days from a creator’s last close in the previous department to their first ticket in this one, over the waits that ended${range(c)}.`,

	/* ---- handoffs ---- */
	handoff_cell: () => 'Handoffs from the department of the row (↓) to the department of the column (→): a creator’s next ticket, by opened_on, held by another employee, counted on the day it opened. ↺: of them, ping-pongs (work handed back, A → B → A).',
	ho_total: (c) => `Handoffs: a creator’s next ticket (by opened_on) held by another employee, counted on the day it opened${range(c)}.`,
	ho_rate: () => 'Ping-pong rate: ping-pongs ÷ handoffs, the share of the handoffs that handed work back (A → B → A).',
	handoffs_given: () => 'Given: the handoffs from the row’s department, to every department.',
	pair_rank: () => '#: the pair’s place, by handoffs (most first).',
	pair_from: () => 'Gives: the employee whose ticket came before in the creator’s work.',
	pair_to: () => 'Receives: the employee holding the creator’s next ticket.',
	pair_handoffs: (c) => `Handoffs from the giver to the receiver${range(c)}, counted on the day the receiver’s ticket opened.`,
	pair_pingpong: () => 'Ping-pong: of those handoffs, the ones where the receiver had handed this creator’s work to the giver just before (A → B → A).',

	/* ---- compare ---- */
	cmp_median: (c) => `${c && c.side ? c.side : 'A'} median: the median days_to_close of the tickets closed in period ${c && c.side ? c.side : 'A'}${c && c.range ? ` (${c.range})` : ''}; in brackets the n, tickets closed.`,
	cmp_change_p50: () => 'Median Δ: B’s median minus A’s, in days; coloured only when the test says the change is likely real.',
	cmp_change_mean: () => 'Mean Δ: B’s mean days to close minus A’s.',
	verdict: () => 'Verdict: “likely a real change” when p < 0.05 (random variation alone would rarely give this difference), else “could be chance”; no test with fewer than 5 on a side.',
	cmp_e2e: (c) => `End-to-end: the days from a creator’s first contact to their campaign start, over the campaigns that started in each period (the overview’s end-to-end median of that period); in brackets the n, campaigns.`,

	/* ---- flow ---- */
	outlier_closed: () => 'Closed: the day the ticket closed (its row with ticket_closed = 1).',
	outlier_days: () => 'Days: the ticket’s days_to_close, beyond the fences (1.5 × the middle half’s width past the quartiles).',
	fc_per_day: () => 'Per day: the mean closes per day over the history (campaign starts for the last row), the rate the simulation samples from.',
	fc_open: (c) => `Open now: tickets open on ${c && c.to ? fmt.date(c.to) : 'the range’s last day'} (Σ is_open); for campaign starts, the creators in flight.`,
	fc_group_many: () => 'How many by the date: in the simulated futures (days drawn from the history), how many closes at least, with 50%, 85% and 95% certainty.',
	fc_group_when: () => 'When done: the day by which the N items were done, in 50%, 85% and 95% of the simulated futures.',
	fc_sure: (c) => `${c && c.p ? c.p : '85%'} sure: the value reached in ${c && c.p ? c.p : '85%'} of the simulated futures.`,

	/* ---- creator ---- */
	cr_stage: () => 'Stage: a department the creator has tickets in, in pipeline order.',
	cr_employee: () => 'Employee: who held the creator’s tickets in the department.',
	cr_tickets: () => 'Tickets: the ids of the creator’s tickets in the department (rework included).',
	cr_opened: () => 'Opened: the first opened_on of the creator’s tickets in the department.',
	cr_closed: () => 'Closed: the last closed_on of them, once every one has closed; “open” while any is open.',
	cr_days: () => 'Days: the stage time, last close minus first opening in the department.',
	cr_wait: () => 'Wait before: days from the last close in the previous department to the first ticket in this one (negative when rework there overlaps).',

	most_closed: (c) => `Most closed: tickets the employee closed in the period (Σ ticket_closed); equal counts share a rank.`,
	fastest: (c) => `Fastest: the lowest median days to close in the period, among employees with at least ${c && c.min ? c.min : 'the minimum'} closes; equal medians share a rank.`,
	best_sla: (c) => `Best within SLA: the highest share of closes within the department’s SLA in the period, among employees with at least ${c && c.min ? c.min : 'the minimum'} closes and a share above 0 (nobody at 0% is among the best); equal shares share a rank.`,
	drill_col: (c) => `${c && c.label ? c.label : 'Column'}: ${c && c.what ? c.what : 'from the ticket behind the figure'}; the button sorts by it.`,
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
