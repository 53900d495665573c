/*
 * Stages (/stages?stat=p50&from=…&to=…&bucket=month): how long creators
 * spend in each department and waiting for the next one, the bottleneck
 * (the stage with the largest share of the median journey), stage
 * statistics, who hands work to whom (the department matrix with its
 * ping-pongs, and the employee pairs: handoffs.js), and stage time per period.
 * Data: /api/v1/stages, /api/v1/handoffs.
 */
import { apiURL, getJSON } from '../api.js';
import { cutSegments, cutText, deptColor, deptIndex, destroyCharts, fastLine, isCut, makeChart, theme, timeAxis, valueAxis } from '../charts.js';
import { h } from '../dom.js';
import * as fmt from '../format.js';
import { def, nNote, tooFew } from '../defs.js';
import { setExports } from '../exports.js';
import { hrefFor, navigate } from '../state.js';
import { card, chartBox, defHead, deptSwatch, field, infoTip, keyFiguresFailed, select, showKeyFigures, startPage } from '../ui.js';
import { drawMatrix, drawPairs } from '../handoffs.js';

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

/* the departments in pipeline order */
function ordered(data) {
	return [...(data.departments || [])].sort((a, b) => a.position - b.position);
}

/** The name of the department before d (a wait is reported on the department it leads into). */
function previousName(depts, d) {
	const i = depts.findIndex((x) => x.name === d.name);
	return i > 0 ? depts[i - 1].name : null;
}

function drawTiles(data) {
	const el = document.getElementById('bottleneck');
	const depts = ordered(data);
	const bn = data.bottleneck || {};
	/* the path to campaign start: every stage but the last, and every wait (SPEC §3) */
	const path = depts.slice(0, -1);
	const waits = depts.filter((d) => d.wait && fmt.isNum(d.wait.p50));
	const pathSum = path.reduce((s, d) => s + (d.stage && fmt.isNum(d.stage.p50) ? d.stage.p50 : 0), 0)
		+ waits.reduce((s, d) => s + d.wait.p50, 0);
	const anyPath = path.some((d) => d.stage && fmt.isNum(d.stage.p50));
	const longestWait = [...waits].sort((a, b) => b.wait.p50 - a.wait.p50 || a.position - b.position)[0];
	const rc = { range: fmt.range(data.range.from, data.range.to) };
	const bnDept = depts.find((d) => d.name === bn.department);
	/* the overview's end-to-end figure of the same range (the API's end_to_end): the sum of medians is only its sketch */
	const e2e = data.end_to_end || {};
	const tiles = [
		['Bottleneck', bn.department || fmt.DASH, '', bn.department ? `${fmt.pct(bn.share)} of the sum of medians to campaign start` : 'no stage finished in this range', 'bottleneck', def('bottleneck')],
		[`Median days in ${bn.department || 'the bottleneck'}`, fmt.num(bn.p50, 1), fmt.dayWord(), 'per creator, first ticket opened to last closed', 'bottleneck-p50',
			def('bottleneck_p50', { ...rc, n: bnDept && bnDept.stage ? bnDept.stage.n : null })],
		['Longest handoff wait', longestWait ? fmt.num(longestWait.wait.p50, 1) : fmt.DASH, fmt.dayWord(), longestWait ? `median, ${previousName(depts, longestWait)} → ${longestWait.name}` : 'no handoff in this range', 'wait',
			def('longest_wait', { ...rc, n: longestWait ? longestWait.wait.n : null })],
		['End-to-end median', fmt.num(e2e.p50, 1), fmt.dayWord(), `${fmt.plural(e2e.n || 0, 'campaign')} started · sum of the medians ${anyPath ? fmt.days(pathSum) : fmt.DASH}`, 'e2e',
			`${def('end_to_end_kpi', { n: e2e.n })} ${def('e2e_sum')}`],
	];
	return showKeyFigures(el, tiles.map(([label, value, small, note, id, text]) =>
		h('div', { class: 'kpi', id: id ? `kpi-${id}` : null, dataset: { kpi: id } },
			h('div', { class: 'label' }, label, ' ', infoTip(text)),
			h('div', { class: 'value' }, value, small && value !== fmt.DASH ? [' ', h('small', {}, value === '1' ? small.replace(/s$/, '') : small)] : null),
			h('div', { class: 'delta' }, note))));
}

