/*
 * Flow (/flow?dept=Design&range=90d&bucket=week&history=90&by=…&items=…):
 * for one department, the cycle-time scatter (a control chart: each close
 * at its date and days to close, the 50th/85th/95th percentile lines, the
 * rolling 28-day median with its middle half, the 1.5×IQR outliers marked
 * and listed; a dot opens its creator's timeline), the cumulative flow
 * (done and in progress stacked, their top is everything arrived), the
 * throughput run chart (closes per day with the 28-day averages of closed
 * and opened) and the net flow per period; then the Monte Carlo forecast of
 * every department and of campaign starts ("how many by DATE", "when will N
 * be done"), its inputs in the URL.
 * Data: /api/v1/scatter, /api/v1/flow (department, range, bucket) and
 * /api/v1/forecast (history, by, items).
 */
import { apiURL, getJSON } from '../api.js';
import {
	alpha, categoryAxis, deptColor, deptIndex, destroyCharts, fastLine, makeChart, refLine, theme, timeAxis, valueAxis, cutText, hatch, isCut,
} from '../charts.js';
import { h } from '../dom.js';
import { setExports } from '../exports.js';
import * as fmt from '../format.js';
import { addDays, navigate, validDate } from '../state.js';
import { card, chartBox, defHead, deptSwatch, field, select, startPage } from '../ui.js';
import { def } from '../defs.js';
import { creatorHref } from '../wip.js';
import * as drill from '../drill.js';

const DEFAULT_HISTORY = 90;
const MAX_ITEMS = 1000000;
let deptSelect;
const inputs = {};
let cache = {}; /* url -> answer */
let last = null; /* {sc, fl, fc, state} */

/* ---- URL inputs of the forecast ---- */

function intIn(v, lo, hi) {
	const n = Number(v);
	return /^\d+$/.test(String(v || '')) && n >= lo && n <= hi ? n : null;
}

function byBounds(to) {
	return { min: addDays(to, 1), max: addDays(to, 365), def: addDays(to, 28) };
}

function forecastForm() {
	const num = (id, attrs) => {
		inputs[id] = h('input', { type: 'number', id, inputmode: 'numeric', step: '1', ...attrs });
		return inputs[id];
	};
	inputs.by = h('input', { type: 'date', id: 'by', required: true });
	const form = h('form', { class: 'card-form', id: 'forecast-form', 'aria-label': 'Forecast inputs' },
		field('History, days', num('history', { min: '7', max: '3650', required: true })),
		field('How many by', inputs.by),
		field('When will N be done', num('items', { min: '0', max: String(MAX_ITEMS), placeholder: 'open now' })),
		h('button', { type: 'submit', class: 'btn' }, 'Update'));
	const apply = () => {
		const history = intIn(inputs.history.value, 7, 3650);
		const by = validDate(inputs.by.value);
		const items = inputs.items.value === '' ? null : intIn(inputs.items.value, 0, MAX_ITEMS);
		navigate({ history: history === DEFAULT_HISTORY ? null : history, by, items });
	};
	for (const k of ['history', 'by', 'items']) inputs[k].addEventListener('change', apply);
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		apply();
	});
	const el = document.getElementById('forecast');
	el.insertBefore(form, el.querySelector('.card-body'));
}

/* ---- the control chart ---- */

/* the legend: closes, outliers, the rolling median, its middle half (dataset 0 is the band's lower edge) */
const LEGEND_ORDER = [3, 4, 2, 1];

