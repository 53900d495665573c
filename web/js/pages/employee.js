/*
 * Employee (/employee?emp=3&from=…&to=…&bucket=week): one person's key
 * figures against the department; day by day open / initiated / closed;
 * the days-to-close histogram; the per-period median with the least-squares
 * trend and its slope in words; the department's figures beside them.
 * Data: /api/v1/employees/{id}.
 */
import { getJSON } from '../api.js';
import {
	deptColor, destroyCharts, fastLine, makeChart, refLine, theme, timeAxis, valueAxis, cutText, isCut,
} from '../charts.js';
import { h } from '../dom.js';
import * as fmt from '../format.js';
import { def, nNote, tooFew } from '../defs.js';
import { setExports } from '../exports.js';
import { combobox } from '../combobox.js';
import { daysBetween, navigate } from '../state.js';
import { card, chartBox, defHead, defTerm, field, infoTip, keyFiguresFailed, select, showKeyFigures, startPage } from '../ui.js';
import * as drill from '../drill.js';

let cache = null;
let empSelect;

function empOf(meta, id) {
	return meta.employees.find((e) => String(e.id) === String(id));
}

/** The trend in words: direction, size per week, and how well the line fits. */
export function slopeWords(trend, weeks = null) {
	if (!trend || !fmt.isNum(trend.slope_per_week))
		return `Not enough closed tickets for a trend (${fmt.int(trend ? trend.n : 0)} in the range; at least 3 on different days needed).`;
	const s = trend.slope_per_week;
	const fit = fmt.isNum(trend.r2) ? trend.r2 : 0;
	const weak = fit < 0.1
		? ` The line explains little of the spread (r² ${fmt.num(fit, 2)}), so read it as a hint, not a verdict.`
		: ` (r² ${fmt.num(fit, 2)}, over ${fmt.plural(trend.n, 'closed ticket')}.)`;
	if (Math.abs(s) < 0.05) return `Steady: days to close barely change from week to week.${weak}`;
	const dir = s > 0 ? 'Getting slower' : 'Getting faster';
	const verb = s > 0 ? 'more' : 'fewer';
	const over = weeks && weeks >= 2 ? `, about ${fmt.num(Math.abs(s * weeks), 1)} days ${verb} across these ${fmt.int(Math.round(weeks))} weeks` : '';
	return `${dir}: tickets take about ${fmt.num(Math.abs(s), Math.abs(s) < 1 ? 2 : 1)} ${verb} days to close with each week that passes${over}.${weak}`;
}

/* the key figures and comparison rows that are statistics of the person's closes (n = closes) */
const CLOSE_STATS = new Set(['p50', 'mean', 'p90', 'sla']);

