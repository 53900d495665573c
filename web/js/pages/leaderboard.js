/*
 * Leaderboard (/leaderboard?period=week): per department, the employees who
 * closed the most, closed fastest (lowest median) and kept the SLA best,
 * for the last full day or the last full ISO week before as_of.
 * Data: /api/v1/leaderboard.
 */
import { apiURL, getJSON } from '../api.js';
import { deptIndex } from '../charts.js';
import { h } from '../dom.js';
import * as fmt from '../format.js';
import { setExports } from '../exports.js';
import { hrefFor, navigate } from '../state.js';
import { card, deptSwatch, infoTip, startPage } from '../ui.js';
import { def } from '../defs.js';
import * as drill from '../drill.js';

const PERIODS = [
	{ id: 'day', label: 'Last day' },
	{ id: 'week', label: 'Last week' },
];
const BOARDS = [
	{ key: 'most_closed', def: 'most_closed', title: 'Most closed', value: (e) => `${fmt.int(e.value)} closed`, extra: () => '' },
	{ key: 'fastest_p50', def: 'fastest', title: 'Fastest (median days)', value: (e) => fmt.days(e.value), extra: (e) => `${fmt.int(e.closed)} closed` },
	{ key: 'best_sla', def: 'best_sla', title: 'Best within SLA', value: (e) => fmt.pct(e.value), extra: (e) => `${fmt.int(e.closed)} closed` },
];
let seg;
let cache = null; /* {key, data} */

function periodOf(state) {
	return PERIODS.find((p) => p.id === state.period) || PERIODS[1];
}

function segmented() {
	seg = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Period', id: 'period' },
		PERIODS.map((p) => h('button', { type: 'button', dataset: { period: p.id }, 'aria-pressed': 'false', onclick: () => navigate({ period: p.id }) }, p.label)));
	return h('div', { class: 'field' }, h('span', { id: 'period-label' }, 'Period'), seg);
}

function draw(data, state) {
	const c = card('boards');
	const p = periodOf(state);
	const block = data[p.id];
	if (!block || !(block.departments || []).length) return c.empty('Nothing to rank');
	c.sub.textContent = p.id === 'day'
		? `${fmt.date(block.start)}: the day before the data’s last day (${fmt.date(data.as_of)})`
		: `Monday to Sunday, ${fmt.range(block.start, block.end)}: the week before the week of ${fmt.date(data.as_of)}`;
	const need = Math.max(1, data.min_closed || 1);
	const anyone = block.departments.some((d) => BOARDS.some((b) => (d[b.key] || []).length));
	if (!anyone) return c.empty(`Nobody closed a ticket ${p.id === 'day' ? 'that day' : 'that week'}`);
	c.show(h('div', { class: block.departments.length > 6 ? 'boards many' : 'boards' }, block.departments.map((d) => h('article', { class: 'board card', 'aria-label': d.name },
		h('div', { class: 'card-head' }, h('h3', {}, deptSwatch(deptIndex(d.name)), h('a', { href: hrefFor('/department', state, { dept: d.name }) }, d.name))),
		h('div', { class: 'card-body lists' }, BOARDS.map((b) => {
			const list = d[b.key] || [];
			return h('section', { dataset: { board: b.key } },
				h('h4', {}, b.title, ' ', infoTip(def(b.def, { min: need }))),
				list.length
					/* the API's rank: equal values share it (1, 2, 2, 4); `value` numbers the item for assistive technology */
					? h('ol', { class: 'rank' }, list.map((e, i) => h('li', { value: String(e.rank ?? i + 1), dataset: { entry: `${e.id}|${b.key}`, rank: String(e.rank ?? i + 1) } },
						h('a', { class: 'who', href: hrefFor('/employee', state, { emp: e.id, dept: null }) }, e.name),
						b.extra(e) ? h('span', { class: 'extra' }, b.extra(e)) : null,
						h('span', { class: 'val' }, b.value(e)))))
					: h('p', { class: 'rank-empty' }, b.key === 'most_closed' ? 'Nobody closed a ticket.'
						/* ranked on the fastest list, yet none within the SLA: all at 0%, who are not "the best" */
						: b.key === 'best_sla' && (d.fastest_p50 || []).length ? `Nobody who closed ${fmt.int(need)} or more had one within the SLA (0% is not among the best).`
							: `Nobody closed ${fmt.int(need)} or more tickets.`));
		}))))),
	h('p', { class: 'legend-note' }, `Top ${fmt.int(data.size)} per list. Fastest (the lowest median days to close) and best within SLA rank only employees who closed at least ${fmt.plural(need, 'ticket')} in the period; equal values share a rank (listed by name).`));
	/* a value: the employee's closes of the period (drill.js) */
	const entries = new Map();
	for (const d of block.departments) for (const b of BOARDS) for (const e of d[b.key] || []) entries.set(e, b);
	const all = [...entries.keys()];
	drill.attachCells(c.body, 'ol.rank .val', (el) => {
		const li = el.closest('li');
		const e = all.find((x) => li.dataset.entry === `${x.id}|${entries.get(x).key}`);
		return e ? drill.spec('closed', block.start, block.end, { employee_id: e.id, name: e.name }, { figure: `${entries.get(e).title}: ${entries.get(e).value(e)}` }) : null;
	});
}

startPage({
	path: '/leaderboard',
	title: 'Leaderboard',
	keys: ['period'],
	toolbar: { range: false, bucket: false },
	charts: false,
	normalize(state) {
		return state.period && !PERIODS.some((p) => p.id === state.period) ? { period: null } : null;
	},
	controls() {
		return [segmented()];
	},
	sync(state) {
		const p = periodOf(state);
		for (const b of seg.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.period === p.id));
	},
	async load(state, ctx) {
		const req = { path: '/api/v1/leaderboard', params: {} };
		const key = apiURL(req.path, req.params);
		setExports('boards', req, [{ table: 'entries' }], { png: false });
		if (cache && cache.key === key) return draw(cache.data, state);
		card('boards').loading();
		let data;
		try {
			data = await getJSON(req.path, req.params);
		} catch (e) {
			if (ctx.isCurrent()) card('boards').error(e, ctx.reload);
			return;
		}
		if (!ctx.isCurrent()) return;
		cache = { key, data };
		draw(data, state);
	},
	redraw(ctx) {
		if (cache) draw(cache.data, ctx.state);
	},
});
