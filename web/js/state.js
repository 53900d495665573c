/*
 * state.js - the URL is the view.
 *
 * Every page's state lives in the query string: the date range (a preset
 * relative to the data's as_of date, or a custom from/to), the bucket, and
 * the page's own keys (department, employee, creator, compare periods, sort
 * order...).  readState() parses and validates location.search; navigate()
 * writes a new state with history.pushState (or replaceState) and tells the
 * page; back/forward (popstate) re-read the URL.  Nothing else holds view
 * state, so reload, back/forward and a pasted link reopen the same view.
 *
 * Range in the URL:  range=30d | 90d | 365d | quarter   (relative to as_of)
 *                    from=YYYY-MM-DD&to=YYYY-MM-DD      (custom, exact)
 * Time travel:       as_of=YYYY-MM-DD  (absent: the configured as_of; the
 *                    page drops it when it is not before that day)
 * Day unit:          days=business     (absent: calendar days)
 * Wall screen:       kiosk=1           (no navigation or controls; kept by
 *                    the links, so the whole wall stays in kiosk mode)
 */

export const PRESETS = [
	{ id: '30d', label: 'Last 30 days', days: 30 },
	{ id: '90d', label: 'Last 90 days', days: 90 },
	{ id: '365d', label: 'Last 365 days', days: 365 },
	{ id: 'quarter', label: 'This quarter' },
	{ id: 'custom', label: 'Custom range' },
];
export const BUCKETS = [
	{ id: 'day', label: 'Day' },
	{ id: 'week', label: 'Week' },
	{ id: 'month', label: 'Month' },
];
export const DEFAULT_RANGE = '90d';
export const DEFAULT_BUCKET = 'week';

export const DAY_UNITS = [
	{ id: 'calendar', label: 'Calendar' },
	{ id: 'business', label: 'Business' },
];

/* keys every page keeps, and the ones carried along by the navigation */
const COMMON = ['range', 'from', 'to', 'bucket', 'as_of', 'days', 'kiosk'];
const STICKY = ['dept', 'emp'];

/* ---- calendar days (UTC, as the API) ---- */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' -> days since 1970-01-01, or NaN when not a real date. */
export function dayNumber(iso) {
	const m = DATE_RE.exec(iso || '');
	if (!m) return NaN;
	const t = Date.UTC(+m[1], +m[2] - 1, +m[3]);
	const d = new Date(t);
	if (d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) return NaN;
	return Math.round(t / 86400000);
}

/** days since epoch -> 'YYYY-MM-DD' */
export function isoFromDay(n) {
	return new Date(n * 86400000).toISOString().slice(0, 10);
}

export function addDays(iso, n) {
	return isoFromDay(dayNumber(iso) + n);
}

export function daysBetween(a, b) {
	return dayNumber(b) - dayNumber(a);
}

export function validDate(s) {
	return s && Number.isFinite(dayNumber(s)) ? s : null;
}

/** The first day of the calendar quarter that holds iso. */
export function quarterStart(iso) {
	const [y, m] = iso.split('-').map(Number);
	const qm = Math.floor((m - 1) / 3) * 3 + 1;
	return `${y}-${String(qm).padStart(2, '0')}-01`;
}

/** The effective {from, to} of a state, given the data's as_of date. */
export function resolveRange(state, asOf) {
	if (state.range === 'custom' && state.from && state.to) {
		let { from, to } = state;
		if (to > asOf) to = asOf;
		if (from > to) from = to;
		return { from, to };
	}
	if (state.range === 'quarter') return { from: quarterStart(asOf), to: asOf };
	const p = PRESETS.find((x) => x.id === state.range && x.days) || PRESETS[1];
	return { from: addDays(asOf, -(p.days - 1)), to: asOf };
}

/** A label for the range, e.g. "Last 90 days" or "1 Mar – 31 May 2026". */
export function presetLabel(id) {
	const p = PRESETS.find((x) => x.id === id);
	return p ? p.label : '';
}

/* ---- parse and serialise ---- */

/**
 * The state in `search` (default: the current URL) for a page owning `keys`.
 * Common keys are always present and valid; page keys only when non-empty.
 */
export function readState(keys = [], search = location.search) {
	const p = new URLSearchParams(search);
	const s = {};
	const range = p.get('range');
	const from = validDate(p.get('from'));
	const to = validDate(p.get('to'));
	if (from && to && (!range || range === 'custom')) {
		s.range = 'custom';
		s.from = from <= to ? from : to;
		s.to = from <= to ? to : from;
	} else if (PRESETS.some((x) => x.id === range && x.id !== 'custom')) {
		s.range = range;
	} else {
		s.range = DEFAULT_RANGE;
	}
	const bucket = p.get('bucket');
	s.bucket = BUCKETS.some((b) => b.id === bucket) ? bucket : DEFAULT_BUCKET;
	const asOf = validDate(p.get('as_of'));
	if (asOf) s.as_of = asOf;
	if (p.get('days') === 'business') s.days = 'business';
	if (p.get('kiosk') === '1') s.kiosk = '1';
	for (const k of new Set([...keys, ...STICKY])) {
		const v = p.get(k);
		if (v !== null && v !== '') s[k] = v;
	}
	return s;
}