function drawJourney(data, state) {
	const c = card('journey');
	const st = statOf(state);
	const depts = ordered(data);
	if (!depts.some((d) => d.stage && d.stage.n > 0)) return c.empty('No creator finished a stage in this range', 'Try a longer range.');
	const t = theme();
	const waitColor = t.dark ? '#5d6773' : '#b9c0c8';
	const bn = data.bottleneck && data.bottleneck.department;
	const labels = depts.map((d) => (d.name === bn ? `${d.name} ◆` : d.name));
	const box = chartBox();
	box.style.height = `${Math.max(220, 70 + depts.length * 44)}px`;
	c.show(box, h('p', { class: 'legend-note' }, `◆ marks the bottleneck. Bars show the ${st.word} days per creator; the grey part is the wait for the department to start after the one before it finished.`));
	makeChart(box, {
		type: 'bar',
		data: {
			labels,
			datasets: [
				/* a wait is reported on the department it leads into: drawn before that stage */
				{ label: 'Handoff wait before it', data: depts.map((d) => (d.wait ? d.wait[st.value] : null)), backgroundColor: waitColor, stack: 's' },
				{ label: 'In the stage', data: depts.map((d) => (d.stage ? d.stage[st.value] : null)), backgroundColor: depts.map((d) => deptColor(d.name)), stack: 's' },
			],
		},
		options: {
			indexAxis: 'y',
			scales: { x: valueAxis(`${st.word} ${fmt.dayWord()} per creator`, { stacked: true }), y: { stacked: true, grid: { display: false } } },
			plugins: {
				legend: { labels: { generateLabels: () => [
					{ text: 'Handoff wait before the stage', fillStyle: waitColor, strokeStyle: 'transparent', lineWidth: 0, fontColor: t.text },
					{ text: 'In the stage (department colour)', fillStyle: t.muted, strokeStyle: t.muted, lineWidth: 0, fontColor: t.text },
				] } },
				tooltip: { callbacks: { label: (i) => {
					const d = depts[i.dataIndex];
					if (i.datasetIndex === 0) return `Wait ${previousName(depts, d)} → ${d.name}: ${fmt.days(i.parsed.x)}`;
					return `In ${d.name}: ${fmt.days(i.parsed.x)}`;
				} } },
			},
		},
	}, `${st.label} days in each stage and in the wait before it; bottleneck: ${bn || 'none'}`);
}

function drawTable(data, state) {
	const c = card('stagetable');
	const depts = ordered(data);
	if (!depts.length) return c.empty('No departments configured');
	if (!depts.some((d) => (d.stage && d.stage.n > 0) || (d.wait && d.wait.n > 0))) return c.empty('No stage ended in this range', 'Try a longer range.');
	const bn = data.bottleneck && data.bottleneck.department;
	const rc = { range: fmt.range(data.range.from, data.range.to) };
	c.show(h('div', { class: 'table-wrap' },
		h('table', { class: 'data compact', id: 'stage-table' },
			h('caption', { class: 'visually-hidden' }, 'Stage and handoff statistics per department'),
			h('thead', {}, h('tr', {},
				defHead('Stage', def('stage_col')),
				defHead('Creators', def('stage_n', rc), { class: 'n hide-sm' }),
				defHead('Median', def('stage_p50', rc), { class: 'n' }),
				defHead('Mean', def('stage_mean', rc), { class: 'n hide-sm' }),
				defHead('P90', def('stage_p90', rc), { class: 'n hide-sm' }),
				defHead([h('span', { class: 'hide-sm' }, 'Wait before'), h('span', { class: 'show-sm' }, 'Wait')], def('wait_p50', rc), { class: 'n' }),
				defHead('Share', def('share'), { class: 'n' }))),
			h('tbody', {}, depts.map((d) => h('tr', {},
				h('th', { scope: 'row' }, deptSwatch(deptIndex(d.name)), h('a', { href: hrefFor('/department', state, { dept: d.name }) }, d.name),
					d.name === bn ? h('span', { class: 'bn-mark', title: 'The bottleneck' }, ' ◆', h('span', { class: 'visually-hidden' }, ' (bottleneck)')) : null),
				h('td', { class: 'n hide-sm' }, fmt.int(d.stage && d.stage.n)),
				h('td', { class: 'n' }, fmt.num(d.stage && d.stage.p50, 1)),
				h('td', { class: 'n hide-sm' }, fmt.num(d.stage && d.stage.mean, 1)),
				h('td', { class: 'n hide-sm' }, fmt.num(d.stage && d.stage.p90, 1)),
				h('td', { class: 'n' }, d.wait ? fmt.num(d.wait.p50, 1) : fmt.DASH),
				h('td', { class: 'n' }, fmt.pct(d.p50_share))))))),
	h('p', { class: 'legend-note' }, 'Days per creator, for stages that ended in the range. Wait before: from the last ticket closed in the previous department to the first opened in this one. The last department starts the campaign, so it has no share of the way there.'));
}

