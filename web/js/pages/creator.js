/*
 * Creator timeline (/creator?q=berg&creator=Aiko%20Berg%20%232803): search
 * creators by name, then follow one through the pipeline: a swimlane per
 * department with each ticket as a bar from the day it opened to the day it
 * closed (open tickets run to as_of), the handoff waits between departments,
 * the events of the creator's case as markers in their lanes when the data
 * came from an event log (eventmarks.js), and the stage table.
 *
 * A creator's timeline is their whole history up to as_of, and the search
 * matches names whatever the range: the range stays in the URL only so that
 * the other pages open on it again.
 * Data: /api/v1/creators?q= and /api/v1/creators/{name}.
 */
import { apiURL, getJSON } from '../api.js';
import { deptColor, deptIndex, destroyCharts, makeChart, refLine, theme, timeAxis } from '../charts.js';
import { h } from '../dom.js';
import * as fmt from '../format.js';
import { setExports } from '../exports.js';
import { hrefFor, navigate } from '../state.js';
import { card, chartBox, defHead, deptSwatch, notice, startPage } from '../ui.js';
import { def } from '../defs.js';
import { daysPerColumn, layoutMarks, markDataset, markLanes, markLegend, markTip, morePlugin } from '../eventmarks.js';

const DAY = 86400000;
const PAGE = 24; /* results asked for at first */
const MORE = 240; /* results asked for after "Show more" */
/* results shown while a creator is open: fewer on a phone, so the timeline stays near */
const collapsedCount = () => (window.matchMedia('(max-width: 720px)').matches ? 3 : 6);
let cache = null;
let expanded = false; /* "Show more" pressed for the current search */
let input;
let typing = null;

/* ---- search ---- */

function searchField() {
	input = h('input', {
		type: 'search', id: 'q', name: 'q', placeholder: 'Part of a name, e.g. Berg', autocomplete: 'off', spellcheck: 'false',
		'aria-describedby': 'search-status',
	});
	const form = h('form', { class: 'search-row', role: 'search', id: 'search-form' },
		h('div', { class: 'field' }, h('label', { for: 'q' }, 'Creator name'), input),
		h('button', { type: 'submit', class: 'btn primary' }, 'Search'));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		clearTimeout(typing);
		navigate({ q: input.value.trim() });
	});
	/* while typing: search after a pause, rewriting the current history entry */
	input.addEventListener('input', () => {
		clearTimeout(typing);
		typing = setTimeout(() => navigate({ q: input.value.trim() }, { replace: true }), 300);
	});
	return form;
}

function resultLink(state, r) {
	return h('a', {
		href: hrefFor('/creator', state, { creator: r.name, q: state.q || null }),
		'aria-current': r.name === state.creator ? 'true' : null,
		onclick: (ev) => {
			if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
			ev.preventDefault();
			navigate({ creator: r.name });
		},
	},
	h('span', { class: 'name' }, r.name),
	h('span', { class: 'meta' }, `${fmt.plural(r.tickets, 'ticket')} · ${fmt.range(r.first_opened, r.last_activity)}`));
}

