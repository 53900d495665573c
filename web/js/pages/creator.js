/*
 * Creator timeline (/creator?q=berg&creator=Aiko%20Berg%20%232803): search
 * creators by name, then follow one through the pipeline: a swimlane per
 * department with each ticket as a bar (open tickets run to as_of), the
 * waits between departments, and the stage table.
 * Data: /api/v1/creators?q= and /api/v1/creators/{name}.
 */
import { getJSON } from '../api.js';
import { deptColor, deptIndex, destroyCharts, makeChart, refLine, theme, timeAxis } from '../charts.js';
import { h } from '../dom.js';
import * as fmt from '../format.js';
import { hrefFor, navigate } from '../state.js';
import { card, chartBox, deptSwatch, startPage } from '../ui.js';

const DAY = 86400000;
const COLLAPSED = 6; /* results shown while a creator is open */
let cache = null;
let showAll = false;
let input;
let typing = null;

function searchForm() {
	input = h('input', { type: 'search', id: 'q', name: 'q', placeholder: 'e.g. Berg', autocomplete: 'off', spellcheck: 'false' });
	const form = h('form', { class: 'search-row', role: 'search', id: 'search-form' },
		h('div', { class: 'field' }, h('label', { for: 'q' }, 'Creator name'), input),
		h('button', { type: 'submit', class: 'btn primary' }, 'Search'));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		clearTimeout(typing);
		navigate({ q: input.value.trim() });
	});
	input.addEventListener('input', () => {
		clearTimeout(typing);
		typing = setTimeout(() => navigate({ q: input.value.trim() }, { replace: true }), 300);
	});
	return form;
}

function drawResults(state, results, err) {
	{
		const c = card('search');
		const nodes = [searchForm()];
		input.value = state.q || '';
		if (err) nodes.push(h('div', { class: 'state error', role: 'alert' }, h('strong', {}, 'Search failed'), h('span', {}, err.message)));
		else if (!results) nodes.push(h('div', { class: 'state', role: 'status' }, h('div', { class: 'spinner' }), h('span', {}, 'Searching…')));
		else if (!results.length) nodes.push(h('p', { class: 'legend-note', role: 'status' }, state.q ? `No creator matches “${state.q}” in the selected range.` : 'No creator was active in the selected range.'));
		else {
			nodes.push(h('p', { class: 'legend-note', role: 'status' }, state.q ? `${fmt.plural(results.length, 'creator')} matching “${state.q}”` : 'Creators active in the selected range'));
			const shown = state.creator && !showAll && results.length > COLLAPSED ? results.slice(0, COLLAPSED) : results;
			nodes.push(h('ul', { class: 'results', id: 'results' }, shown.map((r) => h('li', {},
				h('a', {
					href: hrefFor('/creator', state, { creator: r.name, q: state.q || null }),
					'aria-current': r.name === state.creator ? 'true' : null,
					onclick: (ev) => {
						if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
						ev.preventDefault();
						navigate({ creator: r.name });
					},
				},
					h('span', { class: 'name' }, r.name),
					h('span', { class: 'meta' }, `${fmt.plural(r.tickets, 'ticket')} · ${fmt.shortDate(r.first_opened)} – ${fmt.date(r.last_activity)}`))))));
			if (shown.length < results.length) {
				nodes.push(h('button', {
					type: 'button', class: 'btn more', onclick: () => { showAll = true; drawResults(state, results, null); },
				}, `Show all ${results.length}`));
			}
		}
		const hadFocus = document.activeElement && document.activeElement.id === 'q';
		c.show(...nodes);
		if (hadFocus) {
			input.focus();
			input.setSelectionRange(input.value.length, input.value.length);
		}
	}
}

function e2eDays(v) {
	if (fmt.isNum(v)) return v;
	if (v && typeof v === 'object') return [v.days, v.value, v.lead_time].find(fmt.isNum) ?? null;
	return null;
}

