/*
 * eventmarks.js - the events of a creator's case (event-log imports) as
 * markers in the timeline's lanes (creator page).
 *
 * Each event goes into the lane of its `stay` (the department of the stay it
 * falls in); events outside any stay (before the first, or after a `done`)
 * into an extra lane, "Other events", shown only when there are such
 * events.  A marker sits on its UTC day (the day the tickets' dates are
 * in), where the bars begin and end: a stay's first event on its bar's
 * start, a `done` on its end.  Shapes: a filled circle for an event of a
 * department (it starts or continues that department's work), a hollow
 * diamond for an activity that maps to no department, a filled square for
 * a `done` event.
 *
 * The crowding rule (docs/DASHBOARD.md): markers are gathered in columns
 * of k days, k = 1 unless a day is narrower than MARK_PX pixels on the
 * chart (then k = ⌈MARK_PX ÷ pixels per day⌉, counted from the case's
 * first event day), so markers never run into each other sideways.  In one
 * lane, the events of one column stack upright, at most STACK markers; a
 * column with more shows its first STACK − 1 events and a "+N" marker for
 * the N others (its tooltip lists them).  A lane draws at most LANE_MAX
 * markers, in time order; the events past them are counted under the chart
 * ("N more events in Design not drawn").  The API lists at most 5,000
 * events of a case; the note says so when `events_total` is larger.
 */
import { alpha } from './charts.js';
import { h } from './dom.js';
import * as fmt from './format.js';
import { dayNumber, isoFromDay } from './state.js';

export const OTHER_LANE = 'Other events';
export const STACK = 3;
export const LANE_MAX = 240;
export const MARK_PX = 11;
const DAY = 86400000;

/** Days per column of markers when a day is `pxPerDay` pixels wide. */
export function daysPerColumn(pxPerDay) {
	return pxPerDay >= MARK_PX || !(pxPerDay > 0) ? 1 : Math.ceil(MARK_PX / pxPerDay);
}

/** The lanes with the events' own: the "Other events" lane (and any unknown stay) appended to `lanes`. */
export function markLanes(events, lanes) {
	for (const e of events) if (!lanes.includes(e.stay || OTHER_LANE)) lanes.push(e.stay || OTHER_LANE);
	return lanes;
}

/* upright offsets (in lanes) of the markers of one day: centred, inside the lane's bar */
const OFFSETS = { 1: [0], 2: [-0.15, 0.15], 3: [-0.26, 0, 0.26] };

/** The kind of an event's marker: 'done', 'mapped' (of a department) or 'other'. */
export function kindOf(e) {
	return e.done ? 'done' : e.department ? 'mapped' : 'other';
}

/**
 * The markers of `events` in `lanes` (markLanes first), k days to a
 * column: {marks: [{x, y, lane, date, kind, ev | more}], hidden: Map(lane →
 * events not drawn), lanes, k}.  `y` is the lane's index plus the marker's
 * offset; `x` the column's middle (a k = 1 column: its day, where bars start).
 */
export function layoutMarks(events, lanes, k = 1) {
	const origin = Math.min(...events.map((e) => dayNumber(e.date)));
	const groups = new Map(); /* lane index, column -> events, in the API's order */
	for (const e of events) {
		const lane = lanes.indexOf(e.stay || OTHER_LANE);
		const col = Math.floor((dayNumber(e.date) - origin) / k);
		const key = `${lane}:${col}`;
		if (!groups.has(key)) groups.set(key, { lane, col, evs: [] });
		groups.get(key).evs.push(e);
	}
	const perLane = new Map(); /* lane -> markers drawn */
	const hidden = new Map();
	const marks = [];
	/* lane by lane, in time order: the cap keeps a lane's first markers */
	const cols = [...groups.values()].sort((a, b) => a.lane - b.lane || a.col - b.col);
	for (const { lane: li, col, evs } of cols) {
		const lane = lanes[li];
		const slots = evs.length <= STACK ? evs.map((ev) => ({ ev })) : [...evs.slice(0, STACK - 1).map((ev) => ({ ev })), { more: evs.slice(STACK - 1) }];
		const offs = OFFSETS[slots.length];
		const first = isoFromDay(origin + col * k);
		const x = fmt.ms(first) + ((k - 1) * DAY) / 2;
		slots.forEach((sl, i) => {
			const n = perLane.get(lane) || 0;
			if (n >= LANE_MAX) {
				hidden.set(lane, (hidden.get(lane) || 0) + (sl.more ? sl.more.length : 1));
				return;
			}
			perLane.set(lane, n + 1);
			marks.push({
				x, y: li + offs[i], lane, date: first, days: k, kind: sl.more ? 'more' : kindOf(sl.ev), ev: sl.ev || null, more: sl.more || null,
			});
		});
	}
	return { marks, hidden, lanes, k };
}

/** The marker's tooltip: {title, lines}. */
export function markTip(m) {
	const when = (e) => {
		const t = fmt.instant(e.at);
		return t.same ? `${t.local} UTC` : `${t.local} your time (${t.utc})`;
	};
	if (m.more) {
		const list = m.more.slice(0, 8).map((e) => `${m.days > 1 ? `${fmt.shortDate(e.date)} ` : ''}${fmt.instant(e.at).time} · ${e.activity}`);
		if (m.more.length > 8) list.push(`… and ${fmt.int(m.more.length - 8)} more`);
		const span = m.days > 1 ? `in ${fmt.range(m.date, isoFromDay(dayNumber(m.date) + m.days - 1))}` : `on ${fmt.date(m.date)}`;
		return { title: `${fmt.plural(m.more.length, 'more event')} ${span} in ${m.lane}`, lines: list };
	}
	const e = m.ev;
	const what = e.done ? `done: ends the stay in ${e.stay || 'no department'}`
		: e.department ? `an event of ${e.department}` : 'maps to no department';
	return {
		title: e.activity,
		lines: [when(e), e.resource ? `by ${e.resource}` : 'no resource', e.lifecycle ? `lifecycle: ${e.lifecycle}` : null, what].filter(Boolean),
	};
}