function drawResults(state, res, err, ctx) {
	const c = card('search');
	const status = (text) => h('p', { class: 'legend-note', role: 'status', id: 'search-status' }, text);
	if (err) {
		c.error(err, ctx.reload);
		return;
	}
	if (!res) {
		c.loading();
		return;
	}
	const list = res.creators || [];
	const q = state.q || '';
	if (!list.length) {
		c.show(h('div', { class: 'state empty' },
			h('strong', { id: 'search-status', role: 'status' }, q ? `No creator’s name contains “${q}”` : 'No creators yet'),
			h('span', {}, q ? 'Check the spelling, or search for a shorter part of the name.' : 'Import tickets to see creators here.')));
		return;
	}
	const n = collapsedCount();
	const collapsed = state.creator && !expanded && list.length > n;
	/* keep the chosen creator in the short list */
	let shown = list;
	if (collapsed) {
		const at = list.findIndex((r) => r.name === state.creator);
		shown = at < 0 || at < n ? list.slice(0, n) : [...list.slice(0, n - 1), list[at]];
	}
	const what = q ? `${fmt.plural(res.total, 'creator')} whose name contains “${q}”` : `All ${fmt.plural(res.total, 'creator')}, A to Z`;
	const nodes = [
		status(shown.length < res.total ? `${what} · showing ${fmt.int(shown.length)}` : what),
		h('ul', { class: 'results', id: 'results' }, shown.map((r) => h('li', {}, resultLink(state, r)))),
	];
	if (shown.length < res.total && (collapsed || list.length < Math.min(res.total, MORE))) {
		nodes.push(h('button', {
			type: 'button', class: 'btn more', id: 'more',
			onclick: () => {
				expanded = true;
				if (collapsed) drawResults(state, res, null, ctx);
				else search(state, ctx);
			},
		}, collapsed ? 'Show all results' : `Show up to ${MORE}`));
	} else if (shown.length < res.total) {
		nodes.push(status(`Type more of the name to narrow the ${fmt.int(res.total)} matches.`));
	}
	c.show(...nodes);
}

function search(state, ctx) {
	drawResults(state, null, null, ctx);
	const req = { path: '/api/v1/creators', params: { q: state.q, limit: expanded ? MORE : PAGE } };
	setExports('search', req, [{ table: 'creators' }], { png: false });
	return getJSON(req.path, req.params)
		.then((r) => ctx.isCurrent() && drawResults(state, r, null, ctx))
		.catch((e) => ctx.isCurrent() && drawResults(state, null, e, ctx));
}

/* ---- the timeline ---- */

function summaryOf(d) {
	const stages = d.stages || [];
	const e2e = d.end_to_end || {};
	const first = stages[0];
	if (fmt.isNum(e2e.days) && e2e.campaign_start) {
		return [h('strong', {}, `${fmt.days(e2e.days, { long: true, digits: 0 })} end to end`),
			first ? ` from first contact (${fmt.date(first.start)}) to campaign start (${fmt.date(e2e.campaign_start)}).` : ` to campaign start (${fmt.date(e2e.campaign_start)}).`];
	}
	if (!first) return [h('strong', {}, 'No tickets yet.')];
	const now = stages[stages.length - 1];
	return [h('strong', {}, 'The campaign has not started yet'),
		now.end ? `: first contact on ${fmt.date(first.start)}; the last stage, ${now.department}, ended on ${fmt.date(now.end)}.`
			: `: first contact on ${fmt.date(first.start)}, now in ${now.department} since ${fmt.date(now.start)}.`];
}