function drawTrend(data, state) {
	const c = card('stagetrend');
	const st = statOf(state);
	const depts = ordered(data);
	const any = depts.some((d) => (d.series || []).some((s) => s.stage && fmt.isNum(s.stage[st.value])));
	if (!any) return c.empty('No stage finished in this range');
	const box = chartBox();
	c.show(box);
	makeChart(box, {
		type: 'line',
		data: {
			datasets: depts.map((d) => ({
				label: d.name,
				data: (d.series || []).map((s) => ({ x: (fmt.ms(s.start) + fmt.ms(s.end)) / 2, y: s.stage ? s.stage[st.value] : null, n: s.stage ? s.stage.n : 0 })),
				/* over fewer than min_closed creators: a hollow point */
				pointBackgroundColor: (d.series || []).map((s) => (tooFew(s.stage && s.stage.n) || isCut(s) ? 'transparent' : deptColor(d.name))),
				segment: cutSegments(d.series || []),
				borderColor: deptColor(d.name),
				backgroundColor: deptColor(d.name),
				pointRadius: state.bucket === 'day' ? 0 : 2.5,
			})),
		},
		options: {
			...fastLine(),
			interaction: { mode: 'nearest', axis: 'x', intersect: false },
			scales: { x: timeAxis(fmt.ms(data.range.from), fmt.ms(data.range.to)), y: valueAxis(`${st.word} ${fmt.dayWord()} in the stage`) },
			plugins: { ...fastLine().plugins, tooltip: { callbacks: { label: (i) => `${i.dataset.label}: ${fmt.days(i.parsed.y)} (${nNote(i.raw && i.raw.n, 'creators')})`, footer: (items) => cutText(((depts[items[0].datasetIndex] || {}).series || [])[items[0].dataIndex]) } } },
		},
	}, `${st.label} days in each stage per period`);
}

function drawAll() {
	if (!cache) return;
	destroyCharts();
	if (cache.data) drawTiles(cache.data);
	drawCharts();
}

/* everything but the key figures */
function drawCharts() {
	if (cache.data) {
		drawJourney(cache.data, cache.state);
		drawTable(cache.data, cache.state);
		drawTrend(cache.data, cache.state);
	}
	drawHandoffs();
}

function drawHandoffs() {
	if (!cache || !cache.ho) return;
	/* past six departments the matrix and the pairs need the whole width (a 12 x 12 matrix no longer fits seven columns) */
	const wide = (cache.ho.departments || []).length > 6;
	for (const [id, narrow] of [['handoffs', 'span-7'], ['pairs', 'span-5']]) {
		const el = document.getElementById(id);
		el.classList.toggle(narrow, !wide);
		el.classList.toggle('span-12', wide);
	}
	drawMatrix(card('handoffs'), cache.ho);
	drawPairs(card('pairs'), cache.ho, cache.state);
}

const CARDS = ['journey', 'stagetable', 'stagetrend'];
const HO_CARDS = ['handoffs', 'pairs'];
const PAIRS = 10; /* the employee pairs listed (the API's limit) */

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
		const req = { path: '/api/v1/stages', params: { from, to, bucket: state.bucket } };
		const hoReq = { path: '/api/v1/handoffs', params: { from, to, limit: PAIRS } };
		const key = `${apiURL(req.path, req.params)} ${apiURL(hoReq.path, hoReq.params)}`;
		if (cache && cache.key === key && cache.data && cache.ho) {
			cache.state = state;
			drawAll();
			return;
		}
		setExports('journey', req, [{ table: 'departments' }]);
		setExports('stagetable', req, [{ table: 'departments' }], { png: false });
		setExports('stagetrend', req, [{ table: 'series' }]);
		setExports('handoffs', hoReq, [{ table: 'flows' }]);
		setExports('pairs', hoReq, [{ table: 'pairs' }], { png: false });
		for (const id of [...CARDS, ...HO_CARDS]) card(id).loading();
		const mine = { key, data: null, ho: null, state };
		cache = mine;
		try {
			mine.data = await getJSON(req.path, req.params);
		} catch (e) {
			if (!ctx.isCurrent()) return;
			keyFiguresFailed(document.getElementById('bottleneck'));
			for (const id of CARDS) card(id).error(e, ctx.reload);
		}
		if (!ctx.isCurrent()) return;
		/* the key figures first, painted before any chart is built */
		destroyCharts();
		if (mine.data) await drawTiles(mine.data);
		if (!ctx.isCurrent()) return;
		/* the handoffs once the key figures are painted (docs/DASHBOARD.md "Key figures first") */
		const hoP = getJSON(hoReq.path, hoReq.params);
		hoP.catch(() => {}); /* handled below, after the charts: not an unhandled rejection meanwhile */
		drawCharts();
		try {
			const ho = await hoP;
			if (!ctx.isCurrent()) return;
			mine.ho = ho;
			drawHandoffs();
		} catch (e) {
			if (ctx.isCurrent()) for (const id of HO_CARDS) card(id).error(e, ctx.reload);
		}
	},
	redraw() {
		drawAll();
	},
});