function drawTimeline(d, meta) {
	const c = card('timeline');
	const tickets = d.tickets || [];
	if (!tickets.length) return c.empty('This creator has no tickets');
	const t = theme();
	const lanes = meta.departments.map((x) => x.name);
	for (const tk of tickets) if (!lanes.includes(tk.department)) lanes.push(tk.department);
	const asOf = fmt.ms(meta.as_of);
	const end = (tk) => (tk.closed_on ? fmt.ms(tk.closed_on) + DAY : asOf + DAY);
	const minX = Math.min(...tickets.map((tk) => fmt.ms(tk.opened_on)));
	const maxX = Math.max(...tickets.map(end));
	const pad = Math.max(DAY * 2, (maxX - minX) * 0.03);
	const stages = d.stages || [];
	const waits = [];
	for (let i = 1; i < stages.length; i++) {
		const prev = stages[i - 1], cur = stages[i];
		if (prev.end && cur.start && fmt.ms(cur.start) > fmt.ms(prev.end))
			waits.push({ x: [fmt.ms(prev.end) + DAY, fmt.ms(cur.start)], y: cur.department, days: cur.wait_before, from: prev.department });
	}
	const e2e = e2eDays(d.end_to_end);
	const first = stages[0], lastLane = lanes[lanes.length - 1];
	const campaign = stages.find((s) => s.department === lastLane);
	const summary = e2e !== null && first && campaign
		? [h('strong', {}, `${fmt.days(e2e, { long: true, digits: 0 })} end to end`), ` from first contact (${fmt.date(first.start)}) to campaign start (${fmt.date(campaign.start)}).`]
		: [h('strong', {}, 'The campaign has not started yet'), first ? `: first contact on ${fmt.date(first.start)}, now in ${stages[stages.length - 1].department}.` : '.'];
	const box = chartBox();
	box.style.height = `${Math.max(220, 60 + lanes.length * 42)}px`;
	c.show(h('p', { class: 'insight', id: 'e2e-summary' }, ...summary), box,
		h('p', { class: 'legend-note' }, 'Each bar is a ticket, from the day it opened to the day it closed; faded bars are still open. Grey bars are waits between departments.'));
	const annotations = {};
	if (campaign) annotations.start = refLine('x', fmt.ms(campaign.start), 'campaign start', t.text, { position: 'start' });
	makeChart(box, {
		type: 'bar',
		data: {
			labels: lanes,
			datasets: [
				{
					label: 'Tickets',
					data: tickets.map((tk) => ({ x: [fmt.ms(tk.opened_on), end(tk)], y: tk.department, tk })),
					backgroundColor: tickets.map((tk) => deptColor(tk.department, tk.closed_on ? 1 : 0.4)),
					borderColor: tickets.map((tk) => deptColor(tk.department)),
					borderWidth: tickets.map((tk) => (tk.closed_on ? 0 : 1.5)),
					borderSkipped: false,
					barPercentage: 0.62,
					categoryPercentage: 1,
					grouped: false,
				},
				{
					label: 'Waits',
					data: waits,
					backgroundColor: t.dark ? '#5d6773' : '#b9c0c8',
					borderSkipped: false,
					barPercentage: 0.22,
					categoryPercentage: 1,
					grouped: false,
				},
			],
		},
		options: {
			indexAxis: 'y',
			scales: {
				x: { ...timeAxis(minX - pad, maxX + pad), grid: { display: true, drawTicks: false } },
				y: { type: 'category', grid: { display: false }, ticks: { color: t.text } },
			},
			plugins: {
				legend: { display: false },
				annotation: { annotations },
				tooltip: {
					callbacks: {
						title: (items) => {
							const r = items[0].raw;
							return r.tk ? `${r.tk.department} · ${r.tk.ticket_id}` : `Wait: ${r.from} → ${r.y}`;
						},
						label: (i) => {
							const r = i.raw;
							if (!r.tk) return `${fmt.days(r.days, { long: true, digits: 0 })}`;
							const tk = r.tk;
							const days = tk.closed_on ? Math.round((fmt.ms(tk.closed_on) - fmt.ms(tk.opened_on)) / DAY) : null;
							return [`${tk.employee}`, `${fmt.date(tk.opened_on)} → ${tk.closed_on ? fmt.date(tk.closed_on) : 'still open'}`, days !== null ? `${days} days` : ''];
						},
					},
				},
			},
		},
	}, `Timeline of ${d.creator}: ${summary.map((x) => x.textContent ?? x).join('')}`);
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
	const employeeLink = (name, dept) => {
		const e = cache.meta.employees.find((x) => x.name === name && x.department === dept);
		return e ? h('a', { href: hrefFor('/employee', state, { emp: e.id, dept: null }) }, name) : name;
	};
	const rows = stages.map((s) => {
		const tks = byDept.get(s.department) || [];
		return h('tr', {},
			h('th', { scope: 'row' }, deptSwatch(deptIndex(s.department)), s.department),
			h('td', { 'data-label': 'Employee' }, h('span', {}, [...new Set(tks.map((x) => x.employee))].flatMap((n, i) => (i ? [', ', employeeLink(n, s.department)] : [employeeLink(n, s.department)])))),
			h('td', { 'data-label': 'Tickets' }, tks.map((x) => x.ticket_id).join(', ')),
			h('td', { class: 'n', 'data-label': 'Opened' }, fmt.date(s.start)),
			h('td', { class: 'n', 'data-label': 'Closed' }, s.end ? fmt.date(s.end) : h('span', { class: 'pill' }, 'open')),
			h('td', { class: 'n', 'data-label': 'Days' }, fmt.isNum(s.days) ? fmt.int(s.days) : fmt.DASH),
			h('td', { class: 'n', 'data-label': 'Wait before' }, fmt.isNum(s.wait_before) ? fmt.int(s.wait_before) : fmt.DASH));
	});
	c.show(h('div', { class: 'table-wrap' },
		h('table', { class: 'data', id: 'stage-rows' },
			h('caption', { class: 'visually-hidden' }, `Stages of ${d.creator}`),
			h('thead', {}, h('tr', {},
				h('th', { scope: 'col' }, 'Stage'), h('th', { scope: 'col' }, 'Employee'), h('th', { scope: 'col' }, 'Tickets'),
				h('th', { scope: 'col', class: 'n' }, 'Opened'), h('th', { scope: 'col', class: 'n' }, 'Closed'),
				h('th', { scope: 'col', class: 'n' }, 'Days'), h('th', { scope: 'col', class: 'n', title: 'Days waited since the previous stage closed' }, 'Wait before'))),
			h('tbody', {}, rows))));
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
	toolbar: { range: true, bucket: false },
	async load(state, ctx) {
		const { from, to } = ctx.range;
		if (!cache || cache.state.q !== state.q) showAll = false;
		cache = { ...(cache || {}), state, meta: ctx.meta };
		const h1 = document.querySelector('h1');
		h1.textContent = state.creator ? state.creator : 'Creator timeline';
		document.title = `${state.creator || 'Creators'} · Leadtime`;
		drawResults(state, null, null);
		const searchP = getJSON('/api/v1/creators', { q: state.q, limit: 24, from, to })
			.then((r) => ctx.isCurrent() && drawResults(state, r.creators || [], null))
			.catch((e) => ctx.isCurrent() && drawResults(state, null, e));
		const tl = card('timeline'), tb = card('tickets');
		if (!state.creator) {
			destroyCharts();
			cache.detail = null;
			tl.empty('Choose a creator', 'Search above, then pick a creator to see their way through the pipeline.');
			tb.empty('No creator chosen');
			return searchP;
		}
		if (!cache.detail || cache.detail.creator !== state.creator) {
			tl.loading();
			tb.loading();
			try {
				const d = await getJSON(`/api/v1/creators/${encodeURIComponent(state.creator)}`);
				if (!ctx.isCurrent()) return;
				cache.detail = d;
			} catch (e) {
				if (!ctx.isCurrent()) return;
				destroyCharts();
				cache.detail = null;
				const msg = e.status === 404 ? { message: `No creator is called “${state.creator}”. Check the spelling or search for part of the name.` } : e;
				tl.error(msg, e.status === 404 ? null : ctx.reload);
				tb.empty('No creator to show');
				return;
			}
		}
		drawDetail();
		return searchP;
	},
	redraw() {
		drawDetail();
	},
});