function drawScatter(sc, state) {
	const c = card('scatter');
	const d = (sc.departments || [])[0];
	if (!d || !(d.points || []).length) return c.empty(`No ${state.dept} ticket closed in this range`, 'Try a longer range.');
	const t = theme();
	const s = d.stats || {};
	const color = deptColor(d.name);
	const pts = d.points.filter((p) => !p.outlier);
	const outs = d.points.filter((p) => p.outlier);
	const pt = (p) => ({ x: fmt.ms(p.date), y: p.days, p });
	const roll = (k) => (d.rolling || []).map((r) => ({ x: fmt.ms(r.date), y: r[k], r }));
	const word = fmt.dayWord();
	const box = chartBox('tall');
	box.dataset.chart = 'scatter';
	const insight = [h('strong', {}, `85% of the ${fmt.int(s.n)} tickets ${d.name} closed in this range took ${fmt.num(s.p85, 1)} ${word} or less`),
		`; half took ${fmt.num(s.p50, 1)} or less${outs.length ? `, and ${fmt.plural(outs.length, 'ticket')} stand${outs.length === 1 ? 's' : ''} out (see Outliers).` : '.'}`];
	c.show(h('p', { class: 'insight', id: 'scatter-insight' }, ...insight), box,
		h('p', { class: 'legend-note' },
			h('span', {}, h('span', { class: 'swatch dot strong', 'aria-hidden': 'true' }), `50th percentile ${fmt.days(s.p50)}`),
			h('span', {}, h('span', { class: 'swatch dash strong', 'aria-hidden': 'true' }), `85th ${fmt.days(s.p85)}`),
			h('span', {}, h('span', { class: 'swatch dash bad', 'aria-hidden': 'true' }), `95th ${fmt.days(s.p95)}`),
			h('span', {}, `Rolling median and middle half: the closes of the ${sc.window_days} days up to each day. Click a dot for its creator’s timeline.`)));
	makeChart(box, {
		type: 'line',
		data: {
			datasets: [
				{ label: 'q1', data: roll('q1'), borderWidth: 0, pointRadius: 0, fill: false, order: 4 },
				{ label: `Middle half, ${sc.window_days} days`, data: roll('q3'), borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: alpha(t.muted, t.dark ? 0.22 : 0.16), order: 4 },
				{ label: `Rolling ${sc.window_days}-day median`, data: roll('median'), borderColor: t.text, backgroundColor: t.text, borderWidth: 2, pointRadius: 0, pointHitRadius: 0, order: 3 },
				{ type: 'scatter', label: 'A ticket closed', data: pts.map(pt), backgroundColor: alpha(color, 0.7), borderColor: alpha(color, 0.9), borderWidth: 0.5, pointRadius: 3, pointHoverRadius: 5, hitRadius: 3, order: 2 },
				{ type: 'scatter', label: 'Outlier', data: outs.map(pt), pointStyle: 'triangle', backgroundColor: t.bad, borderColor: t.surface, borderWidth: 0.75, pointRadius: 5.5, pointHoverRadius: 7, hitRadius: 3, order: 1 },
			],
		},
		options: {
			parsing: false,
			spanGaps: false,
			interaction: { mode: 'nearest', intersect: true },
			scales: { x: timeAxis(fmt.ms(sc.range.from), fmt.ms(sc.range.to), { offset: true }), y: valueAxis(`${word} to close`) },
			plugins: {
				legend: { labels: { usePointStyle: true, filter: (item) => item.datasetIndex !== 0, sort: (a, b) => LEGEND_ORDER.indexOf(a.datasetIndex) - LEGEND_ORDER.indexOf(b.datasetIndex) } },
				annotation: {
					annotations: {
						p50: refLine('y', s.p50, null, t.text, { dash: [2, 3] }),
						p85: refLine('y', s.p85, null, t.text),
						p95: refLine('y', s.p95, null, t.bad),
					},
				},
				tooltip: {
					filter: (i) => i.datasetIndex !== 0,
					callbacks: {
						title: (items) => {
							const r = items[0].raw;
							return r.p ? r.p.creator : fmt.date(r.r.date);
						},
						label: (i) => {
							const r = i.raw;
							if (r.p) return [`${r.p.ticket_id} · ${r.p.employee}`, `closed ${fmt.date(r.p.date)} after ${fmt.int(r.p.days)} ${word}`];
							return `median ${fmt.days(r.r.median)} · middle half ${fmt.num(r.r.q1, 1)}–${fmt.num(r.r.q3, 1)} d · ${fmt.plural(r.r.n, 'close')}`;
						},
					},
				},
			},
			onHover: (e, els) => { e.native.target.style.cursor = els.some((x) => x.element && x.datasetIndex >= 3) ? 'pointer' : 'default'; },
			onClick: (e, els, chart) => {
				const hit = chart.getElementsAtEventForMode(e, 'nearest', { intersect: true }, true).find((x) => x.datasetIndex >= 3);
				if (hit) location.assign(creatorHref(state, chart.data.datasets[hit.datasetIndex].data[hit.index].p.creator));
			},
		},
	}, `Days to close of each ${d.name} ticket closed in the range: ${insight.map((x) => x.textContent ?? x).join('')}`);
	return null;
}

