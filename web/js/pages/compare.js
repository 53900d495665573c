/*
 * Compare periods (/compare?a_from=…&a_to=…&b_from=…&b_to=…): lead time of
 * two periods per department, the change of the median and mean, and the
 * Mann–Whitney p-value in words ("likely a real change" / "could be
 * chance").  Without periods in the URL, B is the selected range and A the
 * equal stretch just before it.
 * Data: /api/v1/compare.
 */
import { getJSON } from '../api.js';
import { categoryAxis, deptColor, deptIndex, destroyCharts, makeChart, theme, valueAxis } from '../charts.js';
import { h } from '../dom.js';
import * as fmt from '../format.js';
import { setExports } from '../exports.js';
import { addDays, daysBetween, navigate, validDate } from '../state.js';
import * as drill from '../drill.js';
import { card, chartBox, defHead, defTerm, deptSwatch, startPage } from '../ui.js';
import { def } from '../defs.js';

let cache = null;
const inputs = {};

/** "p = 0.034" / "p < 0.001" */
export function pText(p) {
	if (!fmt.isNum(p)) return fmt.DASH;
	return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

function verdictOf(d) {
	if (!fmt.isNum(d.p_value)) return { text: 'not enough data', cls: 'chance', title: 'Needs at least 5 closed tickets in each period' };
	const real = d.verdict ? d.verdict === 'likely a real change' : d.p_value < 0.05;
	if (!real) return { text: 'could be chance', cls: 'chance', title: 'The difference is within what random variation produces (p ≥ 0.05)' };
	const c = d.change || {};
	const ch = fmt.isNum(c.p50) && c.p50 !== 0 ? c.p50 : fmt.isNum(c.mean) ? c.mean : 0;
	const dir = ch > 0 ? 'slower' : ch < 0 ? 'faster' : '';
	return { text: `likely a real change${dir ? ` (${dir})` : ''}`, dir, cls: `real${ch < 0 ? ' better' : ''}`, title: 'Random variation alone would rarely produce this difference (p < 0.05)' };
}

function previousOf(from, to) {
	const n = daysBetween(from, to) + 1;
	return { from: addDays(from, -n), to: addDays(from, -1) };
}

function lastYear(iso) {
	const [y, m, d] = iso.split('-');
	const s = `${Number(y) - 1}-${m}-${d}`;
	return validDate(s) || `${Number(y) - 1}-${m}-28`;
}

function periodControls(ctx) {
	const mk = (k) => {
		inputs[k] = h('input', { type: 'date', id: k, required: true });
		inputs[k].addEventListener('change', apply);
		return inputs[k];
	};
	function apply() {
		const v = {};
		for (const k of ['a_from', 'a_to', 'b_from', 'b_to']) v[k] = validDate(inputs[k].value);
		if (Object.values(v).some((x) => !x)) return;
		if (v.a_from > v.a_to) [v.a_from, v.a_to] = [v.a_to, v.a_from];
		if (v.b_from > v.b_to) [v.b_from, v.b_to] = [v.b_to, v.b_from];
		navigate(v);
	}
	const period = (tag, cls, label, a, b) => h('fieldset', { class: 'period' },
		h('legend', { class: 'visually-hidden' }, label),
		h('span', { class: `tag ${cls}`, 'aria-hidden': 'true' }, tag),
		h('div', { class: 'field' }, h('label', { for: a }, `${tag}: from`), mk(a)),
		h('div', { class: 'field' }, h('label', { for: b }, `${tag}: to`), mk(b)));
	const quick = (label, fn) => h('button', { type: 'button', class: 'btn', onclick: fn }, label);
	return [h('div', { class: 'periods' },
		period('A', 'a', 'Period A (before)', 'a_from', 'a_to'),
		period('B', 'b', 'Period B (after)', 'b_from', 'b_to'),
		h('div', { class: 'period quick' },
			quick('A = previous period', () => {
				const s = ctx.state;
				const p = previousOf(s.b_from, s.b_to);
				navigate({ a_from: p.from, a_to: p.to });
			}),
			quick('A = a year earlier', () => {
				const s = ctx.state;
				navigate({ a_from: lastYear(s.b_from), a_to: lastYear(s.b_to) });
			})))];
}

function drawChart(data) {
	const c = card('cmpchart');
	const depts = data.departments || [];
	if (!depts.some((d) => (d.a && d.a.n) || (d.b && d.b.n))) return c.empty('No tickets closed in either period');
	const t = theme();
	const box = chartBox();
	c.show(box, h('p', { class: 'legend-note' },
		h('span', {}, h('span', { class: 'swatch neutral faded', 'aria-hidden': 'true' }), `A: ${fmt.range(data.a.from, data.a.to)}`),
		h('span', {}, h('span', { class: 'swatch neutral', 'aria-hidden': 'true' }), `B: ${fmt.range(data.b.from, data.b.to)}`)));
	const chart = makeChart(box, {
		type: 'bar',
		data: {
			labels: depts.map((d) => d.name),
			datasets: [
				{ label: 'A', data: depts.map((d) => (d.a ? d.a.p50 : null)), backgroundColor: depts.map((d) => deptColor(d.name, 0.3)), borderColor: depts.map((d) => deptColor(d.name)), borderWidth: 1.5 },
				{ label: 'B', data: depts.map((d) => (d.b ? d.b.p50 : null)), backgroundColor: depts.map((d) => deptColor(d.name)) },
			],
		},
		options: {
			datasets: { bar: { categoryPercentage: 0.7, barPercentage: 0.9 } },
			scales: { x: categoryAxis({ ticks: { color: t.text, autoSkip: false } }), y: valueAxis(`median ${fmt.dayWord()} to close`) },
			plugins: {
				legend: { display: false },
				tooltip: { callbacks: { label: (i) => {
					const d = depts[i.dataIndex];
					const side = i.datasetIndex === 0 ? d.a : d.b;
					return `${i.dataset.label}: median ${fmt.days(side && side.p50)} (${fmt.plural(side ? side.n : 0, 'ticket')})`;
				} } },
			},
		},
	}, 'Median days to close in period A and period B per department');
	drill.attach(chart, (el) => sideSpec(data, depts[el.index], el.datasetIndex === 0 ? 'a' : 'b'), { name: 'Median days to close, A and B' });
}

/* the closes of department d in period A or B (drill.js) */
function sideSpec(data, d, side) {
	const block = d && d[side];
	if (!block || !block.n) return null;
	const r = data[side];
	const sp = drill.spec('closed', r.from, r.to, { department: d.name, name: d.name },
		{ label: `${side.toUpperCase()}: ${d.name}`, figure: `median ${fmt.days(block.p50)} · n ${fmt.int(block.n)}` });
	return { ...sp, title: `${side.toUpperCase()} · ${sp.title}` };
}

function drawTable(data) {
	const c = card('cmptable');
	const depts = data.departments || [];
	if (!depts.length) return c.empty('No departments configured');
	const real = depts.filter((d) => fmt.isNum(d.p_value) && verdictOf(d).cls.startsWith('real'));
	/* a change is coloured (better / worse) only where the test says it is likely real */
	const chg = (v, real, unit = ' d') => {
		if (!fmt.isNum(v)) return h('span', { class: 'chg flat' }, fmt.DASH);
		const x = fmt.change(v, 0, { higherIsBetter: false, unit });
		return h('span', { class: `chg ${real ? x.cls : 'flat'}` }, `${x.arrow} ${x.text}`.trim());
	};
	const insight = real.length
		? [h('strong', {}, `Lead time likely changed in ${real.length} of ${depts.length} departments`), ': ',
			real.map((d) => `${d.name} (${verdictOf(d).dir || 'changed'}: median ${fmt.num(d.a && d.a.p50, 1)} → ${fmt.num(d.b && d.b.p50, 1)} d, mean ${fmt.num(d.a && d.a.mean, 1)} → ${fmt.num(d.b && d.b.mean, 1)} d)`).join('; '), '.']
		: [h('strong', {}, 'No department changed beyond what chance explains'), ' between the two periods.'];
	c.show(
		h('p', { class: 'insight', id: 'cmp-insight' }, ...insight),
		h('div', { class: 'table-wrap stack-sm' },
			h('table', { class: 'data stack-sm', id: 'cmp-table' },
				h('caption', { class: 'visually-hidden' }, `Lead time in period A (${fmt.range(data.a.from, data.a.to)}) and B (${fmt.range(data.b.from, data.b.to)})`),
				h('thead', {}, h('tr', {},
					defHead('Department', def('department_col')),
					defHead('A median', def('cmp_median', { side: 'A', range: fmt.range(data.a.from, data.a.to) }), { class: 'n' }),
					defHead('B median', def('cmp_median', { side: 'B', range: fmt.range(data.b.from, data.b.to) }), { class: 'n' }),
					defHead('Median Δ', def('cmp_change_p50'), { class: 'n' }),
					defHead('Mean Δ', def('cmp_change_mean'), { class: 'n' }),
					defHead('p-value', def('p_value'), { class: 'n' }),
					defHead('Verdict', def('verdict')))),
				h('tbody', {}, depts.map((d) => {
					const v = verdictOf(d);
					return h('tr', {},
						h('th', { scope: 'row' }, deptSwatch(deptIndex(d.name)), d.name),
						h('td', { class: 'n', 'data-label': 'A median (closed)' }, h('span', {}, fmt.num(d.a && d.a.p50, 1), h('span', { class: 'muted' }, ` (${fmt.int(d.a ? d.a.n : 0)})`))),
						h('td', { class: 'n', 'data-label': 'B median (closed)' }, h('span', {}, fmt.num(d.b && d.b.p50, 1), h('span', { class: 'muted' }, ` (${fmt.int(d.b ? d.b.n : 0)})`))),
						h('td', { class: 'n', 'data-label': 'Median change' }, chg(d.change && d.change.p50, v.cls.startsWith('real'))),
						h('td', { class: 'n', 'data-label': 'Mean change' }, chg(d.change && d.change.mean, v.cls.startsWith('real'))),
						h('td', { class: 'n p-value', 'data-label': 'p-value' }, pText(d.p_value)),
						h('td', { class: `verdict ${v.cls}`, title: v.title, 'data-label': 'Verdict' }, v.text));
				}), e2eRow(data, chg)))),
		h('p', { class: 'legend-note' }, 'In brackets: tickets closed in the period (for end-to-end: campaigns started, from first contact to campaign start). “Likely a real change” means p < 0.05: random variation alone would rarely produce a difference this large; only those changes are coloured. With fewer than 5 closed tickets on a side there is no test.'));
}

/*
 * The pipeline's end-to-end lead time in A and in B (the API's end_to_end):
 * per period the overview's end-to-end median of that period, with its n
 * (campaigns started), and the same test as the departments'.
 */
function e2eRow(data, chg) {
	const e = data.end_to_end;
	if (!e) return null;
	const v = verdictOf(e);
	const real = v.cls.startsWith('real');
	const side = (b) => h('span', {}, fmt.num(b && b.p50, 1), h('span', { class: 'muted' }, ` (${fmt.int(b ? b.n : 0)})`));
	return h('tr', { class: 'e2e', dataset: { row: 'end_to_end' } },
		h('th', { scope: 'row', title: 'End-to-end' }, defTerm('End-to-end', def('cmp_e2e'))),
		h('td', { class: 'n', 'data-label': 'A end-to-end median (campaigns)', dataset: { side: 'a' } }, side(e.a)),
		h('td', { class: 'n', 'data-label': 'B end-to-end median (campaigns)', dataset: { side: 'b' } }, side(e.b)),
		h('td', { class: 'n', 'data-label': 'Median change' }, chg(e.change && e.change.p50, real)),
		h('td', { class: 'n', 'data-label': 'Mean change' }, chg(e.change && e.change.mean, real)),
		h('td', { class: 'n p-value', 'data-label': 'p-value' }, pText(e.p_value)),
		h('td', { class: `verdict ${v.cls}`, title: v.title, 'data-label': 'Verdict' }, v.text));
}

function drawAll() {
	if (!cache) return;
	destroyCharts();
	drawChart(cache.data);
	drawTable(cache.data);
	/* the medians' cells: that period's closes (drill.js) */
	const depts = cache.data.departments || [];
	drill.attachCells(document.getElementById('cmp-table'), 'tbody td[data-label^="A median"], tbody td[data-label^="B median"]',
		(td) => sideSpec(cache.data, depts[td.parentElement.rowIndex - 1], td.dataset.label.startsWith('A') ? 'a' : 'b'));
}

startPage({
	path: '/compare',
	title: 'Compare',
	keys: ['a_from', 'a_to', 'b_from', 'b_to'],
	toolbar: { range: false, bucket: false },
	normalize(state, ctx) {
		const asOf = ctx.asOf;
		const v = {};
		for (const k of ['a_from', 'a_to', 'b_from', 'b_to']) v[k] = validDate(state[k]);
		if (!v.b_from || !v.b_to) {
			v.b_from = ctx.range.from;
			v.b_to = ctx.range.to;
		}
		if (v.b_from > v.b_to) [v.b_from, v.b_to] = [v.b_to, v.b_from];
		if (v.b_to > asOf) v.b_to = asOf;
		if (!v.a_from || !v.a_to) {
			const p = previousOf(v.b_from, v.b_to);
			v.a_from = p.from;
			v.a_to = p.to;
		}
		if (v.a_from > v.a_to) [v.a_from, v.a_to] = [v.a_to, v.a_from];
		return v;
	},
	controls(ctx) {
		return periodControls(ctx);
	},
	sync(state, ctx) {
		for (const k of ['a_from', 'a_to', 'b_from', 'b_to']) {
			inputs[k].value = state[k] || '';
			inputs[k].max = ctx.asOf;
		}
	},
	async load(state, ctx) {
		for (const id of ['cmpchart', 'cmptable']) card(id).loading();
		const req = { path: '/api/v1/compare', params: { a_from: state.a_from, a_to: state.a_to, b_from: state.b_from, b_to: state.b_to } };
		setExports('cmptable', req, [{ table: 'departments', label: 'departments' }, { table: 'end_to_end', label: 'end-to-end' }], { png: false });
		setExports('cmpchart', req, [{ table: 'departments' }]);
		let data;
		try {
			data = await getJSON(req.path, req.params);
		} catch (e) {
			if (!ctx.isCurrent()) return;
			cache = null;
			destroyCharts();
			for (const id of ['cmpchart', 'cmptable']) card(id).error(e, ctx.reload);
			return;
		}
		if (!ctx.isCurrent()) return;
		cache = { data, state };
		drawAll();
	},
	redraw() {
		drawAll();
	},
});
