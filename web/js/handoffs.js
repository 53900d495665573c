/*
 * handoffs.js - who hands work to whom (/api/v1/handoffs), drawn on the
 * stages page: the department × department matrix as a table grid (rows =
 * the giving department, columns = the receiving one; each cell shaded by
 * its count on the sequential heatmap scale, the count printed, the
 * ping-pongs as a second small number), the totals, and the employee pairs
 * with the most handoffs.
 *
 * A table rather than a chart: every number is in the page as text (screen
 * readers walk it by row and column headers), and no plugin is needed.
 * exports.js paints it into the card's PNG (`table.png-grid`).
 */
import { deptIndex } from './charts.js';
import { h } from './dom.js';
import * as fmt from './format.js';
import { hrefFor } from './state.js';
import { defHead, deptSwatch, infoTip } from './ui.js';
import { def } from './defs.js';

export const PINGPONG_NOTE = 'ping-pong: work handed back, A → B → A';

/* the departments of the answer in pipeline order, with their row/column in the matrix */
function ordered(data) {
	return (data.departments || []).map((d, i) => ({ ...d, i })).sort((a, b) => a.position - b.position);
}

/** The level 0…8 of the sequential scale for count v against the largest cell. */
function level(v, max) {
	return !fmt.isNum(v) || v <= 0 || max <= 0 ? 0 : Math.max(1, Math.min(8, Math.ceil((v / max) * 8)));
}

function cellText(from, to, n, pp) {
	const what = from === to ? `${from} → another employee of ${to}` : `${from} → ${to}`;
	return `${what}: ${fmt.plural(n, 'handoff')}${pp ? `, ${fmt.int(pp)} of them ping-pong (handed back)` : ''}`;
}

/** The sentence over the matrix: where work is handed back most. */
function sentence(data, depts) {
	let worst = null;
	for (const a of depts) for (const b of depts) {
		const pp = data.pingpong[a.i][b.i];
		if (pp > 0 && (!worst || pp > worst.pp)) worst = { from: a.name, to: b.name, pp };
	}
	if (!worst) return ['No work was handed back in this range: ', h('strong', {}, 'no ping-pong'), '.'];
	const what = worst.from === worst.to ? `within ${worst.from}` : `from ${worst.from} to ${worst.to}`;
	return ['Work is handed back most often ', h('strong', {}, what),
		`: ${fmt.plural(worst.pp, 'ping-pong')} (work returned to the employee who had just handed it over).`];
}

/**
 * The matrix card `c` (ui.js card) from the /api/v1/handoffs answer.
 * Empty range: a sentence, not an empty grid.
 */
