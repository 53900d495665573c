/*
 * Overview (/): KPI cards with the change against the previous period (the
 * pipeline's figures: each creator once), the end-to-end lead time trend
 * with its rolling 28-day mean, aging work in progress per department with
 * the oldest open tickets and the open tickets per employee, where the time
 * goes (stage decomposition by month) and which stage grew, opened vs closed
 * and backlog per department, median days to close per department, and the
 * weekday profile.
 * Data: /api/v1/overview (range, bucket), /api/v1/wip and /api/v1/stages
 * (bucket=month).
 */
import { getJSON } from '../api.js';
import {
	alpha, categoryAxis, cutColors, cutSegments, cutText, deptColor, deptIndex, destroyCharts, fastLine, hatch, isCut, makeChart, theme, timeAxis, valueAxis,
} from '../charts.js';
import { h } from '../dom.js';
import * as fmt from '../format.js';
import { daysBetween, hrefFor } from '../state.js';
import { setExports } from '../exports.js';
import { card, chartBox, defHead, deptSwatch, infoTip, keyFiguresFailed, showKeyFigures, startPage } from '../ui.js';
import { def, nNote, tooFew } from '../defs.js';
import { drawOldest, drawWipChart, drawWipEmployees } from '../wip.js';
import * as drill from '../drill.js';

let last = null; /* {ov, st, wip, state, ctx} for redraw */

/* the pipeline's figures (issue 11): each creator counts once; per-department ones are on the department rows */
const KPIS = [
	{ key: 'backlog', label: 'Open backlog', unit: '', better: false, fmt: (v) => fmt.int(v), small: (v) => fmt.noun(v, 'ticket'), digits: 0,
		tip: (ov) => def('backlog_all', { to: ov.range.to }) },
	{ key: 'sla_hit_rate', label: 'Closed within SLA', better: true, fmt: (v) => fmt.pct(v), pct: true,
		tip: (ov) => def('sla_all', { range: fmt.range(ov.range.from, ov.range.to), n: closesOf(ov) }) },
	{ key: 'throughput_per_week', label: 'Throughput', better: true, fmt: (v) => fmt.num(v, 1), small: () => 'creators / wk', unit: '',
		tip: (ov) => def('throughput_kpi', { n: (ov.kpis || {}).campaign_starts }) },
	{ key: 'campaign_starts', label: 'Campaigns started', better: true, fmt: (v) => fmt.int(v), small: (v) => fmt.noun(v, 'creator'), unit: '', digits: 0,
		tip: () => def('campaign_starts_kpi') },
	{ key: 'end_to_end_p50', label: 'End-to-end median', better: false, fmt: (v) => fmt.num(v, 1), small: () => fmt.dayWord(), unit: ' d',
		tip: (ov) => def('end_to_end_kpi', { n: ((ov.end_to_end || {}).totals || {}).n }) },
];

/* every department's closes in the range: the n of the SLA share */
function closesOf(ov) {
	return (ov.departments || []).reduce((n, d) => n + ((d.totals || {}).closed || 0), 0);
}

/* the tickets behind each KPI (drill.js) */
function kpiSpec(key, ov, ctx) {
	const { from, to } = ov.range;
	const k = ov.kpis || {};
	const last = [...ctx.meta.departments].sort((a, b) => a.position - b.position).pop();
	if (key === 'backlog') return drill.spec('backlog', from, to, {}, { figure: `backlog ${fmt.int(k.backlog)}` });
	if (key === 'sla_hit_rate') return drill.spec('closed', from, to, {}, { figure: `${fmt.pct(k.sla_hit_rate)} within their department’s SLA` });
	if (!last) return null;
	const what = key === 'end_to_end_p50'
		? ' The end-to-end median is over those of them whose creator also has a first contact.'
		: '';
	const sp = drill.spec('campaigns', from, to, { department: last.name });
	return { ...sp, what: sp.what + what, figure: key === 'end_to_end_p50' ? `median ${fmt.days(k.end_to_end_p50)}` : `${fmt.int(k.campaign_starts)} campaigns started` };
}

