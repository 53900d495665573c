/*
 * Employee (/employee?emp=3&from=…&to=…&bucket=week): one person's key
 * figures against the department; day by day open / initiated / closed;
 * the days-to-close histogram; the per-period median with the least-squares
 * trend and its slope in words; the department's figures beside them.
 * Data: /api/v1/employees/{id}.
 */
import { getJSON } from '../api.js';
import {
	categoryAxis, deptColor, destroyCharts, fastLine, makeChart, refLine, theme, timeAxis, valueAxis,
} from '../charts.js';
import { h } from '../dom.js';
import * as fmt from '../format.js';
import { daysBetween, navigate } from '../state.js';
import { card, chartBox, field, select, startPage } from '../ui.js';

let cache = null;
let empSelect;

function empOf(meta, id) {
	return meta.employees.find((e) => String(e.id) === String(id));
}

/** The trend in words: direction, size per week, and how well the line fits. */
export function slopeWords(trend) {
	if (!trend || !fmt.isNum(trend.slope_per_week))
		return `Not enough closed tickets for a trend (${fmt.int(trend ? trend.n : 0)} in the range; at least 3 needed).`;
	const s = trend.slope_per_week;
	const fit = fmt.isNum(trend.r2) ? trend.r2 : 0;
	const weak = fit < 0.1 ? ` The line explains little of the spread (r² ${fmt.num(fit, 2)}), so read it as a hint, not a verdict.` : ` (r² ${fmt.num(fit, 2)}, over ${fmt.plural(trend.n, 'closed ticket')}.)`;
	if (Math.abs(s) < 0.05) return `Steady: days to close barely change from week to week.${weak}`;
	const dir = s > 0 ? 'Getting slower' : 'Getting faster';
	const verb = s > 0 ? 'more' : 'fewer';
	return `${dir}: tickets take about ${fmt.num(Math.abs(s), Math.abs(s) < 1 ? 2 : 1)} ${verb} days to close with each week that passes.${weak}`;
}

function drawKpis(d) {
	const t = d.totals || {};
	const l = t.lead_time || {};
	const dt = (d.department && d.department.totals) || {};
	const dl = dt.lead_time || {};
	const tiles = [
		['Closed', fmt.int(t.closed), 'tickets', `${fmt.num(t.closes_per_week, 1)} per week`],
		['Median days to close', fmt.num(l.p50, 1), 'days', `department ${fmt.days(dl.p50)}`],
		['Closed within SLA', fmt.pct(t.sla_hit_rate), '', `department ${fmt.pct(dt.sla_hit_rate)}`],
		['Average open', fmt.num(t.avg_open, 1), 'tickets', `${fmt.pct(t.workload_share, 1)} of the department’s workload`],
		['Opened', fmt.int(t.opened), 'tickets', `backlog ${fmt.int(t.backlog_end)} at ${fmt.shortDate(d.range.to)}`],
	];
	document.getElementById('kpis').replaceChildren(...tiles.map(([label, value, small, note]) =>
		h('div', { class: 'kpi' }, h('div', { class: 'label' }, label),
			h('div', { class: 'value' }, value, small && value !== fmt.DASH ? h('small', {}, small) : null),
			h('div', { class: 'delta' }, note))));
}

function drawDaily(d) {
	const c = card('daily');
	const daily = d.daily || [];
	if (!daily.length || !daily.some((x) => x.open || x.initiated || x.closed))
		return c.empty('No tickets in this range', 'This employee had no open, new or closed ticket in these days.');
	const color = deptColor(d.employee.department);
	const t = theme();
	const box = chartBox('tall');
	c.show(box);
	const pts = (k) => daily.map((x) => ({ x: fmt.ms(x.date), y: x[k] }));
	makeChart(box, {
		type: 'bar',
		data: {
			datasets: [
				{ type: 'line', label: 'Open at end of day', data: pts('open'), borderColor: color, backgroundColor: deptColor(d.employee.department, 0.12), fill: 'origin', pointRadius: 0, stepped: 'middle', borderWidth: 2, order: 1 },
				{ label: 'Initiated', data: pts('initiated'), backgroundColor: t.dark ? '#8c96a3' : '#9aa3ad', order: 2 },
				{ label: 'Closed', data: pts('closed'), backgroundColor: t.text, order: 2 },
			],
		},
		options: {
			parsing: false,
			normalized: true,
			datasets: { bar: { barPercentage: 0.9, categoryPercentage: 0.9, maxBarThickness: 10 } },
			interaction: { mode: 'index', intersect: false },
			scales: { x: timeAxis(fmt.ms(d.range.from), fmt.ms(d.range.to), { offset: true }), y: valueAxis('tickets') },
			plugins: { tooltip: { callbacks: { title: (items) => fmt.date(daily[items[0].dataIndex].date) } } },
		},
	}, `Day by day for ${d.employee.name}: open, initiated and closed tickets`);
}