function drawKpis(d) {
	const t = d.totals || {};
	const l = t.lead_time || {};
	/* the comparison is with the department's per-employee average (the API's per_employee), not its totals */
	const pe = d.per_employee || {};
	const pl = pe.lead_time || {};
	const sla = (cache.meta.departments.find((x) => x.name === d.employee.department) || {}).sla_days;
	const dc = { range: fmt.range(d.range.from, d.range.to), to: d.range.to, sla, days: daysBetween(d.range.from, d.range.to) + 1 };
	const tiles = [
		['Closed', fmt.int(t.closed), fmt.noun(t.closed, 'ticket'), `${fmt.num(t.closes_per_week, 1)} per week · per employee ${fmt.num(pe.closed, 1)}`, 'closed'],
		['Median days to close', fmt.num(l.p50, 1), fmt.dayWord(), `per employee ${fmt.days(pl.p50)}`, 'p50', { n: l.n }],
		['Closed within SLA', fmt.pct(t.sla_hit_rate), '', `per employee ${fmt.pct(pe.sla_hit_rate)}`, 'sla', { n: l.n }],
		['Average open', fmt.num(t.avg_open, 1), 'tickets', `${fmt.pct(t.workload_share, 1)} of the department’s workload`, 'avg_open', { n: dc.days }],
		['Opened', fmt.int(t.opened), fmt.noun(t.opened, 'ticket'), `backlog ${fmt.int(t.backlog_end)} at ${fmt.shortDate(d.range.to)}`, 'opened', { n: t.opened }],
		['Rework', fmt.int(t.rework), fmt.noun(t.rework, 'ticket'),
			`${fmt.isNum(t.rework_rate) ? `${fmt.pct(t.rework_rate, 1)} of opened` : 'none opened'} · department ${fmt.pct(pe.rework_rate, 1)}`, 'rework'],
	];
	/* a median or an SLA share of fewer than min_closed closes: greyed with its n, as on the department page */
	const few = (id, value) => CLOSE_STATS.has(id) && value !== fmt.DASH && tooFew(l.n);
	const painted = showKeyFigures(document.getElementById('kpis'), tiles.map(([label, value, small, note, id, more]) =>
		h('div', { class: 'kpi', dataset: { kpi: id } }, h('div', { class: 'label' }, label, ' ', infoTip(def(id, { ...dc, ...more }))),
			h('div', { class: few(id, value) ? 'value few' : 'value', title: few(id, value) ? nNote(l.n) : null },
				value, small && value !== fmt.DASH ? [' ', h('small', {}, small)] : null,
				few(id, value) ? h('span', { class: 'n-of' }, ` n ${fmt.int(l.n)}`) : null),
			h('div', { class: 'delta' }, note))));
	/* the tickets behind each tile, in the tiles' order */
	const who = whoOf(d);
	const kinds = ['closed', 'closed', 'closed', 'avg_open', 'opened', 'rework'];
	document.querySelectorAll('#kpis .kpi').forEach((tile, i) => {
		if (!kinds[i]) return;
		const figure = `${tiles[i][0]}: ${tiles[i][1]}${tiles[i][2] ? ` ${tiles[i][2]}` : ''}`;
		drill.attachEl(tile, () => drill.spec(kinds[i], d.range.from, d.range.to, who, { figure }),
			{ focus: tile.querySelector('.value'), name: `${figure}, show the tickets behind it` });
	});
	return painted;
}

function whoOf(d) {
	return { employee_id: d.employee.id, name: d.employee.name };
}

/* the same y axis width on stacked charts, so their days line up */
const fixedWidth = (scale) => { scale.width = 46; };