function drawKpis(ov, ctx) {
	const el = document.getElementById('kpis');
	const k = ov.kpis || {};
	const prev = k.previous || {};
	const n = daysBetween(ov.range.from, ov.range.to) + 1;
	/* a previous period that ends before the first ticket has nothing to compare with */
	const first = ctx.meta.data_bounds && ctx.meta.data_bounds.first;
	const noPrev = !prev.to || (first && prev.to < first);
	const prevRange = prev.from && prev.to ? fmt.range(prev.from, prev.to) : `the previous ${n} days`;
	const tiles = KPIS.map((d) => {
		const cur = k[d.key];
		const c = noPrev ? { text: 'no earlier data', cls: 'flat', arrow: '' }
			: fmt.change(cur, prev[d.key], { higherIsBetter: d.better, unit: d.unit || '', asPct: d.pct, digits: d.digits ?? 1 });
		const prevText = d.pct ? fmt.pct(prev[d.key]) : d.fmt(prev[d.key]);
		return h('div', { class: 'kpi', dataset: { kpi: d.key } },
			h('div', { class: 'label' }, d.label, ' ', infoTip(d.tip(ov))),
			h('div', { class: 'value' }, d.fmt(cur), d.small && fmt.isNum(cur) ? [' ', h('small', {}, d.small(cur))] : null),
			h('div', { class: 'delta', title: noPrev ? `No data before ${fmt.date(first)}` : `${prevRange}: ${prevText}` },
				h('span', { class: `chg ${c.cls}` }, `${c.arrow} ${c.text}`.trim()),
				noPrev ? null : ` vs previous ${n} days`));
	});
	const painted = showKeyFigures(el, tiles);
	for (const tile of el.querySelectorAll('.kpi[data-kpi]')) {
		const label = KPIS.find((d) => d.key === tile.dataset.kpi).label;
		drill.attachEl(tile, () => kpiSpec(tile.dataset.kpi, ov, ctx), { focus: tile.querySelector('.value'), name: `${label}: ${tile.querySelector('.value').textContent}, show the tickets behind it` });
	}
	return painted;
}

function seriesX(item) {
	const a = fmt.ms(item.start), b = fmt.ms(item.end);
	return a + (b - a) / 2;
}

function drawTrend(ov, state) {
	const c = card('trend');
	const e2e = ov.end_to_end || {};
	/* every period and day, null where there is no campaign start: a gap in the line, not a bridge */
	const all = e2e.series || [];
	const series = all.filter((s) => s.n > 0);
	const rolling = (e2e.rolling_28d || []).filter((r) => fmt.isNum(r.mean));
	if (!series.length && !rolling.length) {
		c.empty('No campaign started in this range', 'End-to-end lead time is counted when a creator’s campaign starts. Try a longer range.');
		return;
	}
	const t = theme();
	const box = chartBox('tall');
	const tot = e2e.totals || {};
	c.show(
		h('p', { class: 'insight' }, trendSentence(e2e, rolling)),
		box,
		h('p', { class: 'legend-note' }, `${fmt.plural(tot.n || 0, 'campaign')} started · median ${fmt.days(tot.p50)} · 90th percentile ${fmt.days(tot.p90)}`));
	const minX = fmt.ms(ov.range.from), maxX = fmt.ms(ov.range.to);
	const pts = state.bucket === 'day' ? 1.5 : 3.5;
	const chart = makeChart(box, {
		type: 'line',
		data: {
			datasets: [
				{
					label: 'Rolling 28-day mean',
					data: (e2e.rolling_28d || []).map((r) => ({ x: fmt.ms(r.date), y: fmt.isNum(r.mean) ? r.mean : null })),
					borderColor: t.text,
					backgroundColor: t.text,
					borderWidth: 2.5,
					pointRadius: 0,
					order: 1,
				},
				{
					/* neutral greys: the palette's colours belong to the departments */
					label: `Median per ${state.bucket}`,
					data: all.map((s) => ({ x: seriesX(s), y: s.n > 0 ? s.p50 : null, n: s.n, cut: cutText(s) })),
					borderColor: t.muted,
					pointBackgroundColor: all.map((s) => (isCut(s) ? 'transparent' : state.bucket === 'day' ? alpha(t.muted, 0.55) : t.muted)),
					segment: cutSegments(all),
					backgroundColor: state.bucket === 'day' ? alpha(t.muted, 0.55) : t.muted,
					borderWidth: 1.5,
					pointRadius: pts,
					showLine: state.bucket !== 'day',
					order: 2,
				},
				/* a day's 90th percentile over a handful of campaigns is noise: weeks and months only */
				state.bucket === 'day' ? null : {
					label: `90th percentile per ${state.bucket}`,
					data: all.map((s) => ({ x: seriesX(s), y: s.n > 0 ? s.p90 : null, n: s.n })),
					borderColor: t.faint,
					backgroundColor: t.faint,
					borderDash: [4, 4],
					borderWidth: 1.25,
					pointRadius: 2,
					order: 3,
				},
			].filter(Boolean),
		},
		options: {
			...fastLine(),
			interaction: { mode: 'nearest', axis: 'x', intersect: false },
			scales: { x: timeAxis(minX, maxX), y: valueAxis(fmt.dayWord()) },
			plugins: {
				...fastLine().plugins,
				tooltip: { callbacks: { label: (i) => `${i.dataset.label}: ${fmt.days(i.parsed.y)}${i.raw && fmt.isNum(i.raw.n) ? ` (${nNote(i.raw.n, 'campaigns')})` : ''}${i.raw && i.raw.cut ? ` · ${i.raw.cut}` : ''}` } },
			},
		},
	}, `End-to-end lead time: ${trendSentence(e2e, rolling)}`);
	const last = [...(ov.departments || [])].sort((a, b) => a.position - b.position).pop();
	drill.attach(chart, (el) => {
		const s = series[el.index];
		if (el.datasetIndex === 0 || !s || !last) return null;
		const sp = drill.spec('campaigns', s.start, s.end, { department: last.name },
			{ label: fmt.bucketLabel(s, state.bucket), figure: `median ${fmt.days(s.p50)} over ${fmt.plural(s.n, 'campaign')}` });
		return { ...sp, what: `${sp.what} The median end-to-end time is over those whose creator also has a first contact.` };
	}, { name: 'End-to-end lead time' });
}