function drawTimeline(d, meta) {
	const c = card('timeline');
	const tickets = d.tickets || [];
	if (!tickets.length) return c.empty('This creator has no tickets');
	const t = theme();
	const waitColor = t.dark ? '#7b8591' : '#9aa3ad';
	const lanes = [...meta.departments].sort((a, b) => a.position - b.position).map((x) => x.name);
	for (const tk of tickets) if (!lanes.includes(tk.department)) lanes.push(tk.department);
	/* the case's events (event-log imports): markers in the lanes of their stays */
	const events = d.events || [];
	if (events.length) markLanes(events, lanes);
	let layout = null; /* the markers, laid out once the chart knows its width */
	const evLegend = events.length ? h('div', { class: 'event-legend' }) : null;
	/* the view's as_of (time travel), where open tickets end */
	const asOf = fmt.ms((d.range && d.range.as_of) || meta.as_of);
	/* a ticket runs from the day it opened to the day it closed (its days to close); open ones to as_of */
	const end = (tk) => (tk.closed_on ? fmt.ms(tk.closed_on) : asOf);
	const evDays = events.map((e) => fmt.ms(e.date));
	const minX = Math.min(...tickets.map((tk) => fmt.ms(tk.opened_on)), ...evDays);
	const maxX = Math.max(...tickets.map(end), ...evDays.map((x) => x + DAY));
	const pad = Math.max(DAY * 2, (maxX - minX) * 0.03);
	const stages = d.stages || [];
	/* the wait before a stage: from the previous stage's end to this one's start */
	const waits = stages.filter((s) => fmt.isNum(s.wait_before) && s.wait_before > 0 && s.start)
		.map((s) => ({ x: [fmt.ms(s.start) - s.wait_before * DAY, fmt.ms(s.start)], y: s.department, days: s.wait_before }));
	const e2e = d.end_to_end || {};
	const summary = summaryOf(d);
	const box = chartBox();
	box.style.height = `${Math.max(220, 60 + lanes.length * (events.length ? 50 : 42))}px`;
	c.show(h('p', { class: 'insight', id: 'e2e-summary' }, ...summary), box,
		h('p', { class: 'legend-note' },
			h('span', {}, 'Each bar is a ticket, from the day it opened to the day it closed; outlined bars are still open.'),
			h('span', {}, h('span', { class: 'swatch wait', 'aria-hidden': 'true' }), 'handoff wait'),
			e2e.campaign_start ? h('span', {}, h('span', { class: 'swatch dash strong', 'aria-hidden': 'true' }), 'campaign start') : null),
		evLegend);
	const annotations = {};
	if (e2e.campaign_start) annotations.start = refLine('x', fmt.ms(e2e.campaign_start), null, t.text);
	annotations.asof = refLine('x', asOf, null, t.faint, { dash: [1, 3] });
	const chart = makeChart(box, {
		type: 'bar',
		data: {
			labels: lanes,
			datasets: [
				{
					label: 'Tickets',
					data: tickets.map((tk) => ({ x: [fmt.ms(tk.opened_on), end(tk)], y: tk.department, tk })),
					backgroundColor: tickets.map((tk) => deptColor(tk.department, tk.closed_on ? 1 : 0.3)),
					borderColor: tickets.map((tk) => deptColor(tk.department)),
					borderWidth: tickets.map((tk) => (tk.closed_on ? 0 : 2)),
					borderSkipped: false,
					minBarLength: 3,
					barPercentage: 0.62,
					categoryPercentage: 1,
					grouped: false,
				},
				{
					label: 'Waits',
					data: waits,
					backgroundColor: waitColor,
					borderSkipped: false,
					minBarLength: 2,
					barPercentage: 0.18,
					categoryPercentage: 1,
					grouped: false,
				},
				events.length ? markDataset([], t) : null,
			].filter(Boolean),
		},
		plugins: events.length ? [morePlugin(t, () => (layout ? layout.spacing : 0)), {
			/* a new width (window resized) can change the days per column: lay the markers out again */
			id: 'eventRelayout',
			afterLayout(ch) {
				if (layout && daysPerColumn(pixelsPerDay(ch)) !== layout.k) requestAnimationFrame(() => { if (ch.canvas) placeMarks(); });
			},
		}] : [],
		options: {
			indexAxis: 'y',
			scales: {
				x: { ...timeAxis(minX - pad, maxX + pad), grid: { display: true, drawTicks: false } },
				y: { type: 'category', grid: { display: false }, ticks: { color: t.text } },
				/* the markers' axis: lane i at i, the same places as the category lanes (top to bottom) */
				...(events.length ? { ev: { type: 'linear', axis: 'y', min: -0.5, max: lanes.length - 0.5, bounds: 'data', offset: false, reverse: true, display: false } } : {}),
			},
			plugins: {
				legend: { display: false },
				annotation: { annotations },
				tooltip: {
					callbacks: {
						/* a marker's tooltip shows its shape, in the tooltip's text colour */
						labelPointStyle: (i) => (i.raw.mark ? { pointStyle: { mapped: 'circle', other: 'rectRot', done: 'rect', more: 'crossRot' }[i.raw.mark.kind], rotation: 0 } : undefined),
						labelColor: (i) => {
							if (!i.raw.mark) return undefined;
							const fg = t.dark ? '#222222' : '#eef1f4';
							return { borderColor: fg, backgroundColor: i.raw.mark.kind === 'other' ? 'transparent' : fg, borderWidth: 1.5 };
						},
						title: (items) => {
							const r = items[0].raw;
							if (r.mark) return markTip(r.mark).title;
							return r.tk ? `${r.tk.department} · ${r.tk.ticket_id}` : `Handoff wait before ${r.y}`;
						},
						label: (i) => {
							const r = i.raw;
							if (r.mark) return markTip(r.mark).lines;
							if (!r.tk) return fmt.days(r.days, { long: true, digits: 0 });
							const tk = r.tk;
							const days = tk.closed_on ? Math.round((fmt.ms(tk.closed_on) - fmt.ms(tk.opened_on)) / DAY) : null;
							/* counted from the dates: calendar days, whatever the view's unit */
							const cal = fmt.dayWord() === 'days' ? '' : ' (calendar)';
							return [tk.employee, `${fmt.date(tk.opened_on)} → ${tk.closed_on ? fmt.date(tk.closed_on) : 'still open'}`,
								days !== null ? `${fmt.days(days, { long: true, digits: 0 })}${cal}` : `open for ${fmt.days(Math.round((asOf - fmt.ms(tk.opened_on)) / DAY), { long: true, digits: 0 })}${cal}`];
						},
					},
				},
			},
		},
	}, `Timeline of ${d.creator}: ${summary.map((x) => x.textContent ?? x).join('')}`);
	if (!events.length) return;
	/* the markers need the chart's width: how many pixels a day gets decides the columns (eventmarks.js) */
	function placeMarks() {
		const px = pixelsPerDay(chart);
		layout = layoutMarks(events, lanes, daysPerColumn(px));
		layout.spacing = px * layout.k;
		Object.assign(chart.data.datasets[2], markDataset(layout.marks, t));
		chart.update('none');
		evLegend.replaceChildren(...markLegend(layout, d));
	}
	placeMarks();
	chart.canvas.setAttribute('aria-label', `${chart.canvas.getAttribute('aria-label')} ${fmt.plural(events.length, 'event')} marked in the lanes.`);
}