function drawOutliers(sc, state) {
	const c = card('outliers');
	const d = (sc.departments || [])[0];
	if (!d || !(d.points || []).length) return c.empty('No tickets closed in this range');
	const s = d.stats || {};
	/* a lower fence under 0 fences nothing out (no ticket closes in fewer than 0 days): only the upper one is named */
	const fences = fmt.isNum(s.fence_low) && s.fence_low < 0
		? `above ${fmt.num(s.fence_high, 1)} ${fmt.dayWord()}`
		: `below ${fmt.num(s.fence_low, 1)} or above ${fmt.num(s.fence_high, 1)} ${fmt.dayWord()}`;
	const list = d.outliers || [];
	if (!list.length) return c.empty('No outliers', `Every close lies within 1.5 × the middle half’s width of it (${fences}).`);
	c.show(h('div', { class: `table-wrap${list.length > 12 ? ' tall' : ''}` },
		h('table', { class: 'data', id: 'outlier-table' },
			h('caption', { class: 'visually-hidden' }, `Outliers of days to close in ${d.name}`),
			h('thead', {}, h('tr', {},
				defHead('Creator', def('creator_col')),
				defHead('Closed', def('outlier_closed'), { class: 'n' }),
				defHead('Days', def('outlier_days'), { class: 'n' }),
				defHead('Employee', def('employee_col'), { class: 'hide-sm' }))),
			h('tbody', {}, list.map((o) => h('tr', { dataset: { ticket: o.ticket_id } },
				h('th', { scope: 'row', class: 'clip' }, h('a', { href: creatorHref(state, o.creator), title: `${o.creator}: timeline` }, o.creator)),
				h('td', { class: 'n' }, fmt.shortDate(o.date)),
				h('td', { class: 'n' }, fmt.int(o.days)),
				h('td', { class: 'hide-sm clip' }, o.employee)))))),
	h('p', { class: 'legend-note' }, `Outside the fences: ${fences} (the middle half ${fmt.num(s.q1, 1)}–${fmt.num(s.q3, 1)}, widened by 1.5 times its width on each side).`));
	return null;
}

/* ---- cumulative flow, throughput, net flow ---- */

/** A round number at or below v, for a scale that does not start at zero. */
function niceFloor(v) {
	if (v <= 0) return 0;
	const step = 10 ** Math.max(0, Math.floor(Math.log10(v)) - 1);
	return Math.floor((v * 0.97) / step) * step;
}

