/*
 * format.js - numbers and dates for people.  The API rounds once (3
 * decimals); the page only chooses how many digits to show.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
export { WEEKDAYS };

export const DASH = '–';

/* the day unit of the view (days=business in the URL): set by ui.js before each load */
let business = false;

export function setDayUnit(days) {
	business = days === 'business';
}

/** "days" or "business days": for axis titles and sentences about day counts. */
export function dayWord() {
	return business ? 'business days' : 'days';
}

export function isNum(x) {
	return typeof x === 'number' && Number.isFinite(x);
}

/** 1234.5 -> "1,234.5" with at most `digits` decimals. */
export function num(x, digits = 1) {
	if (!isNum(x)) return DASH;
	return x.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function int(x) {
	return isNum(x) ? Math.round(x).toLocaleString('en-GB') : DASH;
}

/** days: "12.5 d" (or "12.5 days" when long) */
export function days(x, { long = false, digits = 1 } = {}) {
	if (!isNum(x)) return DASH;
	const v = num(x, digits);
	return long ? `${v} ${Math.abs(x) === 1 ? 'day' : 'days'}` : `${v} d`;
}

/** 0.703 -> "70%" */
export function pct(x, digits = 0) {
	if (!isNum(x)) return DASH;
	return `${(x * 100).toLocaleString('en-GB', { maximumFractionDigits: digits })}%`;
}

/**
 * Rework of a metrics block: "12 (5.9%)", the re-entries opened and their
 * share of the tickets opened (one decimal, as the workload share); "–"
 * when nothing was opened (the rate is null).
 */
export function rework(block) {
	const b = block || {};
	if (!isNum(b.rework)) return DASH;
	return isNum(b.rework_rate) ? `${int(b.rework)} (${pct(b.rework_rate, 1)})` : DASH;
}

/** What a rework figure counts: the sentence of the tooltips and the legend notes. */
export const REWORK_TIP = 'Re-entries: tickets opened in this period for a creator who already had an earlier ticket in the same department (work that came back). The share is of the tickets opened.';

/**
 * An instant (`2024-05-10T15:08:10Z`) for people: {local, time, utc, same}
 * — in the reader's own locale and time zone ("10 May 2024, 17:08", and
 * the time of day alone), the time of day in UTC ("15:08 UTC": the dates
 * of the pages are UTC days), and whether the reader's zone is UTC then.
 */
export function instant(iso) {
	const t = new Date(iso);
	if (!iso || Number.isNaN(t.getTime())) return { local: DASH, time: DASH, utc: '', same: true };
	const local = t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
	const time = t.toLocaleTimeString(undefined, { timeStyle: 'short' });
	const utc = `${t.toLocaleTimeString(undefined, { timeStyle: 'short', timeZone: 'UTC' })} UTC`;
	return { local, time, utc, same: t.getTimezoneOffset() === 0 };
}

/** The noun for a count: `one` for exactly 1, else `many` ("1 ticket", "0 tickets", "2 tickets"). */
export function noun(n, one, many = `${one}s`) {
	return n === 1 ? one : many;
}

export function plural(n, one, many = `${one}s`) {
	return `${int(n)} ${n === 1 ? one : many}`;
}

function parts(iso) {
	const [y, m, d] = iso.split('-').map(Number);
	return { y, m, d };
}

/** "2026-11-03" -> "3 Nov 2026" */
export function date(iso) {
	if (!iso) return DASH;
	const { y, m, d } = parts(iso);
	return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** "2026-11-03" -> "3 Nov" */
export function shortDate(iso) {
	if (!iso) return DASH;
	const { m, d } = parts(iso);
	return `${d} ${MONTHS[m - 1]}`;
}

export function monthLabel(iso) {
	const { y, m } = parts(iso);
	return `${MONTHS[m - 1]} ${y}`;
}

/** "3 Nov – 9 Nov 2026", years shown once when equal */
export function range(from, to) {
	if (!from || !to) return DASH;
	if (from === to) return date(from);
	const a = parts(from), b = parts(to);
	if (a.y === b.y) return `${shortDate(from)} – ${date(to)}`;
	return `${date(from)} – ${date(to)}`;
}

/** A bucket's label from its start/end and the bucket kind. */
export function bucketLabel(item, bucket) {
	if (bucket === 'day') return date(item.start);
	if (bucket === 'month') {
		const label = monthLabel(item.start);
		const full = item.start.endsWith('-01') && isMonthEnd(item.end);
		return full ? label : `${label} (${range(item.start, item.end)})`;
	}
	return `Week of ${range(item.start, item.end)}`;
}

/** Short labels for a category axis of buckets; with the year when the series spans more than one. */
export function axisLabels(series, bucket) {
	const years = new Set(series.map((s) => s.start.slice(0, 4)));
	const yy = (s) => (years.size > 1 ? ` ’${s.start.slice(2, 4)}` : '');
	return series.map((s) => (bucket === 'month' ? `${monthLabel(s.start).slice(0, 3)}${yy(s)}` : `${shortDate(s.start)}${yy(s)}`));
}

function isMonthEnd(iso) {
	const { y, m, d } = parts(iso);
	return new Date(Date.UTC(y, m, 0)).getUTCDate() === d;
}

/** Local-midnight epoch ms of a date, for Chart.js time axes. */
export function ms(iso) {
	const { y, m, d } = parts(iso);
	return new Date(y, m - 1, d).getTime();
}

/**
 * A change between two values, as {text, cls, arrow}.
 * higherIsBetter: true, false, or null (neutral).
 */
export function change(cur, prev, { higherIsBetter = null, unit = '', asPct = false, digits = 1 } = {}) {
	if (!isNum(cur) || !isNum(prev)) return { text: 'no earlier data', cls: 'flat', arrow: '' };
	const d = cur - prev;
	const eps = asPct ? 0.0005 : 0.05;
	if (Math.abs(d) < eps) return { text: 'no change', cls: 'flat', arrow: '→' };
	const arrow = d > 0 ? '▲' : '▼';
	let text;
	if (asPct) text = `${d > 0 ? '+' : '−'}${num(Math.abs(d) * 100, 1)} pts`;
	else text = `${d > 0 ? '+' : '−'}${num(Math.abs(d), digits)}${unit}`;
	let cls = 'flat';
	if (higherIsBetter !== null) cls = (d > 0) === higherIsBetter ? 'good' : 'bad';
	return { text, cls, arrow };
}