function trendSentence(e2e, rolling) {
	if (rolling.length < 2) return `Median end-to-end lead time: ${fmt.days((e2e.totals || {}).p50, { long: true })}.`;
	const a = rolling[0], b = rolling[rolling.length - 1];
	const d = b.mean - a.mean;
	const dir = Math.abs(d) < 0.5 ? 'held steady at' : d > 0 ? 'grew to' : 'fell to';
	const by = Math.abs(d) < 0.5 ? '' : ` (${d > 0 ? '+' : '−'}${fmt.num(Math.abs(d), 1)} days since ${fmt.shortDate(a.date)})`;
	return `The rolling 28-day mean ${dir} ${fmt.days(b.mean, { long: true })}${by}.`;
}

function drawGlance(ov, state) {
	const c = card('glance');
	const depts = ov.departments || [];
	if (!depts.length) return c.empty('No departments configured');
	const backlogBox = chartBox('short');
	const rows = depts.map((d) => {
		const t = d.totals || {};
		const lt = t.lead_time || {};
		return h('tr', {},
			h('th', { scope: 'row' }, deptSwatch(deptIndex(d.name)), h('a', { href: hrefFor('/department', state, { dept: d.name }) }, d.name)),
			h('td', { class: 'n hide-sm' }, fmt.int(t.opened)),
			h('td', { class: 'n' }, fmt.int(t.closed)),
			h('td', { class: 'n hide-sm' }, fmt.int(t.backlog_end)),
			h('td', { class: 'n' }, fmt.num(lt.p50, 1)),
			h('td', { class: 'n', title: `SLA: ${d.sla_days} days` }, fmt.pct(t.sla_hit_rate)),
			h('td', { class: 'n hide-sm rework', title: `${fmt.int(t.rework)} of the ${fmt.int(t.opened)} tickets opened are re-entries` }, fmt.rework(t)));
	});
	const dc = { range: fmt.range(ov.range.from, ov.range.to), to: ov.range.to };
	c.show(h('div', { class: 'table-wrap' },
		h('table', { class: 'data compact', id: 'dept-table' },
			h('caption', { class: 'visually-hidden' }, 'Departments in the selected range'),
			h('thead', {}, h('tr', {},
				defHead('Department', def('department_col')),
				defHead('Opened', def('opened', dc), { class: 'n hide-sm' }),
				defHead('Closed', def('closed', dc), { class: 'n' }),
				defHead('Backlog', def('backlog', dc), { class: 'n hide-sm' }),
				defHead('Median d', def('p50', dc), { class: 'n' }),
				defHead('In SLA', def('sla', dc), { class: 'n' }),
				defHead('Rework', def('rework'), { class: 'n hide-sm' }))),
			h('tbody', {}, rows))),
	h('p', { class: 'legend-note' }, h('span', { class: 'hide-sm' }, 'Rework: re-entries opened in the range and their share of the tickets opened.'),
		h('span', {}, 'Open a department for its team, workload and flags.')),
	h('h3', { class: 'sub-head' }, 'Where the backlog sits'),
	backlogBox);
	drill.attachCells(document.getElementById('dept-table'), 'tbody td', (td) => glanceSpec(td, depts, ov));
	const open = depts.map((d) => (d.totals ? d.totals.backlog_end : null));
	if (!open.some((v) => v > 0)) {
		backlogBox.replaceWith(h('p', { class: 'legend-note' }, 'No open tickets at the end of the range.'));
		return;
	}
	const backlog = makeChart(backlogBox, {
		type: 'bar',
		data: { labels: depts.map((d) => d.name), datasets: [{ label: 'Open tickets', data: open, backgroundColor: depts.map((d) => deptColor(d.name)), barPercentage: 0.75 }] },
		options: {
			indexAxis: 'y',
			scales: { x: valueAxis('open tickets at the end of the range'), y: { grid: { display: false } } },
			plugins: { legend: { display: false } },
		},
	}, `Open tickets per department at the end of the range: ${depts.map((d, i) => `${d.name} ${open[i]}`).join(', ')}`);
	drill.attach(backlog, (el) => drill.spec('backlog', ov.range.from, ov.range.to, { department: depts[el.index].name, name: depts[el.index].name },
		{ label: depts[el.index].name, figure: `${fmt.int(open[el.index])} open` }), { name: 'Where the backlog sits' });
}

