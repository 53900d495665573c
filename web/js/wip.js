/*
 * wip.js - aging work in progress (GET /api/v1/wip), on the overview (one
 * row per department) and on the department page (one row per employee):
 * every ticket open on the view's last day as a dot at its age, over bands
 * that colour the ages by the percentile of the department's days to close
 * they have passed (50th, 70th, 85th, 95th); the oldest open tickets, each
 * linking to its creator's timeline; open tickets per employee and zone.
 */
import { alpha, deptIndex, makeChart, theme, truncate, valueAxis } from './charts.js';
import { h } from './dom.js';
import * as fmt from './format.js';
import { hrefFor } from './state.js';
import { chartBox, defHead, deptSwatch } from './ui.js';
import { def } from './defs.js';

/* the API's zones, youngest first; `z` is the colour class (app.css --z0…--z4) */
export const ZONES = [
	{ id: 'under_p50', label: 'younger than the median', short: 'Below 50th', z: 'z0' },
	{ id: 'p50', label: 'past the 50th percentile', short: '50th–70th', z: 'z1' },
	{ id: 'p70', label: 'past the 70th', short: '70th–85th', z: 'z2' },
	{ id: 'p85', label: 'past the 85th', short: '85th–95th', z: 'z3' },
	{ id: 'p95', label: 'past the 95th', short: 'Over 95th', z: 'z4' },
];
const BOUNDS = ['p50', 'p70', 'p85', 'p95'];

function zoneOf(id) {
	return ZONES.find((z) => z.id === id) || null;
}

/** A small pill in the zone's colour. */
export function zonePill(id) {
	const z = zoneOf(id);
	return z ? h('span', { class: `zone-pill ${z.z}`, title: `Older than ${z.id === 'under_p50' ? 'no percentile: ' : ''}${z.label}` }, z.short) : fmt.DASH;
}

/* a stable spread of the dots of one row (−0.3 … 0.3), from the ticket id */
function jitter(id) {
	let x = 2166136261;
	for (let i = 0; i < id.length; i++) x = Math.imul(x ^ id.charCodeAt(i), 16777619);
	return (((x >>> 0) % 1000) / 1000 - 0.5) * 0.6;
}

/** The creator timeline's URL for an open ticket or a close. */
export function creatorHref(state, creator) {
	return hrefFor('/creator', state, { creator, q: null, dept: null, emp: null });
}

function basisWords(wip) {
	const b = wip.basis || {};
	return b.short
		? `the tickets closed in the 365 days to ${fmt.date(b.to)} (the range is shorter than 90 days)`
		: `the tickets closed in the range (${fmt.range(b.from, b.to)})`;
}

/**
 * The aging chart in card `c`.  by: 'department' (a row per department of
 * wip.departments, each with its own percentiles) or 'employee' (a row per
 * employee of the one department, its percentiles across every row).
 */