function drawCfd(fl) {
	const c = card('cfd');
	const d = (fl.departments || [])[0];
	const daily = (d && d.daily) || [];
	if (!daily.length || !daily.some((x) => x.arrived > 0)) return c.empty('No tickets in this range');
	const color = deptColor(d.name);
	const a = daily[0], b = daily[daily.length - 1];
	const floor = niceFloor(Math.min(...daily.map((x) => x.done)));
	const box = chartBox();
	box.dataset.chart = 'cfd';
	const arrived = b.arrived - d.base.arrived, done = b.done - d.base.done;
	const insight = [h('strong', {}, `In progress: ${fmt.int(a.in_progress)} → ${fmt.int(b.in_progress)}`),
		` from ${fmt.shortDate(a.date)} to ${fmt.shortDate(b.date)}; ${fmt.int(arrived)} arrived and ${fmt.int(done)} were done in the range.`];
	c.show(h('p', { class: 'insight' }, ...insight), box,
		h('p', { class: 'legend-note' }, `The top edge is every ticket arrived so far (done + in progress). ${floor > 0 ? `The scale starts at ${fmt.int(floor)}: the ${fmt.int(d.base.done)} tickets done before ${fmt.date(fl.range.from)} lie under it.` : ''}`));
	const chart = makeChart(box, {
		type: 'line',
		data: {
			datasets: [
				{ label: 'Done', data: daily.map((x) => ({ x: fmt.ms(x.date), y: x.done })), fill: 'origin', borderColor: color, backgroundColor: alpha(color, 0.75), borderWidth: 1, pointRadius: 0 },
				{ label: 'In progress', data: daily.map((x) => ({ x: fmt.ms(x.date), y: x.in_progress })), fill: '-1', borderColor: color, backgroundColor: alpha(color, 0.25), borderWidth: 1.5, pointRadius: 0 },
			],
		},
		options: {
			...fastLine(),
			interaction: { mode: 'index', intersect: false },
			scales: {
				x: timeAxis(fmt.ms(fl.range.from), fmt.ms(fl.range.to)),
				y: { ...valueAxis('tickets, cumulative', { stacked: true }), min: floor, beginAtZero: floor === 0 },
			},
			plugins: {
				...fastLine().plugins,
				legend: { reverse: true },
				tooltip: {
					callbacks: {
						title: (items) => fmt.date(daily[items[0].dataIndex].date),
						footer: (items) => `Arrived: ${fmt.int(daily[items[0].dataIndex].arrived)}`,
					},
				},
			},
		},
	}, `Cumulative flow of ${d.name}: ${insight.map((x) => x.textContent ?? x).join('')}`);
	/* in progress on a day: the tickets open that day (done is every close before it: not listed) */
	drill.attach(chart, (el) => {
		const v = daily[el.index];
		if (el.datasetIndex !== 1 || !v || !v.in_progress) return null;
		return drill.spec('backlog', v.date, v.date, { department: d.name, name: d.name }, { label: fmt.date(v.date), figure: `${fmt.int(v.in_progress)} in progress` });
	}, { name: 'Cumulative flow: in progress' });
	return null;
}

function drawThroughput(fl) {
	const c = card('throughput');
	const d = (fl.departments || [])[0];
	const daily = (d && d.daily) || [];
	if (!daily.length || !daily.some((x) => x.closed || x.opened || x.closed_ma28 || x.opened_ma28)) return c.empty('No tickets opened or closed in this range');
	const t = theme();
	const color = deptColor(d.name);
	const b = daily[daily.length - 1];
	const box = chartBox();
	box.dataset.chart = 'throughput';
	const insight = [h('strong', {}, `${fmt.num(b.closed_ma28, 1)} closed per day`), ` over the 28 days to ${fmt.shortDate(b.date)}, against ${fmt.num(b.opened_ma28, 1)} opened.`];
	c.show(h('p', { class: 'insight' }, ...insight), box);
	const x = (v) => fmt.ms(v.date);
	const chart = makeChart(box, {
		type: 'bar',
		data: {
			datasets: [
				{ type: 'line', label: 'Closed, 28-day average', data: daily.map((v) => ({ x: x(v), y: v.closed_ma28 })), borderColor: color, backgroundColor: color, borderWidth: 2.5, pointRadius: 0, order: 1 },
				{ type: 'line', label: 'Opened, 28-day average', data: daily.map((v) => ({ x: x(v), y: v.opened_ma28 })), borderColor: t.text, backgroundColor: t.text, borderDash: [5, 4], borderWidth: 1.75, pointRadius: 0, order: 2 },
				{ label: 'Closed that day', data: daily.map((v) => ({ x: x(v), y: v.closed })), backgroundColor: alpha(color, 0.4), barPercentage: 1, categoryPercentage: 0.9, maxBarThickness: 10, borderRadius: 0, order: 3 },
			],
		},
		options: {
			parsing: false,
			normalized: true,
			interaction: { mode: 'index', intersect: false },
			scales: { x: { ...timeAxis(fmt.ms(fl.range.from), fmt.ms(fl.range.to)), offset: true }, y: valueAxis('tickets per day') },
			plugins: {
				tooltip: { callbacks: { title: (items) => fmt.date(daily[items[0].dataIndex].date), label: (i) => `${i.dataset.label}: ${fmt.num(i.parsed.y, 2)}` } },
			},
		},
	}, `Throughput of ${d.name}: ${insight.map((v) => v.textContent ?? v).join('')}`);
	/* a day's closes; an average: the closes (opens) of its 28 days */
	const who = { department: d.name, name: d.name };
	drill.attach(chart, (el) => {
		const v = daily[el.index];
		if (!v) return null;
		const label = fmt.date(v.date);
		if (el.datasetIndex === 2) return v.closed ? drill.spec('closed', v.date, v.date, who, { label, figure: `${fmt.int(v.closed)} closed` }) : null;
		const start = addDays(v.date, -27);
		const closed = el.datasetIndex === 0;
		const avg = closed ? v.closed_ma28 : v.opened_ma28;
		if (!avg) return null;
		return drill.spec(closed ? 'closed' : 'opened', start, v.date, who, { label, figure: `${fmt.num(avg, 2)} per day × 28 days` });
	}, { name: 'Throughput' });
	return null;
}