/** How many pixels one day takes on the chart's time axis. */
function pixelsPerDay(chart) {
	const x = chart.scales.x;
	return x.getPixelForValue(x.min + DAY) - x.getPixelForValue(x.min);
}

function drawTable(d, state) {
	const c = card('tickets');
	const tickets = d.tickets || [];
	const stages = d.stages || [];
	if (!tickets.length) return c.empty('No tickets');
	const byDept = new Map();
	for (const tk of tickets) {
		if (!byDept.has(tk.department)) byDept.set(tk.department, []);
		byDept.get(tk.department).push(tk);
	}
	const people = (tks) => {
		const seen = new Map();
		for (const x of tks) if (!seen.has(x.employee_id)) seen.set(x.employee_id, x.employee);
		return [...seen].flatMap(([id, name], i) => {
			const link = fmt.isNum(id) ? h('a', { href: hrefFor('/employee', state, { emp: id, dept: null }) }, name) : name;
			return i ? [', ', link] : [link];
		});
	};
	const rows = stages.map((s) => {
		const tks = byDept.get(s.department) || [];
		return h('tr', {},
			h('th', { scope: 'row' }, deptSwatch(deptIndex(s.department)), s.department),
			h('td', { 'data-label': 'Employee' }, h('span', {}, people(tks))),
			h('td', { class: 'hide-sm', 'data-label': 'Tickets' }, tks.map((x) => x.ticket_id).join(', ')),
			h('td', { class: 'n', 'data-label': 'Opened' }, fmt.date(s.start)),
			h('td', { class: 'n', 'data-label': 'Closed' }, s.end ? fmt.date(s.end) : h('span', { class: 'pill' }, 'open')),
			h('td', { class: 'n', 'data-label': 'Days' }, fmt.isNum(s.days) ? fmt.int(s.days) : fmt.DASH),
			h('td', { class: 'n', 'data-label': 'Wait before' }, fmt.isNum(s.wait_before) ? fmt.int(s.wait_before) : fmt.DASH));
	});
	c.show(h('div', { class: 'table-wrap stack-sm' },
		h('table', { class: 'data stack-sm', id: 'stage-rows' },
			h('caption', { class: 'visually-hidden' }, `Stages of ${d.creator}`),
			h('thead', {}, h('tr', {},
				defHead('Stage', def('cr_stage')), defHead('Employee', def('cr_employee')), defHead('Tickets', def('cr_tickets'), { class: 'hide-sm' }),
				defHead('Opened', def('cr_opened'), { class: 'n' }), defHead('Closed', def('cr_closed'), { class: 'n' }),
				defHead('Days', def('cr_days'), { class: 'n' }),
				defHead('Wait before', def('cr_wait'), { class: 'n' }))),
			h('tbody', {}, rows))),
	h('p', { class: 'legend-note' }, 'Days: from the first ticket opened in the stage to the last closed (rework tickets included). A stage with an open ticket has not ended.'));
}