export function drawWipChart(c, wip, state, by) {
	const depts = [...(wip.departments || [])].sort((a, b) => a.position - b.position);
	const items = depts.flatMap((d) => (d.items || []).map((it) => ({ ...it, department: d.name })));
	const to = wip.range.to;
	if (!items.length) return c.empty(`No ticket was open on ${fmt.date(to)}`, 'Nothing is waiting: every ticket opened by then was closed.');
	const t = theme();
	let rows;
	if (by === 'employee') {
		const emps = (wip.employees || []).filter((e) => e.open > 0);
		rows = emps.map((e) => ({ name: e.name, items: items.filter((it) => it.employee_id === e.id), pct: depts[0].percentiles }));
	} else {
		rows = depts.map((d) => ({ name: d.name, items: items.filter((it) => it.department === d.name), pct: d.percentiles }));
	}
	const n = rows.length;
	const maxAge = Math.max(...items.map((it) => it.age), ...rows.map((r) => (r.pct && fmt.isNum(r.pct.p95) ? r.pct.p95 : 0)));
	const annotations = {};
	/* one set of bands per department row; on the employee rows one set across them all */
	(by === 'employee' ? rows.slice(0, 1) : rows).forEach((r, i) => {
		const p = r.pct || {};
		if (!BOUNDS.every((k) => fmt.isNum(p[k]))) return;
		const edges = [0, ...BOUNDS.map((k) => p[k]), undefined];
		ZONES.forEach((z, j) => {
			annotations[`r${i}z${j}`] = {
				type: 'box', drawTime: 'beforeDatasetsDraw', borderWidth: 0, backgroundColor: t.zones[j],
				xMin: edges[j], xMax: edges[j + 1], yMin: by === 'employee' ? undefined : i - 0.5, yMax: by === 'employee' ? undefined : i + 0.5,
			};
		});
	});
	const old = items.filter((it) => it.zone === 'p95').length;
	const zoneN = items.filter((it) => it.zone).length;
	const box = chartBox();
	box.dataset.chart = 'wip';
	box.style.height = `${Math.max(220, 64 + n * (by === 'employee' ? 34 : 44))}px`;
	const phone = window.matchMedia('(max-width: 720px)').matches;
	const insight = [h('strong', {}, `${fmt.plural(items.length, 'ticket')} open on ${fmt.date(to)}`),
		zoneN ? `; ${fmt.int(old)} of them (${fmt.pct(old / items.length)}) are older than 95% of ${by === 'employee' ? 'the department’s' : 'their department’s'} closed tickets took to close.` : '.'];
	c.show(h('p', { class: 'insight', id: 'wip-insight' }, ...insight), box,
		h('p', { class: 'legend-note zone-legend' },
			h('span', {}, `Age of each open ticket (${fmt.dayWord()} since it opened), against the days to close of ${basisWords(wip)}:`),
			ZONES.map((z) => h('span', {}, h('span', { class: `swatch ${z.z}`, 'aria-hidden': 'true' }), z.label))),
		h('p', { class: 'legend-note' }, 'Each dot is a ticket still open; click one to open its creator’s timeline.'));
	const datasets = rows.map((r, i) => ({
		label: r.name,
		data: r.items.map((it) => ({ x: it.age, y: i + jitter(it.ticket_id), item: it })),
		backgroundColor: alpha(t.text, t.dark ? 0.78 : 0.7),
		borderColor: t.surface,
		borderWidth: 0.75,
		pointRadius: phone ? 2.75 : 3.25,
		pointHoverRadius: 5,
		hitRadius: 3,
	}));
	/* a row's name cut with "…" to what a y axis of at most ~40% of the chart holds (Chart.js clips longer ones) */
	const maxChars = Math.max(12, Math.floor(((box.clientWidth || 600) * 0.38) / 6.5));
	makeChart(box, {
		type: 'scatter',
		data: { datasets },
		options: {
			parsing: false,
			scales: {
				x: { ...valueAxis(`age on ${fmt.shortDate(to)}, ${fmt.dayWord()}`), max: Math.ceil(maxAge * 1.04) + 1 },
				y: {
					type: 'linear', min: -0.5, max: n - 0.5, reverse: true, offset: false,
					grid: { display: false }, border: { display: false },
					afterBuildTicks: (scale) => { scale.ticks = rows.map((_, i) => ({ value: i })); },
					ticks: { autoSkip: false, color: t.text, callback: (v) => (rows[v] ? truncate(rows[v].name, maxChars) : '') },
				},
			},
			plugins: {
				legend: { display: false },
				annotation: { annotations },
				tooltip: {
					callbacks: {
						title: (its) => `${its[0].raw.item.creator}`,
						label: (i) => {
							const it = i.raw.item;
							const z = zoneOf(it.zone);
							return [`${it.department} · ${it.employee} · ${it.ticket_id}`,
								`open since ${fmt.date(it.opened_on)}: ${fmt.int(it.age)} ${fmt.dayWord()}`,
								z ? z.label : 'no closes to compare with'];
						},
					},
				},
			},
			onHover: (e, els) => { e.native.target.style.cursor = els.length ? 'pointer' : 'default'; },
			onClick: (e, els, chart) => {
				const hit = chart.getElementsAtEventForMode(e, 'nearest', { intersect: true }, true)[0];
				if (hit) location.assign(creatorHref(state, chart.data.datasets[hit.datasetIndex].data[hit.index].item.creator));
			},
		},
	}, `Aging work in progress: ${items.length} tickets open on ${fmt.date(to)}, ${old} past the 95th percentile of days to close`);
	return null;
}