function drawHist(d) {
	const c = card('hist');
	const hist = (d.histogram || []).filter((x) => x.count > 0);
	if (!hist.length) return c.empty('No tickets closed in this range');
	const maxDay = Math.max(...hist.map((x) => x.days));
	const counts = new Map(hist.map((x) => [x.days, x.count]));
	const labels = Array.from({ length: maxDay + 1 }, (_, i) => i);
	const dept = (cache.meta.departments.find((x) => x.name === d.employee.department) || {});
	const t = theme();
	const annotations = {};
	if (fmt.isNum(dept.sla_days) && dept.sla_days <= maxDay + 1) annotations.sla = refLine('x', dept.sla_days, `SLA ${dept.sla_days} d`, t.text);
	const b = d.box || {};
	if (fmt.isNum(b.median)) annotations.median = refLine('x', b.median, `median ${fmt.num(b.median, 1)}`, t.muted, { position: 'start', dash: [2, 3] });
	const box = chartBox();
	c.show(box, h('p', { class: 'legend-note' },
		`${fmt.plural(b.n || 0, 'ticket')} closed · fastest ${fmt.days(b.min, { digits: 0 })} · middle half ${fmt.num(b.q1, 1)}–${fmt.num(b.q3, 1)} d · slowest ${fmt.days(b.max, { digits: 0 })}`));
	makeChart(box, {
		type: 'bar',
		data: { labels, datasets: [{ label: 'Tickets', data: labels.map((x) => counts.get(x) || 0), backgroundColor: deptColor(d.employee.department), barPercentage: 1, categoryPercentage: 0.92 }] },
		options: {
			scales: { x: categoryAxis({ title: { display: true, text: 'days to close', color: t.muted, font: { size: 11.5 } } }), y: valueAxis('tickets') },
			plugins: {
				legend: { display: false },
				annotation: { annotations },
				tooltip: { callbacks: { title: (items) => `${items[0].label} days`, label: (i) => `${i.parsed.y} tickets` } },
			},
		},
	}, `Histogram of days to close for ${d.employee.name}`);
}

function drawTrend(d, state) {
	const c = card('trend');
	const series = (d.series || []).filter((s) => s.lead_time && fmt.isNum(s.lead_time.p50));
	const tr = d.trend || {};
	if (!series.length) return c.empty('No tickets closed in this range', slopeWords(tr));
	const t = theme();
	const color = deptColor(d.employee.department);
	const from = fmt.ms(d.range.from), to = fmt.ms(d.range.to);
	const datasets = [{
		label: `Median per ${state.bucket}`,
		data: series.map((s) => ({ x: (fmt.ms(s.start) + fmt.ms(s.end)) / 2, y: s.lead_time.p50 })),
		borderColor: color,
		backgroundColor: color,
		showLine: false,
		pointStyle: 'circle',
		pointRadius: state.bucket === 'day' ? 2.5 : 4,
	}];
	if (fmt.isNum(tr.slope_per_week) && fmt.isNum(tr.intercept)) {
		const n = daysBetween(d.range.from, d.range.to);
		const y = (x) => tr.intercept + (tr.slope_per_week / 7) * x;
		datasets.push({ label: 'Trend', data: [{ x: from, y: y(0) }, { x: to, y: y(n) }], borderColor: t.text, borderWidth: 2, borderDash: [6, 4], pointRadius: 0, pointStyle: 'line', backgroundColor: t.text });
	}
	const dl = d.department && d.department.totals && d.department.totals.lead_time;
	const annotations = {};
	if (dl && fmt.isNum(dl.p50)) annotations.dept = refLine('y', dl.p50, `department median ${fmt.num(dl.p50, 1)} d`, t.muted, { dash: [2, 3] });
	const box = chartBox();
	c.show(h('p', { class: 'insight', id: 'slope-words' }, slopeWords(tr)), box);
	makeChart(box, {
		type: 'line',
		data: { datasets },
		options: {
			...fastLine(),
			scales: { x: timeAxis(from, to), y: valueAxis('days to close') },
			plugins: {
				legend: { labels: { usePointStyle: true } },
				annotation: { annotations },
				tooltip: { callbacks: { label: (i) => `${i.dataset.label}: ${fmt.days(i.parsed.y)}` } },
			},
		},
	}, `Median days to close per period for ${d.employee.name}, with the trend line. ${slopeWords(tr)}`);
}