/* the department table's cells: the column by its heading */
function glanceSpec(td, depts, ov) {
	const d = depts[td.parentElement.rowIndex - 1];
	const head = td.closest('table').tHead.rows[0].cells[td.cellIndex];
	if (!d || !head) return null;
	const col = head.textContent.trim().toLowerCase();
	const { from, to } = ov.range;
	const t = d.totals || {};
	const who = { department: d.name, name: d.name };
	if (col.startsWith('opened')) return drill.spec('opened', from, to, who, { figure: `${fmt.int(t.opened)} opened` });
	if (col.startsWith('closed')) return drill.spec('closed', from, to, who, { figure: `${fmt.int(t.closed)} closed` });
	if (col.startsWith('backlog')) return drill.spec('backlog', from, to, who, { figure: `${fmt.int(t.backlog_end)} open` });
	if (col.startsWith('median')) return drill.spec('closed', from, to, who, { figure: `median ${fmt.days((t.lead_time || {}).p50)}` });
	if (col.startsWith('in sla')) return drill.spec('closed', from, to, who, { figure: `${fmt.pct(t.sla_hit_rate)} within ${d.sla_days} days` });
	if (col.startsWith('rework')) return drill.spec('rework', from, to, who, { figure: `${fmt.int(t.rework)} re-entries` });
	return null;
}

/* ---- where the time goes ---- */

const WAITS = 'Handoff waits';

