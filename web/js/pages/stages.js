/*
 * Stages (/stages?stat=p50&from=…&to=…&bucket=month): how long creators
 * spend in each department and waiting for the next one, the bottleneck
 * (the stage with the largest share of the median journey), stage
 * statistics, and stage time per period.
 * Data: /api/v1/stages.
 */
import { getJSON } from '../api.js';
import { deptColor, deptIndex, destroyCharts, fastLine, makeChart, theme, timeAxis, valueAxis } from '../charts.js';
import { h } from '../dom.js';
import * as fmt from '../format.js';
import { hrefFor, navigate } from '../state.js';
import { card, chartBox, deptSwatch, field, select, startPage } from '../ui.js';

const STATS = [
	{ value: 'p50', label: 'Median', word: 'median' },
	{ value: 'mean', label: 'Mean', word: 'mean' },
	{ value: 'p90', label: '90th percentile', word: '90th percentile' },
];
let cache = null;
let statSelect;

function statOf(state) {
	return STATS.find((s) => s.value === state.stat) || STATS[0];
}

function drawTiles(data) {
	const el = document.getElementById('bottleneck');
	const depts = data.departments || [];
	const bn = data.bottleneck || {};
	const stageTotal = depts.reduce((s, d) => s + (d.stage && fmt.isNum(d.stage.p50) ? d.stage.p50 : 0), 0);
	const waits = depts.filter((d) => d.wait && fmt.isNum(d.wait.p50));
	const longestWait = waits.sort((a, b) => b.wait.p50 - a.wait.p50)[0];
	const next = (d) => {
		const i = depts.findIndex((x) => x.name === d.name);
		return depts[i + 1] ? depts[i + 1].name : 'next';
	};
	const tiles = [
		['Bottleneck', bn.department || fmt.DASH, '', bn.department ? `the largest share of the median journey: ${fmt.pct(bn.share)}` : 'no stage finished in this range', 'bottleneck'],
		[`Median days in ${bn.department || 'the bottleneck'}`, fmt.num(bn.p50, 1), 'days', 'per creator, first ticket opened to last closed'],
		['Longest handoff wait', longestWait ? fmt.num(longestWait.wait.p50, 1) : fmt.DASH, 'days', longestWait ? `median, ${longestWait.name} → ${next(longestWait)}` : 'no handoff in this range'],
		['Median stage days, summed', fmt.num(stageTotal, 1), 'days', 'over every department'],
	];
	el.replaceChildren(...tiles.map(([label, value, small, note, id]) =>
		h('div', { class: 'kpi', id: id ? `kpi-${id}` : null },
			h('div', { class: 'label' }, label),
			h('div', { class: 'value' }, value, small && value !== fmt.DASH ? h('small', {}, value === '1' ? small.replace(/s$/, '') : small) : null),
			h('div', { class: 'delta' }, note))));
}

function drawJourney(data, state) {
	const c = card('journey');
	const st = statOf(state);
	const depts = [...(data.departments || [])].sort((a, b) => a.position - b.position);
	if (!depts.some((d) => d.stage && d.stage.n > 0)) return c.empty('No creator finished a stage in this range', 'Try a longer range.');
	const t = theme();
	const bn = data.bottleneck && data.bottleneck.department;
	const labels = depts.map((d) => (d.name === bn ? `${d.name} ◆` : d.name));
	const box = chartBox();
	box.style.height = `${Math.max(220, 70 + depts.length * 44)}px`;
	c.show(box, h('p', { class: 'legend-note' }, `◆ marks the bottleneck. Bars show the ${st.word} days per creator.`));
	makeChart(box, {
		type: 'bar',
		data: {
			labels,
			datasets: [
				{ label: 'In the stage', data: depts.map((d) => (d.stage ? d.stage[st.value] : null)), backgroundColor: depts.map((d) => deptColor(d.name)), stack: 's' },
				{ label: 'Waiting for the next department', data: depts.map((d) => (d.wait ? d.wait[st.value] : null)), backgroundColor: t.dark ? '#5d6773' : '#b9c0c8', stack: 's' },
			],
		},
		options: {
			indexAxis: 'y',
			scales: { x: valueAxis(`${st.word} days per creator`, { stacked: true }), y: { stacked: true, grid: { display: false } } },
			plugins: {
				legend: { labels: { generateLabels: () => [
					{ text: 'In the stage (department colour)', fillStyle: t.muted, strokeStyle: t.muted, lineWidth: 0, fontColor: t.text },
					{ text: 'Waiting for the next department', fillStyle: t.dark ? '#5d6773' : '#b9c0c8', strokeStyle: 'transparent', lineWidth: 0, fontColor: t.text },
				] } },
				tooltip: { callbacks: { label: (i) => `${i.dataset.label}: ${fmt.days(i.parsed.x)}` } },
			},
		},
	}, `${st.label} days in each stage and waiting for the next department; bottleneck: ${bn || 'none'}`);
}