/** The oldest open tickets in card `c`; showDept adds the department column. */
export function drawOldest(c, wip, state, showDept) {
	const list = wip.oldest || [];
	if (!list.length) return c.empty(`No ticket was open on ${fmt.date(wip.range.to)}`);
	c.show(h('div', { class: 'table-wrap' },
		h('table', { class: 'data', id: 'oldest-table' },
			h('caption', { class: 'visually-hidden' }, `The ${list.length} oldest tickets open on ${fmt.date(wip.range.to)}`),
			h('thead', {}, h('tr', {},
				defHead('Creator', def('creator_col')),
				showDept ? defHead('Department', def('department_col'), { class: 'hide-sm' }) : defHead('Employee', def('employee_col'), { class: 'hide-sm' }),
				defHead('Age', def('age', { to: wip.range.to }), { class: 'n' }),
				defHead('Zone', def('zone')))),
			h('tbody', {}, list.map((it) => h('tr', { dataset: { ticket: it.ticket_id } },
				h('th', { scope: 'row', class: 'clip' }, showDept ? deptSwatch(deptIndex(it.department)) : null,
					h('a', { href: creatorHref(state, it.creator), title: `${it.creator}: timeline` }, it.creator)),
				h('td', { class: 'hide-sm clip' }, h('span', { class: 'cut', title: showDept ? it.department : it.employee }, showDept ? it.department : it.employee)),
				h('td', { class: 'n', title: `opened ${fmt.date(it.opened_on)}` }, fmt.days(it.age, { digits: 0 })),
				h('td', {}, zonePill(it.zone))))))),
	h('p', { class: 'legend-note' }, `Oldest first, by ${fmt.dayWord()} open on ${fmt.date(wip.range.to)}. A name opens the creator’s timeline.`));
	return null;
}

/** Open tickets per employee and zone in card `c`; showDept adds the department column. */
export function drawWipEmployees(c, wip, state, showDept) {
	const emps = wip.employees || [];
	if (!emps.length) return c.empty(`No ticket was open on ${fmt.date(wip.range.to)}`);
	const wide = (z) => (z.id === 'p95' ? '' : ' hide-sm');
	c.show(h('div', { class: `table-wrap${emps.length > 14 ? ' tall' : ''}` },
		h('table', { class: 'data', id: 'wip-emp-table' },
			h('caption', { class: 'visually-hidden' }, `Open tickets per employee on ${fmt.date(wip.range.to)}, by zone`),
			h('thead', {}, h('tr', {},
				defHead('Employee', def('employee_col')),
				showDept ? defHead('Department', def('department_col'), { class: 'hide-sm' }) : null,
				defHead('Open', def('wip_open', { to: wip.range.to }), { class: 'n' }),
				defHead('Oldest', def('oldest_age'), { class: 'n' }),
				ZONES.map((z) => defHead([h('span', { class: `swatch ${z.z}`, 'aria-hidden': 'true' }), z.short],
					def('zone_count', { label: `${z.short} (open tickets ${z.label})` }), { class: `n${wide(z)}` })))),
			h('tbody', {}, emps.map((e) => h('tr', { dataset: { emp: e.id } },
				h('th', { scope: 'row' }, showDept ? deptSwatch(deptIndex(e.department)) : null,
					h('a', { href: hrefFor('/employee', state, { emp: e.id, dept: null }) }, e.name)),
				showDept ? h('td', { class: 'hide-sm' }, e.department) : null,
				h('td', { class: 'n' }, fmt.int(e.open)),
				h('td', { class: 'n' }, fmt.days(e.oldest_age, { digits: 0 })),
				ZONES.map((z) => h('td', { class: `n${wide(z)}` }, fmt.int((e.zones || {})[z.id])))))))),
	h('p', { class: 'legend-note' }, `Open tickets on ${fmt.date(wip.range.to)} per employee, and how many of them are in each zone of their department’s days to close.`),
	h('p', { class: 'legend-note show-sm' }, 'On a wider screen the table shows every zone.'));
	return null;
}
