/*
 * annotations.js - dated notes ("2 designers hired") as markers on every
 * time chart, with a one-click before/after comparison around each.
 *
 * The notes are /api/v1/annotations (config.ini's [annotations] and the
 * ones posted to the API), fetched with the page's meta and again when the
 * data version changes (live.js).  charts.js's makeChart() hands every
 * chart config to addMarkers(): a chart whose x axis is a time axis gets a
 * vertical line per note inside its range; a chart of periods on a
 * category axis gets it on the period holding the note's day, when the
 * page gave the periods (`config.markerBuckets`: [{start, end}] in label
 * order).  Each line carries the note's number in a small flag at the top
 * (the notes of the view's range are numbered 1, 2, ... in date order, so
 * a note has the same number on every chart of the page); hovering the flag or the line shows the note,
 * a click opens the comparison.  Under the charts of a card, a list names
 * the notes it shows, each a link to the comparison (the keyboard and
 * screen-reader way), and the canvas's accessible name gets a sentence
 * with them.
 *
 * The comparison: /compare with A = the L days before the note's day and
 * B = the L days from it, L = min(90, days from the note to as_of); the
 * view's range, bucket, as_of and day unit come along.
 */
import { getJSON } from './api.js';
import { h } from './dom.js';
import * as fmt from './format.js';
import { addDays, daysBetween, hrefFor } from './state.js';

/* the compared periods are at most this long */
export const COMPARE_DAYS = 90;

let notes = [];          /* the API's notes in its order, with `key` (their place) and `tag` (their label) */
let view = { state: null, asOf: null, range: null };

/** Fetch the notes; on failure the page has no markers (the charts still draw). */
export async function loadMarkers() {
	try {
		const body = await getJSON('/api/v1/annotations');
		notes = (body.annotations || []).map((a, i) => ({ ...a, key: i }));
	} catch (e) {
		notes = [];
	}
	numberNotes();
	return notes;
}

export function markers() {
	return notes;
}

/**
 * The view (ui.js, before each load): the comparison links carry it, and
 * the notes are numbered 1, 2, ... in the view's range [from, to]; a note
 * outside it that a chart still shows (the creator timeline has its own
 * span) is labelled with its short date instead.
 */
export function setMarkerView(state, asOf, range) {
	view = { state, asOf, range };
	numberNotes();
}

function numberNotes() {
	let n = 0;
	for (const a of notes) {
		const inRange = view.range && a.date >= view.range.from && a.date <= view.range.to;
		a.n = inRange ? ++n : null;
		a.tag = inRange ? String(a.n) : fmt.shortDate(a.date);
	}
}

/** The two periods around day `date` given the view's as_of, or null when the day is after it. */
export function periodsAround(date, asOf) {
	if (!asOf || date > asOf) return null;
	const len = Math.min(COMPARE_DAYS, daysBetween(date, asOf) + 1);
	return { a_from: addDays(date, -len), a_to: addDays(date, -1), b_from: date, b_to: addDays(date, len - 1), days: len };
}

export function compareHref(note) {
	const p = periodsAround(note.date, view.asOf);
	if (!p || !view.state) return null;
	const { days, ...periods } = p;
	return hrefFor('/compare', view.state, periods);
}

function compareTitle(note) {
	const p = periodsAround(note.date, view.asOf);
	return p ? `Compare the ${fmt.plural(p.days, 'day')} before ${fmt.date(note.date)} with the ${fmt.plural(p.days, 'day')} from it` : '';
}

/* ---- the floating note ---- */

let tip = null;

function showTip(chart, x, note) {
	if (!tip) {
		tip = h('div', { class: 'flag-float marker-float', id: 'marker-float', role: 'tooltip', hidden: true });
		document.body.append(tip);
	}
	tip.replaceChildren(h('strong', {}, note.n ? `${note.n} · ${fmt.date(note.date)}` : fmt.date(note.date)), h('br'), note.text,
		compareHref(note) ? h('span', { class: 'marker-float-hint' }, 'Click to compare before and after') : null);
	tip.hidden = false;
	const r = chart.canvas.getBoundingClientRect();
	const w = tip.offsetWidth;
	const left = Math.max(8, Math.min(window.innerWidth - w - 8, r.left + x - w / 2));
	const top = Math.max(8, r.top + chart.chartArea.top - tip.offsetHeight - 6);
	tip.style.left = `${Math.round(left)}px`;
	tip.style.top = `${Math.round(top)}px`;
}

function hideTip() {
	if (tip) tip.hidden = true;
}

/* ---- on the charts ---- */

function dayOfMs(ms) {
	return new Date(ms).toISOString().slice(0, 10);
}