function drawTable(data, state) {
	const c = card('stagetable');
	const depts = [...(data.departments || [])].sort((a, b) => a.position - b.position);
	if (!depts.length) return c.empty('No departments configured');
	const bn = data.bottleneck && data.bottleneck.department;
	c.show(h('div', { class: 'table-wrap' },
		h('table', { class: 'data', id: 'stage-table' },
			h('caption', { class: 'visually-hidden' }, 'Stage and handoff statistics per department'),
			h('thead', {}, h('tr', {},
				h('th', { scope: 'col' }, 'Stage'),
				h('th', { scope: 'col', class: 'n', title: 'Creators who finished the stage' }, 'Creators'),
				h('th', { scope: 'col', class: 'n' }, 'Median'),
				h('th', { scope: 'col', class: 'n hide-sm' }, 'Mean'),
				h('th', { scope: 'col', class: 'n hide-sm' }, 'P90'),
				h('th', { scope: 'col', class: 'n', title: 'Median wait before the next department opens' }, 'Wait'),
				h('th', { scope: 'col', class: 'n', title: 'Share of the summed stage medians' }, 'Share'))),
			h('tbody', {}, depts.map((d) => h('tr', {},
				h('th', { scope: 'row' }, deptSwatch(deptIndex(d.name)), h('a', { href: hrefFor('/department', state, { dept: d.name }) }, d.name),
					d.name === bn ? h('span', { class: 'bn-mark', title: 'The bottleneck' }, ' ◆', h('span', { class: 'visually-hidden' }, ' (bottleneck)')) : null),
				h('td', { class: 'n' }, fmt.int(d.stage && d.stage.n)),
				h('td', { class: 'n' }, fmt.num(d.stage && d.stage.p50, 1)),
				h('td', { class: 'n hide-sm' }, fmt.num(d.stage && d.stage.mean, 1)),
				h('td', { class: 'n hide-sm' }, fmt.num(d.stage && d.stage.p90, 1)),
				h('td', { class: 'n' }, d.wait ? fmt.num(d.wait.p50, 1) : fmt.DASH),
				h('td', { class: 'n' }, fmt.pct(d.p50_share))))))),
	h('p', { class: 'legend-note' }, 'Days per creator. Wait: from the last ticket closed in this department to the first opened in the next.'));
}

function drawTrend(data, state) {
	const c = card('stagetrend');
	const st = statOf(state);
	const depts = [...(data.departments || [])].sort((a, b) => a.position - b.position);
	const any = depts.some((d) => (d.series || []).some((s) => s.stage && fmt.isNum(s.stage[st.value])));
	if (!any) return c.empty('No stage finished in this range');
	const box = chartBox();
	c.show(box);
	makeChart(box, {
		type: 'line',
		data: {
			datasets: depts.map((d) => ({
				label: d.name,
				data: (d.series || []).map((s) => ({ x: (fmt.ms(s.start) + fmt.ms(s.end)) / 2, y: s.stage ? s.stage[st.value] : null })),
				borderColor: deptColor(d.name),
				backgroundColor: deptColor(d.name),
				pointRadius: state.bucket === 'day' ? 0 : 2.5,
				tension: 0.2,
			})),
		},
		options: {
			...fastLine(),
			spanGaps: true,
			interaction: { mode: 'nearest', axis: 'x', intersect: false },
			scales: { x: timeAxis(fmt.ms(data.range.from), fmt.ms(data.range.to)), y: valueAxis(`${st.word} days in the stage`) },
			plugins: { ...fastLine().plugins, tooltip: { callbacks: { label: (i) => `${i.dataset.label}: ${fmt.days(i.parsed.y)}` } } },
		},
	}, `${st.label} days in each stage per period`);
}

function drawAll() {
	if (!cache) return;
	destroyCharts();
	drawTiles(cache.data);
	drawJourney(cache.data, cache.state);
	drawTable(cache.data, cache.state);
	drawTrend(cache.data, cache.state);
}

const CARDS = ['journey', 'stagetable', 'stagetrend'];

startPage({
	path: '/stages',
	title: 'Stages',
	keys: ['stat'],
	toolbar: { range: true, bucket: true },
	normalize(state) {
		return state.stat && !STATS.some((s) => s.value === state.stat) ? { stat: null } : null;
	},
	controls() {
		statSelect = select(STATS, { id: 'stat', onChange: (v) => navigate({ stat: v === 'p50' ? null : v }) });
		return [field('Statistic', statSelect)];
	},
	sync(state) {
		statSelect.value = statOf(state).value;
	},
	async load(state, ctx) {
		const { from, to } = ctx.range;
		const key = [from, to, state.bucket].join('|');
		if (cache && cache.key === key) {
			cache.state = state;
			drawAll();
			return;
		}
		for (const id of CARDS) card(id).loading();
		let data;
		try {
			data = await getJSON('/api/v1/stages', { from, to, bucket: state.bucket });
		} catch (e) {
			if (!ctx.isCurrent()) return;
			cache = null;
			document.getElementById('bottleneck').replaceChildren();
			for (const id of CARDS) card(id).error(e, ctx.reload);
			return;
		}
		if (!ctx.isCurrent()) return;
		cache = { key, data, state };
		drawAll();
	},
	redraw() {
		drawAll();
	},
});