function drawNetflow(fl, state) {
	const c = card('netflow');
	const d = (fl.departments || [])[0];
	const buckets = (d && d.buckets) || [];
	if (!buckets.length || !buckets.some((x) => x.opened || x.closed)) return c.empty('No tickets opened or closed in this range');
	const t = theme();
	const opened = buckets.reduce((n, x) => n + x.opened, 0), closed = buckets.reduce((n, x) => n + x.closed, 0);
	const net = opened - closed;
	const box = chartBox('short');
	box.dataset.chart = 'netflow';
	const insight = [h('strong', {}, net > 0 ? `The backlog grew by ${fmt.int(net)}` : net < 0 ? `The backlog shrank by ${fmt.int(-net)}` : 'The backlog held level'),
		`: ${fmt.int(opened)} opened and ${fmt.int(closed)} closed in the range.`];
	c.show(h('p', { class: 'insight' }, ...insight), box,
		h('p', { class: 'legend-note' },
			h('span', {}, h('span', { class: 'swatch neutral', 'aria-hidden': 'true' }), 'More opened than closed (above zero)'),
			h('span', {}, h('span', { class: 'swatch neutral faded', 'aria-hidden': 'true' }), 'More closed than opened (below zero)')));
	makeChart(box, {
		type: 'bar',
		data: {
			labels: fmt.axisLabels(buckets, state.bucket),
			datasets: [{
				label: 'Net flow',
				data: buckets.map((x) => x.net_flow),
				/* a bucket cut by the range: hatched */
				backgroundColor: buckets.map((x) => (isCut(x) ? hatch(x.net_flow > 0 ? t.muted : alpha(t.muted, 0.4)) : x.net_flow > 0 ? t.muted : alpha(t.muted, 0.4))),
				maxBarThickness: 40,
			}],
		},
		markerBuckets: buckets,
		options: {
			scales: {
				x: categoryAxis({ ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } }),
				y: { ...valueAxis('opened − closed'), min: undefined, beginAtZero: true },
			},
			plugins: {
				legend: { display: false },
				tooltip: {
					callbacks: {
						title: (items) => fmt.bucketLabel(buckets[items[0].dataIndex], state.bucket),
						label: (i) => {
							const x = buckets[i.dataIndex];
							return [`${x.net_flow > 0 ? '+' : ''}${fmt.int(x.net_flow)} net`, `${fmt.int(x.opened)} opened, ${fmt.int(x.closed)} closed`, `${fmt.num(x.closes_per_week, 1)} closes per week`, cutText(x)].filter(Boolean);
						},
					},
				},
			},
		},
	}, `Net flow of ${d.name} per ${state.bucket}: ${insight.map((x) => x.textContent ?? x).join('')}`);
	return null;
}

/* ---- forecast ---- */

function methodSentence(fc) {
	const m = fc.method || {};
	return `Method: ${fmt.int(m.trials)} simulated futures (Monte Carlo), each future day taking the count of a day drawn at random from the ${fmt.int(m.history_days)} days ${fmt.range(m.history_from, m.history_to)}; so it assumes the days ahead are like those, with the same people, demand and mix of work, no trend, and each day independent of the others.`;
}