export function drawMatrix(c, data) {
	const depts = ordered(data);
	const t = data.totals || {};
	if (!depts.length) return c.empty('No departments configured');
	if (!t.handoffs) {
		return c.empty('No handoffs in this range',
			'A handoff is a creator’s next ticket held by another employee, counted on the day that ticket opened. Try a longer range.');
	}
	const max = Math.max(0, ...depts.flatMap((a) => depts.map((b) => data.matrix[a.i][b.i])));
	const head = h('tr', {},
		/* the cells' definition on the corner: every department column counts the same */
		h('td', { class: 'corner' }, h('span', { 'aria-hidden': 'true' }, 'From ↓ · to →'), ' ', infoTip(def('handoff_cell'))),
		depts.map((b) => h('th', { scope: 'col', class: 'to', dataset: { dept: b.name, def: 'first' } },
			h('span', { class: 'vt', title: b.name }, deptSwatch(deptIndex(b.name)), b.name))),
		defHead('Given', def('handoffs_given'), { class: 'n total hide-sm' }));
	const rows = depts.map((a) => h('tr', { dataset: { dept: a.name } },
		h('th', { scope: 'row' }, deptSwatch(deptIndex(a.name)), a.name),
		depts.map((b) => {
			const n = data.matrix[a.i][b.i], pp = data.pingpong[a.i][b.i];
			const cls = ['ho', `q${level(n, max)}`, a.i === b.i ? 'diag' : null, pp > 0 ? 'has-pp' : null].filter(Boolean).join(' ');
			return h('td', { class: cls, title: cellText(a.name, b.name, n, pp), dataset: { from: a.name, to: b.name } },
				n > 0 ? h('span', { class: 'hv' }, fmt.int(n)) : h('span', { class: 'hv visually-hidden' }, '0'),
				pp > 0 ? h('span', { class: 'pp' }, h('span', { 'aria-hidden': 'true' }, '↺'), h('span', { class: 'visually-hidden' }, ' ping-pong '), h('span', { class: 'ppv' }, fmt.int(pp))) : null);
		}),
		h('td', { class: 'n total hide-sm' }, fmt.int(a.given))));
	const foot = h('tr', { class: 'totals hide-sm' },
		h('th', { scope: 'row' }, 'Received'),
		depts.map((b) => h('td', { class: 'n total' }, fmt.int(b.received))),
		h('td', { class: 'n total' }, fmt.int(t.handoffs)));
	const table = h('table', { class: `data handoff-matrix png-grid${depts.length > 6 ? ' upright' : ''}`, id: 'handoff-matrix' },
		h('caption', { class: 'visually-hidden' }, `Handoffs from the department of each row to the department of each column, ${fmt.range(data.range.from, data.range.to)}; the second number of a cell counts the ping-pongs`),
		h('thead', {}, head), h('tbody', {}, rows, foot));
	c.show(
		h('dl', { class: 'figs-row', id: 'handoff-totals' },
			h('div', { dataset: { total: 'handoffs' } }, h('dt', {}, 'Handoffs ', infoTip(def('ho_total', { range: fmt.range(data.range.from, data.range.to) }))), h('dd', {}, fmt.int(t.handoffs))),
			h('div', { dataset: { total: 'pingpong' } }, h('dt', {}, 'Ping-pongs ', infoTip(def('pair_pingpong'))), h('dd', {}, fmt.int(t.pingpong))),
			h('div', { dataset: { total: 'pingpong_rate' } }, h('dt', {}, 'Ping-pong rate ', infoTip(def('ho_rate'))), h('dd', {}, fmt.pct(t.pingpong_rate, 1)))),
		h('p', { class: 'insight', id: 'handoff-sentence' }, ...sentence(data, depts)),
		h('div', { class: 'table-wrap matrix-wrap' }, table),
		h('div', { class: 'legend-note scale-legend' },
			h('span', {}, 'Handoffs per cell: 1'),
			h('span', { class: 'ramp', 'aria-hidden': 'true' }, ['q1', 'q3', 'q5', 'q7'].map((x) => h('i', { class: x }))),
			h('span', {}, `${fmt.int(max)} (the most in one cell)`)),
		h('p', { class: 'legend-note' },
			h('span', {}, h('span', { class: 'pp-key', 'aria-hidden': 'true' }, '↺ 2'), ` ${PINGPONG_NOTE} (here: 2 of the cell’s handoffs)`),
			h('span', {}, h('span', { class: 'diag-key', 'aria-hidden': 'true' }), 'dashed: to another employee of the same department')));
}

/** An employee of a pair: the name (a link to the employee page, with the view) over the department. */
function who(e, state) {
	return [h('a', { href: hrefFor('/employee', state, { emp: e.id, dept: null }), title: e.name }, e.name),
		h('span', { class: 'pair-dept' }, deptSwatch(deptIndex(e.department)), e.department)];
}

/** The pairs card `c`: the employee pairs with the most handoffs, as the API ranks them. */
export function drawPairs(c, data, state) {
	const pairs = data.pairs || [];
	if (!pairs.length) return c.empty('No handoffs in this range', 'Try a longer range.');
	const shown = pairs.length < data.pairs_total ? `The ${fmt.int(pairs.length)} pairs with the most handoffs, of ${fmt.int(data.pairs_total)}.` : `All ${fmt.plural(pairs.length, 'pair')} with a handoff in this range.`;
	c.show(h('div', { class: 'table-wrap' },
		h('table', { class: 'data pairs', id: 'pairs-table' },
			h('caption', { class: 'visually-hidden' }, `Employee pairs by handoffs, ${fmt.range(data.range.from, data.range.to)}`),
			h('thead', {}, h('tr', {},
				defHead('#', def('pair_rank'), { class: 'n hide-sm' }),
				defHead('Gives', def('pair_from')),
				defHead('Receives', def('pair_to')),
				defHead('Handoffs', def('pair_handoffs', { range: fmt.range(data.range.from, data.range.to) }), { class: 'n' }),
				defHead('Ping-pong', def('pair_pingpong'), { class: 'n' }))),
			h('tbody', {}, pairs.map((p, i) => h('tr', {},
				h('td', { class: 'n hide-sm muted' }, fmt.int(i + 1)),
				h('td', { class: 'who giver' }, who(p.from, state)),
				h('td', { class: 'who receiver' }, who(p.to, state)),
				h('td', { class: 'n' }, fmt.int(p.handoffs)),
				h('td', { class: `n${p.pingpong > 0 ? ' pp-n' : ''}` }, p.pingpong > 0 ? ['↺ ', fmt.int(p.pingpong)] : '0')))))),
	h('p', { class: 'legend-note', id: 'pairs-note' }, h('span', {}, shown), h('span', {}, `Ping-pong: ${PINGPONG_NOTE.replace(/^ping-pong: /, '')}.`)));
}