function drawDaily(d) {
	const c = card('daily');
	const daily = d.daily || [];
	if (!daily.length || !daily.some((x) => x.open || x.initiated || x.closed))
		return c.empty('No tickets in this range', 'This employee had no open, new or closed ticket in these days.');
	const color = deptColor(d.employee.department);
	const t = theme();
	const minX = fmt.ms(d.range.from), maxX = fmt.ms(d.range.to);
	const openBox = chartBox('daily-open');
	const flowBox = chartBox('daily-flow');
	const sum = (k) => daily.reduce((n, x) => n + (x[k] || 0), 0);
	c.show(openBox, flowBox, h('p', { class: 'legend-note' },
		`${fmt.plural(sum('initiated'), 'ticket')} initiated and ${fmt.int(sum('closed'))} closed in ${fmt.plural(daily.length, 'day')}; ${fmt.int(daily[daily.length - 1].open)} open on ${fmt.date(daily[daily.length - 1].date)}.`));
	const x = (ticks) => ({ ...timeAxis(minX, maxX), offset: false, ticks: { ...timeAxis(minX, maxX).ticks, display: ticks } });
	const openChart = makeChart(openBox, {
		type: 'line',
		data: {
			datasets: [{
				label: 'Open at the end of the day', data: daily.map((v) => ({ x: fmt.ms(v.date), y: v.open })),
				borderColor: color, backgroundColor: deptColor(d.employee.department, 0.16), fill: 'origin',
				pointRadius: 0, stepped: 'middle', borderWidth: 2,
			}],
		},
		options: {
			parsing: false,
			normalized: true,
			interaction: { mode: 'index', intersect: false },
			scales: { x: x(false), y: { ...valueAxis('open tickets'), afterFit: fixedWidth } },
			plugins: {
				legend: { display: false },
				tooltip: { callbacks: { title: (items) => fmt.date(daily[items[0].dataIndex].date), label: (i) => `${fmt.int(i.parsed.y)} open at the end of the day` } },
			},
		},
	}, `Tickets ${d.employee.name} had open at the end of each day`);
	const who = whoOf(d);
	drill.attach(openChart, (el) => {
		const v = daily[el.index];
		return v && v.open ? drill.spec('backlog', v.date, v.date, who, { label: fmt.date(v.date), figure: `${fmt.int(v.open)} open` }) : null;
	}, { name: 'Open at the end of each day' });
	const gray = t.dark ? '#b7c0cb' : '#6f7a87';
	const flowChart = makeChart(flowBox, {
		type: 'bar',
		data: {
			datasets: [
				/* days without any are left out (null), not drawn as zero-length bars */
				{ label: 'Initiated', data: daily.map((v) => ({ x: fmt.ms(v.date), y: v.initiated || null })), backgroundColor: gray },
				{ label: 'Closed', data: daily.map((v) => ({ x: fmt.ms(v.date), y: v.closed ? -v.closed : null })), backgroundColor: color },
			],
		},
		options: {
			parsing: false,
			normalized: true,
			datasets: { bar: { grouped: false, barPercentage: 1, categoryPercentage: 1, maxBarThickness: 8, borderRadius: 0 } },
			interaction: { mode: 'index', intersect: false },
			scales: {
				x: x(true),
				/* initiated above zero, closed below: no lower bound */
				y: { ...valueAxis('per day', { ticks: { maxTicksLimit: 5, callback: (v) => fmt.int(Math.abs(v)) } }), min: undefined, afterFit: fixedWidth },
			},
			plugins: {
				legend: { position: 'bottom', labels: { generateLabels: () => [
					{ text: 'Open at the end of the day (above)', fillStyle: deptColor(d.employee.department, 0.16), strokeStyle: color, lineWidth: 2, fontColor: t.text },
					{ text: 'Initiated (up)', fillStyle: gray, strokeStyle: gray, lineWidth: 0, fontColor: t.text },
					{ text: 'Closed (down)', fillStyle: color, strokeStyle: color, lineWidth: 0, fontColor: t.text },
				] } },
				tooltip: {
					filter: (i) => fmt.isNum(i.parsed.y) && i.parsed.y !== 0,
					callbacks: {
						title: (items) => fmt.date(daily[items[0].dataIndex].date),
						label: (i) => `${fmt.int(Math.abs(i.parsed.y))} ${i.datasetIndex === 0 ? 'initiated' : 'closed'}`,
					},
				},
			},
		},
	}, `Tickets ${d.employee.name} initiated and closed each day`);
	drill.attach(flowChart, (el) => {
		const v = daily[el.index];
		if (!v) return null;
		const label = fmt.date(v.date);
		if (el.datasetIndex === 0) return v.initiated ? drill.spec('opened', v.date, v.date, who, { label, figure: `${fmt.int(v.initiated)} initiated` }) : null;
		return v.closed ? drill.spec('closed', v.date, v.date, who, { label, figure: `${fmt.int(v.closed)} closed` }) : null;
	}, { name: 'Initiated and closed each day' });
}