function drawWhere(st, ov) {
	const c = card('where');
	if (!st) return;
	const depts = [...(st.departments || [])].sort((a, b) => a.position - b.position);
	if (depts.length < 2) return c.empty('Need at least two departments');
	const stages = depts.slice(0, -1); /* the last stage starts the campaign: not part of the lead time */
	const buckets = (stages[0].series || []).map((s) => ({ start: s.start, end: s.end, days: s.days, bucket_days: s.bucket_days }));
	const has = stages.some((d) => (d.series || []).some((s) => s.stage && s.stage.n > 0));
	if (!buckets.length || !has) return c.empty('No creator finished these stages in this range', 'Try a longer range.');
	const labels = buckets.map((b) => fmt.monthLabel(b.start));
	const t = theme();
	/* `ns`: how many creators each value is over (not read by Chart.js) */
	/* a block over fewer than min_closed creators is pale: too few to read a change from */
	const datasets = stages.map((d) => {
		const ns = (d.series || []).map((s) => (s.stage ? s.stage.n : 0));
		return {
			label: d.name,
			data: (d.series || []).map((s) => (s.stage && fmt.isNum(s.stage.mean) ? s.stage.mean : null)),
			ns,
			backgroundColor: ns.map((n, i) => (isCut(buckets[i]) ? hatch(deptColor(d.name)) : deptColor(d.name, tooFew(n) ? 0.3 : 1))),
			stack: 'time',
		};
	});
	/* every wait is on the path, the one into the last department too */
	const waitN = buckets.map(() => Infinity);
	const waits = buckets.map((_, i) => {
		let sum = 0, any = false;
		for (const d of depts) {
			const w = d.series && d.series[i] && d.series[i].wait;
			if (w && fmt.isNum(w.mean)) {
				sum += w.mean;
				any = true;
				waitN[i] = Math.min(waitN[i], w.n);
			}
		}
		return any ? sum : null;
	});
	const wns = waitN.map((n) => (Number.isFinite(n) ? n : 0));
	const waitColor = t.dark ? '#5d6773' : '#b9c0c8';
	datasets.push({ label: WAITS, data: waits, ns: wns, backgroundColor: wns.map((n, i) => (isCut(buckets[i]) ? hatch(waitColor) : tooFew(n) ? alpha(waitColor, 0.35) : waitColor)), stack: 'time' });

	const box = chartBox('tall');
	const grew = grewSentence(datasets, labels, buckets);
	c.show(h('p', { class: 'insight', id: 'grew' }, ...grew), box);
	makeChart(box, {
		type: 'bar',
		data: { labels, datasets },
		markerBuckets: buckets,
		options: {
			scales: {
				x: categoryAxis({ stacked: true }),
				y: valueAxis(`${fmt.dayWord()} per creator`, { stacked: true }),
			},
			plugins: {
				tooltip: {
					mode: 'index',
					callbacks: {
						title: (items) => fmt.bucketLabel(buckets[items[0].dataIndex], 'month'),
						label: (i) => `${i.dataset.label}: ${fmt.days(i.parsed.y)} (${i.dataset.label === WAITS ? 'at least ' : ''}${nNote(i.dataset.ns[i.dataIndex], 'creators')})`,
						footer: (items) => [`Total: ${fmt.days(items.reduce((s, i) => s + (i.parsed.y || 0), 0))}`, cutText(buckets[items[0].dataIndex])].filter(Boolean),
					},
				},
			},
		},
	}, `Stage decomposition by month. ${grew.map((x) => x.textContent ?? x).join('')}`);
}

/** A month bucket that is not cut by the range: its values are over the whole month. */
function fullMonth(b) {
	return b.start.endsWith('-01') && fmt.bucketLabel(b, 'month') === fmt.monthLabel(b.start);
}

/* a month's mean over fewer creators than this is too noisy to compare */
const MIN_N = 8;

/**
 * "Design grew the most: 37 d in Dec 2025 → 42 d in Oct 2026 (+5 d)." as
 * nodes.  Compares the first and last full months (a month cut by the range
 * holds only a few creators), or the first and last months when fewer than
 * two are full; months with fewer than MIN_N creators in a stage are skipped.
 */
function grewSentence(datasets, labels, buckets) {
	if (labels.length < 2) return ['Choose a range of two months or more to see which stage grew.'];
	let idx = buckets.map((b, i) => (fullMonth(b) ? i : -1)).filter((i) => i >= 0);
	if (idx.length < 2) idx = labels.map((_, i) => i);
	let best = null;
	for (const ds of datasets) {
		const have = idx.filter((i) => fmt.isNum(ds.data[i]) && ds.ns[i] >= MIN_N);
		if (have.length < 2) continue;
		const i0 = have[0], i1 = have[have.length - 1];
		const d = ds.data[i1] - ds.data[i0];
		if (!best || d > best.d) best = { name: ds.label, d, a: ds.data[i0], b: ds.data[i1], la: labels[i0], lb: labels[i1] };
	}
	if (!best) return [`Too few creators per month to say which stage grew (at least ${MIN_N} in two months are needed). Try a longer range.`];
	if (best.d < 0.5) return ['No stage grew: ', h('strong', {}, 'every stage held steady or got faster'), ` between ${best.la} and ${best.lb}.`];
	const what = best.name === WAITS ? 'Handoff waits grew the most' : `${best.name} grew the most`;
	return [h('strong', {}, what),
		`: ${fmt.days(best.a)} per creator in ${best.la} → ${fmt.days(best.b)} in ${best.lb} (+${fmt.num(best.d, 1)} d).`];
}

/* ---- opened vs closed ---- */

/* more periods than this: opened and closed as thin lines, bars would be slivers */
const MAX_BARS = 90;