function drawDetail() {
	destroyCharts();
	if (!cache || !cache.detail) return;
	drawTimeline(cache.detail, cache.meta);
	drawTable(cache.detail, cache.state);
}

startPage({
	path: '/creator',
	title: 'Creator',
	keys: ['q', 'creator'],
	toolbar: { range: false, bucket: false },
	controls() {
		return [h('div', { class: 'field wide grow' }, searchField())];
	},
	sync(state) {
		/* the field shows the URL's search, except while someone types in it */
		if (document.activeElement !== input) input.value = state.q || '';
		document.querySelector('h1').textContent = state.creator || 'Creator timeline';
		document.title = `${state.creator || 'Creators'} · Leadtime`;
	},
	async load(state, ctx) {
		if (!cache || cache.state.q !== state.q) expanded = false;
		cache = { ...(cache || {}), state, meta: ctx.meta };
		const searchP = search(state, ctx);
		const tl = card('timeline'), tb = card('tickets');
		if (!state.creator) {
			destroyCharts();
			cache.detail = null;
			tl.empty('Choose a creator', 'Search above, then pick a creator to follow them through the pipeline.');
			tb.empty('No creator chosen');
			return searchP;
		}
		const req = { path: `/api/v1/creators/${encodeURIComponent(state.creator)}`, params: {} };
		setExports('timeline', req, [{ table: 'tickets' }]);
		setExports('tickets', req, [{ table: 'stages' }], { png: false });
		const key = apiURL(req.path, req.params);
		if (!cache.detail || cache.detailKey !== key) {
			tl.loading();
			tb.loading();
			try {
				const d = await getJSON(req.path, req.params);
				if (!ctx.isCurrent()) return searchP;
				cache.detail = d;
				cache.detailKey = key;
			} catch (e) {
				if (!ctx.isCurrent()) return searchP;
				destroyCharts();
				cache.detail = null;
				if (e.status === 404) {
					tl.empty(`No creator is called “${state.creator}”`, 'Check the spelling, or search for part of the name above.');
					notice(`There is no creator called “${state.creator}”: the link names someone the data does not know. Search for part of the name below.`);
				} else tl.error(e, ctx.reload);
				tb.empty('No creator to show');
				return searchP;
			}
		}
		/* a case imported from an event log: its events are a table of the timeline too */
		if ((cache.detail.events || []).length) setExports('timeline', req, [{ table: 'tickets', label: 'tickets' }, { table: 'events', label: 'events' }]);
		drawDetail();
		return searchP;
	},
	redraw() {
		drawDetail();
	},
});