function drawHist(d) {
	const c = card('hist');
	const hist = (d.histogram || []).filter((x) => x.count > 0);
	if (!hist.length) return c.empty('No tickets closed in this range');
	const dept = (cache.meta.departments.find((x) => x.name === d.employee.department) || {});
	const sla = fmt.isNum(dept.sla_days) ? dept.sla_days : null;
	/* one bar per day from 0 to the slowest close, and far enough to show the SLA */
	const maxDay = Math.max(...hist.map((x) => x.days), sla !== null ? sla + 1 : 0);
	const counts = new Map(hist.map((x) => [x.days, x.count]));
	const labels = Array.from({ length: maxDay + 1 }, (_, i) => i);
	const t = theme();
	const b = d.box || {};
	const annotations = {};
	/* linear axis, bars centred on whole days: the SLA line sits between its last day and the next */
	if (sla !== null) annotations.sla = refLine('x', sla + 0.5, null, t.text);
	if (fmt.isNum(b.median)) annotations.median = refLine('x', b.median, null, t.muted, { dash: [2, 3] });
	const within = hist.reduce((n, x) => n + (sla !== null && x.days <= sla ? x.count : 0), 0);
	const total = hist.reduce((n, x) => n + x.count, 0);
	const box = chartBox();
	c.show(box,
		h('p', { class: 'legend-note' },
			sla !== null ? h('span', {}, h('span', { class: 'swatch dash strong', 'aria-hidden': 'true' }), `SLA ${sla} days: ${fmt.int(within)} of ${fmt.plural(total, 'ticket')} within`) : null,
			fmt.isNum(b.median) ? h('span', {}, h('span', { class: 'swatch dot', 'aria-hidden': 'true' }), `median ${fmt.days(b.median)}`) : null),
		h('p', { class: 'legend-note' },
			`Fastest ${fmt.days(b.min, { digits: 0 })} · middle half ${fmt.num(b.q1, 1)}–${fmt.num(b.q3, 1)} d · slowest ${fmt.days(b.max, { digits: 0 })}`));
	const chart = makeChart(box, {
		type: 'bar',
		data: { datasets: [{ label: 'Tickets', data: labels.map((x) => ({ x, y: counts.get(x) || 0 })), backgroundColor: deptColor(d.employee.department), barPercentage: 1, categoryPercentage: 0.9 }] },
		options: {
			parsing: false,
			scales: {
				x: {
					type: 'linear', min: -0.5, max: maxDay + 0.5, offset: false,
					grid: { display: false },
					title: { display: true, text: `${fmt.dayWord()} to close`, color: t.muted, font: { size: 11.5 } },
					ticks: { precision: 0, maxRotation: 0, autoSkipPadding: 10, callback: (v) => (Number.isInteger(v) ? v : '') },
				},
				y: valueAxis('tickets'),
			},
			plugins: {
				legend: { display: false },
				annotation: { annotations },
				tooltip: { callbacks: { title: (items) => fmt.days(items[0].parsed.x, { long: true, digits: 0 }), label: (i) => fmt.plural(i.parsed.y, 'ticket') } },
			},
		},
	}, `Histogram of days to close for ${d.employee.name}`);
	/* a bar: the closes that took that many days; the rows count calendar days, so not in business days */
	if (cache.state.days !== 'business') {
		drill.attach(chart, (el) => {
			const k = labels[el.index];
			const n = counts.get(k) || 0;
			if (!n) return null;
			const sp = drill.spec('closed', d.range.from, d.range.to, whoOf(d), { label: fmt.plural(k, 'day'), figure: `${fmt.plural(n, 'ticket')} in ${fmt.plural(k, 'day')}`, match: (r) => r.days_to_close === k });
			return { ...sp, title: `${sp.title} · ${fmt.plural(k, 'day')} to close`, what: `${sp.what} Only those that took ${fmt.plural(k, 'day')}.` };
		}, { name: 'Days to close' });
	}
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
		data: series.map((s) => ({ x: (fmt.ms(s.start) + fmt.ms(s.end)) / 2, y: s.lead_time.p50, n: s.lead_time.n, cut: cutText(s) })),
		/* a median of few closes or of a cut bucket: a hollow point */
		pointBackgroundColor: series.map((s) => (tooFew(s.lead_time.n) || isCut(s) ? 'transparent' : color)),
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
	const mid = (x) => (fmt.ms(x.start) + fmt.ms(x.end)) / 2;
	/* every period, null where the department closed nothing: a gap, not a bridge */
	const deptSeries = (d.department && d.department.series) || [];
	if (deptSeries.some((x) => x.lead_time && fmt.isNum(x.lead_time.p50))) {
		datasets.push({
			label: `${d.department.name} median`,
			data: deptSeries.map((x) => ({ x: mid(x), y: x.lead_time && fmt.isNum(x.lead_time.p50) ? x.lead_time.p50 : null, n: x.lead_time ? x.lead_time.n : 0 })),
			borderColor: t.faint, backgroundColor: t.faint, borderWidth: 1.5, pointRadius: 0, pointStyle: 'line',
		});
	}
	const words = slopeWords(tr, daysBetween(d.range.from, d.range.to) / 7);
	const box = chartBox();
	c.show(h('p', { class: 'insight', id: 'slope-words' }, words), box);
	const chart = makeChart(box, {
		type: 'line',
		data: { datasets },
		options: {
			...fastLine(),
			scales: { x: timeAxis(from, to), y: valueAxis(`${fmt.dayWord()} to close`) },
			plugins: {
				legend: { labels: { usePointStyle: true } },
				tooltip: { callbacks: { label: (i) => `${i.dataset.label}: ${fmt.days(i.parsed.y)}${i.raw && fmt.isNum(i.raw.n) ? ` (${nNote(i.raw.n)})` : ''}${i.raw && i.raw.cut ? ` · ${i.raw.cut}` : ''}` } },
			},
		},
	}, `Median days to close per period for ${d.employee.name}, with the trend line and the department's median. ${words}`);
	/* a median: the employee's (or the department's) closes of that period */
	drill.attach(chart, (el) => {
		const ds = datasets[el.datasetIndex];
		if (ds.label === 'Trend') return null;
		const mine = el.datasetIndex === 0;
		const s = (mine ? series : deptSeries)[el.index];
		if (!s) return null;
		const who = mine ? whoOf(d) : { department: d.department.name, name: d.department.name };
		return drill.spec('closed', s.start, s.end, who, { label: fmt.bucketLabel(s, state.bucket), figure: `median ${fmt.days(s.lead_time.p50)} · n ${fmt.int(s.lead_time.n)}` });
	}, { name: 'Trend of days to close' });
}