function drawFlow(ov, state) {
	const c = card('flow');
	const depts = ov.departments || [];
	const any = depts.some((d) => (d.series || []).some((x) => x.opened || x.closed || x.backlog_end));
	if (!any) return c.empty('No tickets in this range', 'Nothing was opened, closed or open in these days.');
	const t = theme();
	const grid = h('div', { class: 'small-multiples' });
	const lines = depts.some((d) => (d.series || []).length > MAX_BARS);
	const what = lines ? 'lines' : 'bars';
	c.show(grid, h('p', { class: 'legend-note' },
		h('span', {}, h('span', { class: `swatch neutral faded${lines ? ' line' : ''}`, 'aria-hidden': 'true' }), `Opened (faint ${what}, left scale)`),
		h('span', {}, h('span', { class: `swatch neutral${lines ? ' line' : ''}`, 'aria-hidden': 'true' }), `Closed (${what} in the department’s colour, left scale)`),
		h('span', {}, h('span', { class: 'swatch neutral line strong-line', 'aria-hidden': 'true' }), 'Backlog at the end of each period (right scale)')));
	/* a bucket cut by the range is hatched (bars) or dashed (lines): fewer days, not less work */
	const flowSet = (label, data, color, series) => (lines
		? { type: 'line', label, data, borderColor: color, backgroundColor: color, borderWidth: 1, pointRadius: 0, order: 2, segment: cutSegments(series) }
		: { label, data, backgroundColor: cutColors(series, color), order: 2 });
	for (const d of depts) {
		const series = d.series || [];
		const tot = d.totals || {};
		const box = chartBox('mini');
		grid.append(h('div', { class: 'multiple' },
			h('h3', {}, deptSwatch(deptIndex(d.name)), d.name),
			h('p', { class: 'figs num' }, `${fmt.int(tot.opened)} opened · ${fmt.int(tot.closed)} closed · ${fmt.int(tot.backlog_end)} open`),
			box));
		const chart = makeChart(box, {
			type: 'bar',
			data: {
				labels: fmt.axisLabels(series, state.bucket),
				datasets: [
					flowSet('Opened', series.map((s) => s.opened), deptColor(d.name, 0.4), series),
					flowSet('Closed', series.map((s) => s.closed), deptColor(d.name), series),
					{
						type: 'line', label: 'Backlog', data: series.map((s) => s.backlog_end), yAxisID: 'y1',
						borderColor: t.text, borderWidth: 1.5, pointRadius: 0, order: 1,
					},
				],
			},
			markerBuckets: series,
			options: {
				datasets: { bar: { categoryPercentage: 0.8, barPercentage: 0.9 } },
				scales: {
					x: categoryAxis({ ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12, font: { size: 10.5 } } }),
					y: valueAxis('', { ticks: { maxTicksLimit: 4, font: { size: 10.5 } } }),
					y1: valueAxis('', { position: 'right', grid: false, ticks: { maxTicksLimit: 4, font: { size: 10.5 }, color: t.text } }),
				},
				plugins: {
					legend: { display: false },
					tooltip: { mode: 'index', intersect: false, callbacks: { title: (items) => fmt.bucketLabel(series[items[0].dataIndex], state.bucket), footer: (items) => cutText(series[items[0].dataIndex]) } },
				},
			},
		}, `${d.name}: opened ${tot.opened}, closed ${tot.closed}, backlog ${tot.backlog_end} at the end of the range`);
		drill.attach(chart, (el) => {
			const s = series[el.index];
			if (!s) return null;
			const who = { department: d.name, name: d.name };
			const label = fmt.bucketLabel(s, state.bucket);
			if (el.datasetIndex === 0) return drill.spec('opened', s.start, s.end, who, { label, figure: `${fmt.int(s.opened)} opened` });
			if (el.datasetIndex === 1) return drill.spec('closed', s.start, s.end, who, { label, figure: `${fmt.int(s.closed)} closed` });
			return drill.spec('backlog', s.start, s.end, who, { label, figure: `backlog ${fmt.int(s.backlog_end)}` });
		}, { name: `${d.name}: opened, closed and backlog` });
	}
}

