/*
 * charttable.js - "View as table": every chart's numbers as an accessible
 * table (issue 13 point 14).
 *
 * makeChart() calls tableToggle(chart) for each chart it draws.  The card
 * holding the chart gets one toggle in its head (beside the downloads): a
 * button with aria-expanded that shows or hides a region after the card's
 * body holding one table per chart of the card, in the order they sit,
 * each captioned with the chart's accessible name.  The tables are built
 * from the charts' own data when the region opens and again whenever a
 * chart of the card is redrawn while it is open, so they always hold what
 * is drawn: rows are the chart's categories (its labels) or, on a time or
 * value axis, the points' x values; a column per dataset.  A scatter whose
 * datasets repeat x values (dots per ticket) is listed point by point.
 */
import { h, icon } from './dom.js';
import * as fmt from './format.js';

const MAX_ROWS = 2000;
const ICON_TABLE = ['M3 5h18v14H3z', 'M3 10h18', 'M3 15h18', 'M9 5v14'];

let nTables = 0;

/* a value as the table shows it */
function show(v) {
	if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '–';
	if (typeof v === 'number') return Number.isInteger(v) ? fmt.int(v) : fmt.num(v, 2);
	if (Array.isArray(v)) {
		if (v.length === 2 && v.every((x) => typeof x === 'number')) return `${show(v[0])} – ${show(v[1])}`;
		/* a box plot drawn from raw values: their median and count */
		const xs = v.filter((x) => typeof x === 'number').sort((a, b) => a - b);
		if (!xs.length) return '–';
		const m = xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
		return `median ${show(m)} (${fmt.int(xs.length)} values)`;
	}
	if (typeof v === 'object') {
		if ('median' in v) return `median ${show(v.median)}, ${show(v.q1)} – ${show(v.q3)}`;
		if ('y' in v) return show(v.y);
		if ('v' in v) return show(v.v);
	}
	return String(v);
}

function isTimeScale(chart, axis) {
	const sc = chart.options.scales && chart.options.scales[axis];
	return sc && sc.type === 'time';
}

/* an x (or y, for horizontal charts) key as the table shows it */
function keyText(chart, axis, x) {
	if (typeof x === 'number' && isTimeScale(chart, axis)) return fmt.date(new Date(x).toISOString().slice(0, 10));
	if (typeof x === 'string' && /^\d{4}-\d{2}-\d{2}/.test(x)) return fmt.date(x.slice(0, 10));
	return typeof x === 'number' ? show(x) : String(x);
}

/* the datasets a reader sees: labelled, not hidden helpers */
function shownDatasets(chart) {
	return chart.data.datasets.map((d, i) => ({ d, i })).filter(({ d, i }) => d.label && chart.isDatasetVisible(i));
}

/** The chart's numbers as {head: [...], rows: [[...]], cut} (pure: the tests read it too). */
export function chartRows(chart) {
	const horizontal = chart.options.indexAxis === 'y';
	const keyAxis = horizontal ? 'y' : 'x';
	const sets = shownDatasets(chart);
	const labels = chart.data.labels || [];
	const keyName = (() => {
		const sc = chart.options.scales && chart.options.scales[keyAxis];
		return (sc && sc.title && sc.title.display && sc.title.text) || (isTimeScale(chart, keyAxis) ? 'Date' : '');
	})();
	const head = [keyName || '', ...sets.map(({ d }) => d.label)];
	const valueOf = (p) => (p !== null && typeof p === 'object' && !Array.isArray(p) && horizontal && 'x' in p && !('median' in p) ? p.x : p);
	if (labels.length) {
		const rows = labels.map((l, k) => [Array.isArray(l) ? l.join(' ') : keyText(chart, keyAxis, l), ...sets.map(({ d }) => show(valueOf(d.data[k])))]);
		return { head, rows: rows.slice(0, MAX_ROWS), cut: rows.length > MAX_ROWS ? rows.length : 0 };
	}
	const keyOf = (p) => (p && typeof p === 'object' ? p[keyAxis] : undefined);
	const repeats = sets.some(({ d }) => {
		const seen = new Set();
		for (const p of d.data) {
			const k = keyOf(p);
			if (seen.has(k)) return true;
			seen.add(k);
		}
		return false;
	});
	if (repeats) {
		/* point by point: dataset, x, y */
		const other = horizontal ? 'x' : 'y';
		const rows = [];
		for (const { d } of sets) for (const p of d.data) if (p) rows.push([d.label, keyText(chart, keyAxis, keyOf(p)), show(p[other])]);
		return { head: ['Series', keyName || keyAxis, 'Value'], rows: rows.slice(0, MAX_ROWS), cut: rows.length > MAX_ROWS ? rows.length : 0 };
	}
	const keys = [...new Set(sets.flatMap(({ d }) => d.data.map(keyOf)).filter((k) => k !== undefined && k !== null))]
		.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
	const index = sets.map(({ d }) => new Map(d.data.filter(Boolean).map((p) => [keyOf(p), p])));
	const rows = keys.map((k) => [keyText(chart, keyAxis, k), ...index.map((m) => show(m.has(k) ? valueOf(m.get(k)) : null))]);
	return { head, rows: rows.slice(0, MAX_ROWS), cut: rows.length > MAX_ROWS ? rows.length : 0 };
}