async function drawOldestOpen(d, ctx) {
	const c = card('oldest');
	try {
		const got = await drill.oldestOpen({ employee_id: d.employee.id }, d.range.to, 10);
		if (!ctx.isCurrent()) return;
		drill.drawOldestOpen(c, got, d.range.to, drill.spec('backlog', d.range.from, d.range.to, whoOf(d), { figure: `${fmt.int(got.total)} open` }));
	} catch (e) {
		if (ctx.isCurrent()) c.error(e, ctx.reload);
	}
}

function drawVsDept(d) {
	const c = card('vsdept');
	const e = d.totals || {};
	const pe = d.per_employee || {};
	const el = e.lead_time || {}, pl = pe.lead_time || {};
	const sla = (cache.meta.departments.find((x) => x.name === d.employee.department) || {}).sla_days;
	const dc = { range: fmt.range(d.range.from, d.range.to), to: d.range.to, sla, days: daysBetween(d.range.from, d.range.to) + 1 };
	const avgRework = fmt.isNum(pe.rework) ? `${fmt.num(pe.rework, 1)} (${fmt.pct(pe.rework_rate, 1)})` : fmt.DASH;
	/* [label, the employee's, the department's per employee, definition, id] */
	const rows = [
		['Closed', fmt.int(e.closed), fmt.num(pe.closed, 1), def('closed', dc), 'closed'],
		['Closes per week', fmt.num(e.closes_per_week, 1), fmt.num(pe.closes_per_week, 1), def('closes_per_week', dc), 'closes_per_week'],
		['Median days to close', fmt.num(el.p50, 1), fmt.num(pl.p50, 1), def('p50', { ...dc, n: el.n }), 'p50'],
		['Mean days to close', fmt.num(el.mean, 1), fmt.num(pl.mean, 1), def('mean', { ...dc, n: el.n }), 'mean'],
		['90th percentile days', fmt.num(el.p90, 1), fmt.num(pl.p90, 1), def('p90', { ...dc, n: el.n }), 'p90'],
		['Closed within SLA', fmt.pct(e.sla_hit_rate), fmt.pct(pe.sla_hit_rate), def('sla', { ...dc, n: el.n }), 'sla'],
		['Average open', fmt.num(e.avg_open, 1), fmt.num(pe.avg_open, 1), def('avg_open', { ...dc, n: dc.days }), 'avg_open'],
		['Backlog at end', fmt.int(e.backlog_end), fmt.num(pe.backlog_end, 1), def('backlog_end', dc), 'backlog_end'],
		['Rework (re-entries)', fmt.rework(e), avgRework, def('rework'), 'rework'],
		['Workload share', fmt.pct(e.workload_share, 1), fmt.pct(pe.workload_share, 1), def('workload_share'), 'workload_share'],
	];
	const first = d.employee.name.split(' ')[0];
	const perDef = def('per_employee', { dept: d.department.name, n: pe.employees, min: pe.min_closed, judged: pl.n });
	c.show(h('div', { class: 'table-wrap' },
		h('table', { class: 'data', id: 'vsdept-table' },
			h('caption', { class: 'visually-hidden' }, `${d.employee.name} against the per-employee average of ${d.department.name}`),
			h('thead', {}, h('tr', {},
				defHead('Measure', def('measure')),
				defHead(first, def('person', { name: d.employee.name }), { class: 'n' }),
				defHead('Per employee', perDef, { class: 'n', dataset: { col: 'per_employee' } }))),
			h('tbody', {}, rows.map(([k, a, b, text, id]) => {
				/* the person's statistics of their closes: greyed with n under min_closed */
				const few = CLOSE_STATS.has(id) && a !== fmt.DASH && tooFew(el.n);
				return h('tr', { dataset: { row: id } },
					h('th', { scope: 'row', title: k }, defTerm(k, text)),
					h('td', { class: few ? 'n few' : 'n', dataset: { col: 'employee' }, title: few ? nNote(el.n) : null }, a,
						few ? h('span', { class: 'n-of' }, ` n ${fmt.int(el.n)}`) : null),
					h('td', { class: 'n', dataset: { col: 'per_employee' } }, b));
			})))),
	h('p', { class: 'legend-note' }, h('span', {}, `Per employee: ${d.department.name}’s average over its ${fmt.plural(pe.employees || 0, 'employee')} with tickets in the range (medians, percentiles and the SLA share over the ${fmt.int(pl.n || 0)} with at least ${fmt.plural(pe.min_closed || 0, 'close')}).`),
		h('span', {}, 'Rework: re-entries opened in the range (a creator back in the department after an earlier ticket there) and their share of the tickets opened.')));
}