function drawDeptLeadTime(ov, state) {
	const c = card('deptlt');
	const depts = ov.departments || [];
	const any = depts.some((d) => (d.series || []).some((s) => s.lead_time && fmt.isNum(s.lead_time.p50)));
	if (!any) return c.empty('No tickets closed in this range');
	const box = chartBox();
	c.show(box);
	const minX = fmt.ms(ov.range.from), maxX = fmt.ms(ov.range.to);
	const chart = makeChart(box, {
		type: 'line',
		data: {
			datasets: depts.map((d) => ({
				label: d.name,
				data: (d.series || []).map((s) => ({ x: seriesX(s), y: s.lead_time ? s.lead_time.p50 : null, n: s.lead_time ? s.lead_time.n : 0 })),
				borderColor: deptColor(d.name),
				/* a median of fewer than min_closed closes: a hollow point */
				backgroundColor: (d.series || []).map((s) => (tooFew(s.lead_time && s.lead_time.n) || isCut(s) ? 'transparent' : deptColor(d.name))),
				pointRadius: state.bucket === 'day' ? 0 : 2.5,
				borderWidth: 2,
				segment: cutSegments(d.series || []),
			})),
		},
		options: {
			...fastLine(),
			interaction: { mode: 'nearest', axis: 'x', intersect: false },
			scales: { x: timeAxis(minX, maxX), y: valueAxis(fmt.dayWord()) },
			plugins: { ...fastLine().plugins, tooltip: { callbacks: { label: (i) => `${i.dataset.label}: ${fmt.days(i.parsed.y)} (${nNote(i.raw && i.raw.n)})`, footer: (items) => cutText(((depts[items[0].datasetIndex] || {}).series || [])[items[0].dataIndex]) } } },
		},
	}, 'Median days to close per department over time');
	drill.attach(chart, (el) => {
		const d = depts[el.datasetIndex];
		const s = d && (d.series || [])[el.index];
		if (!s || !s.lead_time || !fmt.isNum(s.lead_time.p50)) return null;
		return drill.spec('closed', s.start, s.end, { department: d.name, name: d.name },
			{ label: fmt.bucketLabel(s, state.bucket), figure: `median ${fmt.days(s.lead_time.p50)} · n ${fmt.int(s.lead_time.n)}` });
	}, { name: 'Median days to close by department' });
}

function drawWeekday(ov) {
	const c = card('weekday');
	const prof = ov.weekday_profile || [];
	if (!prof.length || !prof.some((p) => (p.opened || []).some((x) => x > 0))) return c.empty('No tickets opened in this range');
	const box = chartBox();
	c.show(box);
	const chart = makeChart(box, {
		type: 'bar',
		data: {
			labels: fmt.WEEKDAYS,
			datasets: prof.map((p) => ({ label: p.department, data: p.opened, backgroundColor: deptColor(p.department) })),
		},
		options: {
			datasets: { bar: { categoryPercentage: 0.82, barPercentage: 0.92 } },
			scales: { x: categoryAxis(), y: valueAxis('tickets opened') },
			plugins: { tooltip: { mode: 'index', intersect: false } },
		},
	}, 'Tickets opened per weekday, per department');
	/* Monday = 0, as the profile */
	const weekday = (iso) => (new Date(`${iso}T00:00:00Z`).getUTCDay() + 6) % 7;
	drill.attach(chart, (el) => {
		const p = prof[el.datasetIndex];
		if (!p || !p.opened[el.index]) return null;
		const sp = drill.spec('opened', ov.range.from, ov.range.to, { department: p.department, name: p.department },
			{ label: fmt.WEEKDAYS[el.index], figure: `${fmt.int(p.opened[el.index])} opened on a ${fmt.WEEKDAYS[el.index]}`, match: (r) => weekday(r.report_date) === el.index });
		return { ...sp, title: `${sp.title} · ${fmt.WEEKDAYS[el.index]}`, what: `${sp.what.replace(/\.$/, '')}, on a ${fmt.WEEKDAYS[el.index]}.` };
	}, { name: 'Weekday profile' });
}

function drawWip(wip, state) {
	destroyCharts(card('wip').el);
	drawWipChart(card('wip'), wip, state, 'department');
	drawOldest(card('oldest'), wip, state, true);
	drawWipEmployees(card('wipemp'), wip, state, true);
}

function drawAll() {
	if (!last) return;
	destroyCharts();
	drawKpis(last.ov, last.ctx);
	drawCharts();
}

/* everything but the key figures */
function drawCharts() {
	const { ov, st, wip, state } = last;
	drawTrend(ov, state);
	drawGlance(ov, state);
	drawFlow(ov, state);
	drawDeptLeadTime(ov, state);
	drawWeekday(ov);
	if (st) drawWhere(st, ov);
	if (wip) drawWip(wip, state);
}