function tableOf(chart) {
	const { head, rows, cut } = chartRows(chart);
	const label = chart.canvas.getAttribute('aria-label') || 'Chart';
	return h('div', { class: 'table-wrap chart-table' },
		h('table', { class: 'data compact' },
			h('caption', {}, label),
			h('thead', {}, h('tr', {}, head.map((t, i) => h('th', { scope: 'col', class: i ? 'n' : null }, t)))),
			h('tbody', {}, rows.map((r) => h('tr', {}, r.map((v, i) => (i ? h('td', { class: 'n' }, v) : h('th', { scope: 'row' }, v))))))),
		cut ? h('p', { class: 'legend-note' }, `The first ${fmt.int(MAX_ROWS)} of ${fmt.int(cut)} rows; the CSV download has them all.`) : null);
}

/* (re)build the open region of a card from its charts */
function rebuild(cardEl) {
	const region = cardEl.querySelector(':scope > .chart-tables');
	if (!region || region.hidden) return;
	const Chart = window.Chart;
	const charts = [...cardEl.querySelectorAll('canvas')].map((c) => Chart.getChart(c)).filter(Boolean);
	region.replaceChildren(...(charts.length ? charts.map(tableOf) : [h('p', { class: 'legend-note' }, 'No chart to list.')]));
}

const pending = new Set();

/** Give the chart's card its "View as table" toggle; refresh an open table. */
export function tableToggle(chart) {
	const cardEl = chart.canvas.closest('.card');
	if (!cardEl) return;
	const head = cardEl.querySelector('.card-head');
	let btn = cardEl.querySelector(':scope .table-toggle');
	if (!btn && head) {
		const id = `chart-tables-${++nTables}`;
		const title = (cardEl.querySelector('h2') || {}).textContent || 'this card';
		const region = h('div', { class: 'chart-tables', id, role: 'region', 'aria-label': `The numbers of “${title}” as tables`, hidden: true });
		btn = h('button', {
			type: 'button', class: 'tool table-toggle', 'aria-expanded': 'false', 'aria-controls': id,
			title: 'Show the numbers of the chart as a table',
		}, icon(ICON_TABLE), h('span', { class: 'tt-label' }, 'View as table'));
		btn.addEventListener('click', () => {
			const open = btn.getAttribute('aria-expanded') !== 'true';
			btn.setAttribute('aria-expanded', String(open));
			btn.querySelector('.tt-label').textContent = open ? 'Hide table' : 'View as table';
			region.hidden = !open;
			rebuild(cardEl);
		});
		let tools = head.querySelector('.card-tools');
		if (!tools) {
			tools = h('div', { class: 'card-tools', role: 'group', 'aria-label': `Tools: ${title}` });
			head.append(tools);
		}
		tools.append(btn);
		cardEl.append(region);
	}
	if (pending.has(cardEl)) return;
	pending.add(cardEl);
	queueMicrotask(() => {
		pending.delete(cardEl);
		rebuild(cardEl);
	});
}