function whenText(v, m) {
	return v ? fmt.date(v) : `not within ${fmt.int(Math.round((m.horizon_days || 0) / 365))} years`;
}

function drawForecast(fc, state) {
	const c = card('forecast');
	const rows = [...(fc.departments || [])];
	const last = fc.campaign_starts;
	if (!rows.length) return c.empty('No departments configured');
	const m = fc.method || {};
	if (![...rows, last].some((r) => r && r.history && r.history.total > 0))
		return c.empty(`Nothing was closed in the ${fmt.plural(m.history_days, 'day')} of history (${fmt.range(m.history_from, m.history_to)})`, 'The forecast replays the closes of the days before the range’s end: choose a later range or a longer history.');
	const byDate = fmt.date(m.by);
	const fixed = state.items !== undefined && state.items !== null && state.items !== '';
	const nWord = fixed ? fmt.int(Number(state.items)) : 'the open ones';
	const cells = (r) => {
		const hm = r.how_many || {}, w = r.when || {};
		return [
			...['p50', 'p85', 'p95'].map((k) => h('td', { class: 'n', 'data-label': `By ${fmt.shortDate(m.by)}, ${k.slice(1)}% sure: at least` }, fmt.int(hm[k]))),
			...['p50', 'p85', 'p95'].map((k) => h('td', { class: 'n', 'data-label': `${fixed ? fmt.int(w.items) : `Its ${fmt.int(w.items)} open`} done, ${k.slice(1)}% sure: by` }, whenText(w[k], m))),
		];
	};
	const row = (r, label, extra) => h('tr', { class: r.name === state.dept && r.measure === 'closes' ? 'current' : null, dataset: { row: r.measure === 'closes' ? r.name : 'campaign_starts' } },
		h('th', { scope: 'row' }, deptSwatch(deptIndex(r.name)), label, extra ? h('span', { class: 'muted' }, extra) : null),
		h('td', { class: 'n hide-sm', 'data-label': 'Per day (history)' }, fmt.num(r.history && r.history.mean_per_day, 2)),
		h('td', { class: 'n', 'data-label': r.measure === 'closes' ? 'Open now' : 'In flight now' }, fmt.int(r.open_now)),
		cells(r));
	const body = rows.sort((a, b) => a.position - b.position).map((r) => row(r, r.name));
	if (last) body.push(row(last, 'Campaign starts', ` · creators reaching ${last.name}`));
	c.show(
		h('p', { class: 'insight method', id: 'forecast-method' }, methodSentence(fc)),
		h('div', { class: 'table-wrap stack-sm' },
			h('table', { class: 'data stack-sm forecast', id: 'forecast-table' },
				h('caption', { class: 'visually-hidden' }, `Forecast from ${fmt.range(m.history_from, m.history_to)}: how many by ${byDate}, and when ${nWord} will be done`),
				h('thead', {},
					h('tr', {},
						defHead('Department', def('department_col'), { rowspan: '2' }),
						defHead('Per day', def('fc_per_day'), { rowspan: '2', class: 'n hide-sm' }),
						defHead('Open now', def('fc_open', { to: m.history_to }), { rowspan: '2', class: 'n' }),
						defHead(`How many by ${byDate}: at least`, def('fc_group_many'), { scope: 'colgroup', colspan: '3', class: 'group' }),
						defHead(`When will ${nWord} be done: by`, def('fc_group_when'), { scope: 'colgroup', colspan: '3', class: 'group' })),
					h('tr', {}, ['50%', '85%', '95%', '50%', '85%', '95%'].map((p) => defHead(`${p} sure`, def('fc_sure', { p }), { class: 'n' })))),
				h('tbody', {}, body))),
		h('p', { class: 'legend-note' }, `“85% sure: at least 31” means 31 or more were done by ${byDate} in 85 of 100 simulated futures; a date is the day by which they were done in that share of them. ${fixed ? `N = ${fmt.int(Number(state.items))} for every row.` : 'N is each row’s open tickets (creators in flight for campaign starts).'}`));
	return null;
}

/* ---- load ---- */