/** The canonical query string of a state: common keys first, then `keys`. */
export function toQuery(state, keys = []) {
	const q = new URLSearchParams();
	if (state.range === 'custom' && state.from && state.to) {
		q.set('from', state.from);
		q.set('to', state.to);
	} else {
		q.set('range', state.range || DEFAULT_RANGE);
	}
	q.set('bucket', state.bucket || DEFAULT_BUCKET);
	if (validDate(state.as_of)) q.set('as_of', state.as_of);
	if (state.days === 'business') q.set('days', 'business');
	if (state.kiosk === '1') q.set('kiosk', '1');
	for (const k of keys) {
		if (COMMON.includes(k)) continue;
		const v = state[k];
		if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
	}
	return q.toString();
}

/** The link to another page keeping the range, bucket, as_of, day unit, department and employee, plus `extra`'s keys. */
export function hrefFor(path, state, extra = {}) {
	const s = { ...state, ...extra };
	return `${path}?${toQuery(s, [...STICKY, ...Object.keys(extra)])}`;
}

/* ---- history ---- */

const listeners = new Set();
let pageKeys = [];
let current = null;

/*
 * Stepping through a control from the keyboard: the arrow keys on a closed
 * <select> (or in a date field) change its value, and fire "change", at
 * every press.  Each change is a new view, but not a new history entry:
 * the first change of a run of key steps pushes one entry, the following
 * ones replace it, so Back returns to the view before the run.  The run
 * ends (the value is committed) with Enter, Escape, Tab, a click or when
 * the control loses focus; the next step then pushes again.  A change by
 * mouse or touch (picking from the open list) always pushes.
 */
const STEP_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown']);
const keyStep = { el: null, pushed: false };

function steppable(el) {
	return el && (el.tagName === 'SELECT' || (el.tagName === 'INPUT' && el.type === 'date'));
}

function trackKeySteps() {
	const end = () => {
		keyStep.el = null;
		keyStep.pushed = false;
	};
	document.addEventListener('keydown', (e) => {
		const el = e.target;
		if (!steppable(el)) return;
		const step = STEP_KEYS.has(e.key) || (el.tagName === 'INPUT' && /^[0-9]$/.test(e.key));
		if (!step) {
			if (e.key === 'Enter' || e.key === 'Escape' || e.key === 'Tab') end();
			return;
		}
		if (keyStep.el !== el) {
			keyStep.el = el;
			keyStep.pushed = false;
		}
	}, true);
	document.addEventListener('focusout', (e) => { if (e.target === keyStep.el) end(); }, true);
	document.addEventListener('pointerdown', end, true);
}

/** Start tracking the URL for a page that owns `keys`; returns the state. */
export function initState(keys) {
	pageKeys = keys;
	current = readState(keys);
	trackKeySteps();
	window.addEventListener('popstate', () => {
		current = readState(pageKeys);
		for (const fn of listeners) fn(current, { source: 'popstate' });
	});
	return current;
}

export function getState() {
	return current;
}

/** Call fn(state, info) on every change of state (navigate or back/forward). */
export function onStateChange(fn) {
	listeners.add(fn);
	return () => listeners.delete(fn);
}

function urlOf(state) {
	return `${location.pathname}?${toQuery(state, pageKeys)}`;
}

/**
 * Apply `patch` to the state (null or '' removes a key), write the URL and
 * notify.  replace: true rewrites the current history entry (used to make a
 * URL canonical); silent: true writes the URL without notifying.
 */
export function navigate(patch, { replace = false, silent = false } = {}) {
	const next = { ...current };
	for (const [k, v] of Object.entries(patch)) {
		if (v === null || v === undefined || v === '') delete next[k];
		else next[k] = v;
	}
	if (next.range !== 'custom') {
		delete next.from;
		delete next.to;
	}
	const url = urlOf(next);
	const here = location.pathname + location.search;
	current = readState(pageKeys, url.slice(url.indexOf('?')));
	if (url !== here) {
		if (!replace && keyStep.el && document.activeElement === keyStep.el) {
			if (keyStep.pushed) replace = true;
			else keyStep.pushed = true;
		}
		if (replace) history.replaceState(null, '', url);
		else history.pushState(null, '', url);
	}
	if (!silent) for (const fn of listeners) fn(current, { source: 'navigate' });
	return current;
}