function drawVsDept(d) {
	const c = card('vsdept');
	const e = d.totals || {};
	const dep = (d.department && d.department.totals) || {};
	const el = e.lead_time || {}, dl = dep.lead_time || {};
	const rows = [
		['Closed', fmt.int(e.closed), fmt.int(dep.closed)],
		['Closes per week', fmt.num(e.closes_per_week, 1), fmt.num(dep.closes_per_week, 1)],
		['Median days to close', fmt.num(el.p50, 1), fmt.num(dl.p50, 1)],
		['Mean days to close', fmt.num(el.mean, 1), fmt.num(dl.mean, 1)],
		['90th percentile days', fmt.num(el.p90, 1), fmt.num(dl.p90, 1)],
		['Closed within SLA', fmt.pct(e.sla_hit_rate), fmt.pct(dep.sla_hit_rate)],
		['Average open', fmt.num(e.avg_open, 1), fmt.num(dep.avg_open, 1)],
		['Backlog at end', fmt.int(e.backlog_end), fmt.int(dep.backlog_end)],
	];
	c.show(h('div', { class: 'table-wrap' },
		h('table', { class: 'data' },
			h('caption', { class: 'visually-hidden' }, `${d.employee.name} against ${d.department.name}`),
			h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Measure'), h('th', { scope: 'col', class: 'n' }, d.employee.name.split(' ')[0]), h('th', { scope: 'col', class: 'n' }, d.department.name))),
			h('tbody', {}, rows.map(([k, a, b]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'n' }, a), h('td', { class: 'n' }, b)))))),
	h('p', { class: 'legend-note' }, `Share of the department’s workload: ${fmt.pct(e.workload_share, 1)}`));
}

function drawAll() {
	if (!cache || !cache.data) return;
	const { data, state } = cache;
	destroyCharts();
	drawKpis(data);
	drawDaily(data);
	drawVsDept(data);
	drawHist(data);
	drawTrend(data, state);
}

const CARDS = ['daily', 'vsdept', 'hist', 'trend'];

startPage({
	path: '/employee',
	title: 'Employee',
	keys: ['emp'],
	toolbar: { range: true, bucket: true },
	normalize(state, ctx) {
		const emps = ctx.meta.employees;
		if (empOf(ctx.meta, state.emp)) return { dept: null };
		const inDept = emps.find((e) => e.department === state.dept);
		const pick = inDept || emps[0];
		return { emp: pick ? String(pick.id) : null, dept: null };
	},
	linkState(state, ctx) {
		const e = empOf(ctx.meta, state.emp);
		return e ? { dept: e.department } : {};
	},
	controls(ctx) {
		const groups = ctx.meta.departments.map((d) => ({
			group: d.name,
			options: ctx.meta.employees.filter((e) => e.department === d.name).map((e) => ({ value: String(e.id), label: e.name })),
		})).filter((g) => g.options.length);
		empSelect = select(groups, { id: 'emp', onChange: (v) => navigate({ emp: v }) });
		return [field('Employee', empSelect)];
	},
	sync(state, ctx) {
		const e = empOf(ctx.meta, state.emp);
		if (!e) return;
		empSelect.value = String(e.id);
		document.querySelector('h1').textContent = e.name;
		document.querySelector('.lede').textContent = `${e.department} · workload and speed day by day, next to the department.`;
		document.title = `${e.name} · Leadtime`;
	},
	async load(state, ctx) {
		const { from, to } = ctx.range;
		if (!empOf(ctx.meta, state.emp)) {
			for (const id of CARDS) card(id).empty('No employees yet', 'Import tickets to see employees.');
			return;
		}
		for (const id of CARDS) card(id).loading();
		let data;
		try {
			data = await getJSON(`/api/v1/employees/${encodeURIComponent(state.emp)}`, { from, to, bucket: state.bucket });
		} catch (e) {
			if (!ctx.isCurrent()) return;
			document.getElementById('kpis').replaceChildren();
			for (const id of CARDS) card(id).error(e, ctx.reload);
			return;
		}
		if (!ctx.isCurrent()) return;
		cache = { data, state, meta: ctx.meta };
		drawAll();
	},
	redraw() {
		drawAll();
	},
});