/* the notes a chart shows, and where: [{note, value}] */
function placed(config) {
	const x = config.options && config.options.scales && config.options.scales.x;
	if (!x || !notes.length) return [];
	if (x.type === 'time' && Number.isFinite(x.min) && Number.isFinite(x.max)) {
		const lo = dayOfMs(x.min), hi = dayOfMs(x.max);
		return notes.filter((a) => a.date >= lo && a.date <= hi).map((a) => ({ note: a, value: fmt.ms(a.date) }));
	}
	const buckets = config.markerBuckets;
	if (Array.isArray(buckets) && buckets.length) {
		const out = [];
		for (const a of notes) {
			const i = buckets.findIndex((b) => b && a.date >= b.start && a.date <= b.end);
			if (i >= 0) out.push({ note: a, value: i });
		}
		return out;
	}
	return [];
}

/**
 * Add the markers to a chart config (called by makeChart before the chart
 * is made) and return the notes placed, for the card's list and the
 * canvas's name.
 */
export function addMarkers(config, t) {
	const on = placed(config);
	delete config.markerBuckets;
	if (!on.length) return [];
	config.options = config.options || {};
	const plugins = (config.options.plugins = config.options.plugins || {});
	const ann = (plugins.annotation = plugins.annotation || {});
	const list = ann.annotations || {};
	const add = (key, value) => {
		if (Array.isArray(list)) list.push(value);
		else list[key] = value;
	};
	const line = t.dark ? 'rgba(230, 234, 239, 0.55)' : 'rgba(24, 32, 42, 0.5)';
	for (const { note, value } of on) {
		const href = compareHref(note);
		add(`marker${note.key}`, {
			type: 'line',
			scaleID: 'x',
			value,
			borderColor: line,
			borderWidth: 1.25,
			drawTime: 'afterDatasetsDraw',
			label: {
				display: true,
				content: note.tag,
				position: 'start',
				backgroundColor: t.text,
				color: t.surface,
				font: { size: 10.5, weight: '700' },
				padding: { x: 5, y: 2 },
				borderRadius: 8,
				yAdjust: -2,
			},
			enter(ctx, event) {
				showTip(ctx.chart, event.x, note);
				if (href) ctx.chart.canvas.style.cursor = 'pointer';
			},
			leave(ctx) {
				hideTip();
				ctx.chart.canvas.style.cursor = '';
			},
			click() {
				if (href) location.assign(href);
			},
		});
	}
	ann.annotations = list;
	/* the flags sit just above the plot area */
	const layout = (config.options.layout = config.options.layout || {});
	const pad = typeof layout.padding === 'number' ? { left: layout.padding, right: layout.padding, bottom: layout.padding, top: layout.padding } : { ...(layout.padding || {}) };
	pad.top = Math.max(pad.top || 0, 16);
	layout.padding = pad;
	return on.map((p) => p.note);
}

/**
 * For a table of periods (the department's heatmap): the notes of each
 * period, [[note, ...] per bucket], by the same rule as a chart of periods.
 */
export function notesByBucket(buckets) {
	return buckets.map((b) => notes.filter((a) => b && a.date >= b.start && a.date <= b.end));
}

/** The sentence the canvas's accessible name ends with. */
export function markerSentence(shown) {
	if (!shown.length) return '';
	return ` Markers: ${shown.map((a) => `${a.n ? `${a.n}, ` : ''}${fmt.date(a.date)}: ${a.text}`).join('; ')}.`;
}

/**
 * The card's list of the notes its charts show (one list per card, after
 * its content, made again with each chart the card draws).
 */
export function showMarkerList(container, shown) {
	const body = (container.closest && container.closest('.card-body')) || container.parentElement;
	if (!body) return;
	const old = body.querySelector(':scope > .marker-list');
	const have = old ? JSON.parse(old.dataset.notes || '[]') : [];
	const all = [...new Set([...have, ...shown.map((a) => a.key)])].sort((a, b) => a - b);
	if (!all.length) {
		if (old) old.remove();
		return;
	}
	const byKey = new Map(notes.map((a) => [a.key, a]));
	const items = all.map((k) => byKey.get(k)).filter(Boolean);
	const list = h('ul', { class: 'marker-list', 'aria-label': 'Markers on these charts', dataset: { notes: JSON.stringify(items.map((a) => a.key)) } },
		items.map((a) => {
			const href = compareHref(a);
			const name = `Marker ${a.n ? `${a.n}, ` : ''}${fmt.date(a.date)}: ${a.text}`;
			const label = [h('span', { class: 'marker-n', 'aria-hidden': 'true' }, a.n ? String(a.n) : '•'),
				h('span', { class: 'marker-date' }, fmt.date(a.date)), ' ', h('span', { class: 'marker-text', title: a.text }, a.text)];
			return h('li', { dataset: { date: a.date, tag: a.tag, key: String(a.key) } },
				href
					? h('a', { href, title: compareTitle(a), 'aria-label': `${name}. ${compareTitle(a)}` }, ...label, h('span', { class: 'marker-compare', 'aria-hidden': 'true' }, 'before/after'))
					: h('span', { 'aria-label': name }, ...label));
		}));
	if (old) old.replaceWith(list);
	else body.append(list);
}