const CARDS = ['trend', 'glance', 'where', 'flow', 'deptlt', 'weekday'];
/* longer views than these (days) ask for their key figures by month first */
const LONG_DAYS = 120;
const LONG_WEEKS = 730;
const WIP_CARDS = ['wip', 'oldest', 'wipemp'];

/* a request that fails after the overview drew: its own cards show the error */
async function settleOn(promise, ids, ctx, draw) {
	try {
		const data = await promise;
		if (ctx.isCurrent()) draw(data);
	} catch (e) {
		if (ctx.isCurrent()) for (const id of ids) card(id).error(e, ctx.reload);
	}
}

startPage({
	path: '/',
	title: 'Overview',
	keys: [],
	toolbar: { range: true, bucket: true },
	async load(state, ctx) {
		const { from, to } = ctx.range;
		for (const id of [...CARDS, ...WIP_CARDS]) card(id).loading();
		const ovReq = { path: '/api/v1/overview', params: { from, to, bucket: state.bucket } };
		const stReq = { path: '/api/v1/stages', params: { from, to, bucket: 'month' } };
		const wipReq = { path: '/api/v1/wip', params: { from, to, limit: 10 } };
		setExports('trend', ovReq, [{ table: 'end_to_end', label: 'per period' }, { table: 'rolling_28d', label: 'rolling mean' }]);
		setExports('glance', ovReq, [{ table: 'departments' }]);
		setExports('where', stReq, [{ table: 'series' }]);
		setExports('flow', ovReq, [{ table: 'series' }]);
		setExports('deptlt', ovReq, [{ table: 'series' }]);
		setExports('weekday', ovReq, [{ table: 'weekday_profile' }]);
		setExports('wip', wipReq, [{ table: 'items', label: 'tickets' }, { table: 'departments', label: 'percentiles' }]);
		setExports('oldest', wipReq, [{ table: 'oldest' }], { png: false });
		setExports('wipemp', wipReq, [{ table: 'employees' }], { png: false });
		/*
		 * The key figures first (docs/DASHBOARD.md "Key figures first"): the
		 * overview, which holds them, alone; the stages and the work in
		 * progress (on a big store the largest answer by far) are asked for
		 * once the figures are painted, so neither the daemon nor the
		 * browser's main thread is busy with them before.
		 */
		const ovP = getJSON(ovReq.path, ovReq.params);
		/*
		 * The key figures do not depend on the bucket: a long view by day or
		 * week (a 3-year day view is 1.6 MB) has them asked for by month as
		 * well, a small answer that comes first.
		 */
		const n = daysBetween(from, to) + 1;
		const long = (state.bucket === 'day' && n > LONG_DAYS) || (state.bucket === 'week' && n > LONG_WEEKS);
		const kpP = long ? getJSON(ovReq.path, { ...ovReq.params, bucket: 'month' }).catch(() => ovP) : ovP;
		ovP.catch(() => {}); /* handled below: not an unhandled rejection while the figures draw */
		let kov;
		try {
			kov = await kpP;
		} catch (e) {
			if (!ctx.isCurrent()) return;
			keyFiguresFailed(document.getElementById('kpis'));
			for (const id of CARDS) card(id).error(e, ctx.reload);
			await settleOn(getJSON(wipReq.path, wipReq.params), WIP_CARDS, ctx, (wip) => drawWip(wip, state));
			return;
		}
		if (!ctx.isCurrent()) return;
		destroyCharts();
		await drawKpis(kov, ctx);
		if (!ctx.isCurrent()) return;
		const stP = getJSON(stReq.path, stReq.params);
		const wipP = getJSON(wipReq.path, wipReq.params);
		let ov;
		try {
			ov = await ovP;
		} catch (e) {
			if (!ctx.isCurrent()) return;
			for (const id of CARDS) card(id).error(e, ctx.reload);
			stP.catch(() => {});
			await settleOn(wipP, WIP_CARDS, ctx, (wip) => drawWip(wip, state));
			return;
		}
		if (!ctx.isCurrent()) return;
		last = { ov, st: null, wip: null, state, ctx };
		drawCharts();
		card('where').loading();
		await Promise.all([
			settleOn(stP, ['where'], ctx, (st) => { last.st = st; drawWhere(st, ov); }),
			settleOn(wipP, WIP_CARDS, ctx, (wip) => { last.wip = wip; drawWip(wip, state); }),
		]);
	},
	redraw() {
		drawAll();
	},
});