function drawAll() {
	if (!last) return;
	const { sc, fl, fc, state } = last;
	destroyCharts();
	if (sc) {
		drawScatter(sc, state);
		drawOutliers(sc, state);
	}
	if (fl) {
		drawCfd(fl);
		drawThroughput(fl);
		drawNetflow(fl, state);
	}
	if (fc) drawForecast(fc, state);
}

/* one answer per URL (the view included): a change of the forecast inputs refetches the forecast only */
function fetchOnce(req) {
	const url = apiURL(req.path, req.params);
	if (!cache[url]) {
		cache[url] = getJSON(req.path, req.params);
		cache[url].catch(() => { delete cache[url]; });
	}
	return cache[url];
}

async function part(req, ids, ctx, key) {
	const ready = cache[apiURL(req.path, req.params)];
	if (!ready) for (const id of ids) card(id).loading();
	try {
		const data = await fetchOnce(req);
		if (!ctx.isCurrent()) return;
		last[key] = data;
	} catch (e) {
		if (!ctx.isCurrent()) return;
		last[key] = null;
		for (const id of ids) card(id).error(e, ctx.reload);
	}
}

startPage({
	path: '/flow',
	title: 'Flow',
	keys: ['dept', 'history', 'by', 'items'],
	toolbar: { range: true, bucket: true },
	normalize(state, ctx) {
		const names = ctx.meta.departments.map((d) => d.name);
		const patch = {};
		if (!names.includes(state.dept)) {
			if (state.dept) ctx.notice(`There is no department “${state.dept}” in the pipeline. Showing ${names[0]} instead; choose another below.`);
			patch.dept = names[0];
		}
		const hist = intIn(state.history, 7, 3650);
		if (state.history && (hist === null || hist === DEFAULT_HISTORY)) patch.history = null;
		const b = byBounds(ctx.range.to);
		if (state.by && !(validDate(state.by) && state.by >= b.min && state.by <= b.max)) patch.by = null;
		if (state.items && intIn(state.items, 0, MAX_ITEMS) === null) patch.items = null;
		return patch;
	},
	controls(ctx) {
		deptSelect = select(ctx.meta.departments.map((d) => ({ value: d.name, label: d.name })), { id: 'dept', onChange: (v) => navigate({ dept: v }) });
		forecastForm();
		return [field('Department', deptSelect)];
	},
	sync(state, ctx) {
		deptSelect.value = state.dept;
		document.querySelector('h1').textContent = `Flow · ${state.dept}`;
		document.title = `Flow · ${state.dept} · Leadtime`;
		const b = byBounds(ctx.range.to);
		inputs.history.value = String(state.history || DEFAULT_HISTORY);
		inputs.by.min = b.min;
		inputs.by.max = b.max;
		inputs.by.value = state.by || b.def;
		inputs.items.value = state.items || '';
	},
	async load(state, ctx) {
		const { from, to } = ctx.range;
		const dept = state.dept;
		const scReq = { path: '/api/v1/scatter', params: { from, to, department: dept } };
		const flReq = { path: '/api/v1/flow', params: { from, to, bucket: state.bucket, department: dept } };
		const fcReq = { path: '/api/v1/forecast', params: { from, to, history: state.history, by: state.by, items: state.items } };
		setExports('scatter', scReq, [{ table: 'points', label: 'tickets' }, { table: 'rolling', label: 'rolling median' }, { table: 'stats', label: 'percentiles' }]);
		setExports('outliers', scReq, [{ table: 'outliers' }], { png: false });
		setExports('cfd', flReq, [{ table: 'daily' }]);
		setExports('throughput', flReq, [{ table: 'daily' }]);
		setExports('netflow', flReq, [{ table: 'buckets' }]);
		setExports('forecast', fcReq, [{ table: 'forecast' }], { png: false });
		if (Object.keys(cache).length > 24) cache = {};
		last = { sc: null, fl: null, fc: null, state };
		await Promise.all([
			part(scReq, ['scatter', 'outliers'], ctx, 'sc'),
			part(flReq, ['cfd', 'throughput', 'netflow'], ctx, 'fl'),
			part(fcReq, ['forecast'], ctx, 'fc'),
		]);
		if (ctx.isCurrent()) drawAll();
	},
	redraw() {
		drawAll();
	},
});