/** The scatter dataset of the markers, on the y axis `ev` (lanes as numbers). */
export function markDataset(marks, t) {
	const ring = t.surface;
	const style = { mapped: 'circle', other: 'rectRot', done: 'rect', more: 'circle' };
	return {
		type: 'scatter',
		label: 'Events',
		yAxisID: 'ev',
		data: marks.map((m) => ({ x: m.x, y: m.y, mark: m })),
		order: -1, /* over the bars */
		pointStyle: marks.map((m) => style[m.kind]),
		pointRadius: marks.map((m) => (m.kind === 'more' ? 8 : m.kind === 'done' ? 5.6 : 4.2)),
		pointHoverRadius: marks.map((m) => (m.kind === 'more' ? 9 : 6)),
		pointHitRadius: 3,
		/* the "+N" marker is drawn by the plugin below; its point is only the hover target */
		pointBackgroundColor: marks.map((m) => (m.kind === 'other' ? ring : m.kind === 'more' ? alpha('#000000', 0) : t.text)),
		pointBorderColor: marks.map((m) => (m.kind === 'other' ? t.text : m.kind === 'more' ? alpha('#000000', 0) : ring)),
		pointBorderWidth: marks.map((m) => (m.kind === 'other' ? 1.6 : 1.2)),
	};
}

/**
 * A Chart.js plugin drawing the "+N" pills of crowded columns over their
 * points; where a pill would not fit its column (`spacing()` pixels), a
 * "+" badge of a marker's size instead (the tooltip gives N).
 */
export function morePlugin(t, spacing) {
	return {
		id: 'eventMore',
		afterDatasetsDraw(chart) {
			const ds = chart.data.datasets.findIndex((d) => d.label === 'Events');
			if (ds < 0) return;
			const { ctx } = chart;
			const meta = chart.getDatasetMeta(ds);
			ctx.save();
			ctx.font = `700 10px ${getComputedStyle(document.body).fontFamily}`;
			ctx.textAlign = 'center';
			ctx.textBaseline = 'middle';
			meta.data.forEach((pt, i) => {
				const m = chart.data.datasets[ds].data[i].mark;
				if (m.kind !== 'more') return;
				let label = `+${m.more.length}`;
				let w = Math.max(16, ctx.measureText(label).width + 8), ht = 13;
				if (w > spacing() - 2) {
					label = '+';
					w = ht = 11;
				}
				ctx.beginPath();
				if (ctx.roundRect) ctx.roundRect(pt.x - w / 2, pt.y - ht / 2, w, ht, ht / 2);
				else ctx.rect(pt.x - w / 2, pt.y - ht / 2, w, ht);
				ctx.fillStyle = t.surface;
				ctx.fill();
				ctx.lineWidth = 1.2;
				ctx.strokeStyle = t.text;
				ctx.stroke();
				ctx.fillStyle = t.text;
				ctx.fillText(label, pt.x, pt.y + 0.5);
			});
			ctx.restore();
		},
	};
}

/** The legend items of the markers (only the kinds present) and the notes on what is not drawn. */
export function markLegend(layout, d) {
	const kinds = new Set(layout.marks.map((m) => m.kind));
	const items = [];
	if (kinds.has('mapped')) items.push(h('span', {}, h('span', { class: 'ev-key mapped', 'aria-hidden': 'true' }), 'event of the department (work started or continued)'));
	if (kinds.has('other')) items.push(h('span', {}, h('span', { class: 'ev-key other', 'aria-hidden': 'true' }), 'activity that maps to no department'));
	if (kinds.has('done')) items.push(h('span', {}, h('span', { class: 'ev-key done', 'aria-hidden': 'true' }), 'done (ends the stay)'));
	if (kinds.has('more')) items.push(h('span', {}, h('span', { class: 'ev-key more', 'aria-hidden': 'true' }, '+N'), `more events ${layout.k > 1 ? 'in those days' : 'that day'} (over ${STACK}; hover for the list)`));
	const notes = [];
	notes.push('Events sit on their UTC day; hover one for its time in your time zone.');
	if (layout.k > 1) notes.push(`At this width each column of markers gathers ${fmt.int(layout.k)} days.`);
	if (layout.lanes.includes(OTHER_LANE)) notes.push(`${OTHER_LANE}: events before the first stay or after a done.`);
	for (const [lane, n] of layout.hidden) notes.push(`${fmt.plural(n, 'more event')} in ${lane} not drawn (at most ${fmt.int(LANE_MAX)} markers a lane).`);
	const total = d.events_total || 0, listed = (d.events || []).length;
	if (total > listed) notes.push(`The first ${fmt.int(listed)} of ${fmt.int(total)} events are shown (the server lists at most ${fmt.int(listed)}).`);
	return [h('p', { class: 'legend-note', id: 'event-legend' }, ...items),
		h('p', { class: 'legend-note', id: 'event-notes' }, notes.map((n) => h('span', {}, n)))];
}