function drawAll() {
	if (!cache || !cache.data) return;
	const { data, state } = cache;
	destroyCharts();
	drawKpis(data);
	drawCharts();
}

/* everything but the key figures */
function drawCharts() {
	const { data, state } = cache;
	drawDaily(data);
	drawVsDept(data);
	drawHist(data);
	drawTrend(data, state);
}

const CARDS = ['daily', 'vsdept', 'hist', 'trend', 'oldest'];

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
		if (state.emp && pick) ctx.notice(`There is no employee with the id “${state.emp}”. Showing ${pick.name} instead; choose another below.`);
		else if (state.emp) ctx.notice(`There is no employee with the id “${state.emp}”, and no employees yet.`);
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
		/* thousands of employees: a search beside the list (combobox.js) */
		const search = combobox({
			id: 'emp-search',
			label: 'Employees',
			placeholder: 'Name or department',
			items: groups.flatMap((g) => g.options.map((o) => ({ value: o.value, label: o.label, group: g.group }))),
			onPick: (v) => navigate({ emp: v }),
		});
		return [field('Employee', empSelect),
			h('div', { class: 'field wide' }, h('label', { for: 'emp-search' }, 'Find an employee'), search.el)];
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
			keyFiguresFailed(document.getElementById('kpis'), 'no employee yet');
			for (const id of CARDS) card(id).empty('No employees yet', 'Import tickets to see employees.');
			return;
		}
		for (const id of CARDS) card(id).loading();
		const req = { path: `/api/v1/employees/${encodeURIComponent(state.emp)}`, params: { from, to, bucket: state.bucket } };
		setExports('daily', req, [{ table: 'daily' }]);
		setExports('vsdept', req, [{ table: 'totals' }], { png: false });
		setExports('hist', req, [{ table: 'histogram' }]);
		setExports('trend', req, [{ table: 'series' }]);
		let data;
		try {
			data = await getJSON(req.path, req.params);
		} catch (e) {
			if (!ctx.isCurrent()) return;
			keyFiguresFailed(document.getElementById('kpis'));
			for (const id of CARDS) card(id).error(e, ctx.reload);
			return;
		}
		if (!ctx.isCurrent()) return;
		cache = { data, state, meta: ctx.meta };
		/* the key figures first, painted before any chart is built */
		destroyCharts();
		await drawKpis(data);
		if (!ctx.isCurrent()) return;
		drawCharts();
		await drawOldestOpen(data, ctx);
	},
	redraw() {
		drawAll();
	},
});
