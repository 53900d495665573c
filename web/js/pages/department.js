/*
 * Department (/department?dept=Sales&from=…&to=…&bucket=week&sort=p50&dir=desc):
 * the department's key figures; the team table, sortable, each metric cell
 * shaded against the team (SPEC §3 relative shading: `scores`) and the cells
 * that break a threshold flagged, with the rule explained on hover and focus;
 * workload per employee; days-to-close boxplot per employee (from `box`);
 * closes per week per employee over time (a heatmap table); aging work in
 * progress per employee, the oldest open tickets, open tickets per employee.
 * Data: /api/v1/departments/{name}, /api/v1/wip?department=.
 */
import { apiURL, getJSON } from '../api.js';
import { notesByBucket, showMarkerList } from '../annotations.js';
import { deptColor, destroyCharts, isCut, makeChart, refLine, theme, valueAxis } from '../charts.js';
import { h } from '../dom.js';
import * as fmt from '../format.js';
import { setExports } from '../exports.js';
import { daysBetween, hrefFor, navigate } from '../state.js';
import { card, chartBox, defHead, field, floatTip, infoTip, keyFiguresFailed, select, showKeyFigures, startPage } from '../ui.js';
import { def, getMinClosed, nNote, tooFew } from '../defs.js';
import { drawOldest, drawWipChart, drawWipEmployees } from '../wip.js';
import * as drill from '../drill.js';

let cache = null; /* {key, data, wip, state} */
let deptSelect;

/* the team table's columns; `score` names the key in employee.scores */
const COLUMNS = [
	{ id: 'name', label: 'Employee', get: (e) => e.name, text: true, def: 'employee_col' },
	/* `closes`: the statistic rests on the employee's closes (n = closed): greyed and not judged under min_closed */
	{ id: 'closed', label: 'Closed', get: (e) => e.totals.closed, show: (v) => fmt.int(v), score: 'closed', closes: true, def: 'closed' },
	{ id: 'p50', label: 'Median days', short: 'Median', get: (e) => lt(e).p50, show: (v) => fmt.num(v, 1), score: 'lead_time_p50', flag: 'p50_ratio', closes: true, def: 'p50' },
	{ id: 'sla', label: 'Within SLA', short: 'In SLA', get: (e) => e.totals.sla_hit_rate, show: (v) => fmt.pct(v), score: 'sla_hit_rate', flag: 'min_sla_hit_rate', closes: true, def: 'sla' },
	{ id: 'open', label: 'Avg open', get: (e) => e.totals.avg_open, show: (v) => fmt.num(v, 1), score: 'avg_open', neutral: true, flag: 'max_avg_open', def: 'avg_open' },
	{ id: 'cpw', label: 'Closes / week', get: (e) => e.totals.closes_per_week, show: (v) => fmt.num(v, 1), score: 'closes_per_week', wide: true, closes: true, def: 'closes_per_week' },
	{ id: 'p90', label: '90th pct days', get: (e) => lt(e).p90, show: (v) => fmt.num(v, 1), wide: true, closes: true, def: 'p90' },
	{ id: 'share', label: 'Workload share', get: (e) => e.totals.workload_share, show: (v) => fmt.pct(v, 1), score: 'workload_share', neutral: true, wide: true, def: 'workload_share' },
	/* re-entries and their share of the tickets opened, in one column ("3 (12.5%)"); sorted by the share */
	{ id: 'rework', label: 'Rework', get: (e) => e.totals.rework_rate, show: (v) => fmt.pct(v, 1), cell: (e) => fmt.rework(e.totals), wide: true, def: 'rework',
		title: (e) => `${fmt.int(e.totals.rework)} of the ${fmt.int(e.totals.opened)} tickets ${e.name} opened are re-entries` },
];
const SORTS = COLUMNS.map((c) => c.id);

function lt(e) {
	return (e.totals && e.totals.lead_time) || {};
}

/* ---- flags and shading ---- */

/**
 * Two numbers shown with as many decimals (up to 3) as it takes to tell them
 * apart: a flagged 3.022 against a limit of 3 must not read "3 > 3".
 */
function distinct(v, l, show) {
	for (let d = 0; d <= 3; d++) {
		const a = show(v, d), b = show(l, d);
		if (a !== b || d === 3) return [a, b];
	}
	return [show(v, 1), show(l, 1)];
}
const asNum = (x, d) => fmt.num(x, Math.max(1, d));
const asPct = (x, d) => fmt.pct(x, Math.max(0, d - 1));

/** A sentence explaining a threshold flag. */
export function flagText(f, sla) {
	switch (f.rule) {
	case 'p50_ratio': {
		const [v, l] = distinct(f.value, f.limit, asNum);
		return `Median of ${v} days to close is above the limit of ${l} days (the department’s median times the allowed ratio).`;
	}
	case 'min_sla_hit_rate': {
		const [v, l] = distinct(f.value, f.limit, asPct);
		return `Only ${v} of tickets closed within the ${sla}-day SLA; the minimum is ${l}.`;
	}
	case 'max_avg_open': {
		const [v, l] = distinct(f.value, f.limit, asNum);
		return `${v} tickets open on an average day; the maximum is ${l}.`;
	}
	default:
		return `${f.rule}: ${fmt.num(f.value, 3)} (limit ${fmt.num(f.limit, 3)}).`;
	}
}

/** A flagged cell's value, precise enough to differ from its limit. */
function flaggedValue(col, v, flag) {
	if (!fmt.isNum(v) || !flag || !fmt.isNum(flag.limit)) return col.show(v);
	return distinct(v, flag.limit, col.id === 'sla' ? asPct : asNum)[0];
}

function shadeClass(score, neutral) {
	if (!fmt.isNum(score)) return '';
	const a = Math.abs(score);
	if (neutral) {
		const lvl = a >= 0.5 ? 2 : a >= 0.15 ? 1 : 0;
		return lvl ? `w-${score > 0 ? 'p' : 'n'}${lvl}` : '';
	}
	const lvl = Math.min(4, Math.round(a * 4));
	return lvl ? `s-${score > 0 ? 'p' : 'n'}${lvl}` : '';
}

function shadeTitle(score, neutral) {
	if (!fmt.isNum(score) || Math.abs(score) < 0.125) return 'About the team average';
	if (neutral) return score > 0 ? 'Above the team average' : 'Below the team average';
	const strength = Math.abs(score) >= 0.99 ? 'Far ' : Math.abs(score) >= 0.5 ? '' : 'Slightly ';
	return `${strength}${score > 0 ? 'better' : 'worse'} than the team average`.replace(/^./, (c) => c.toUpperCase());
}

/* ---- team table ---- */

function sortedEmployees(emps, sort, dir) {
	const col = COLUMNS.find((c) => c.id === sort) || COLUMNS[0];
	const sign = dir === 'desc' ? -1 : 1;
	return [...emps].sort((a, b) => {
		const x = col.get(a), y = col.get(b);
		if (col.text) return sign * String(x).localeCompare(String(y));
		const xn = fmt.isNum(x), yn = fmt.isNum(y);
		if (!xn || !yn) return xn === yn ? a.name.localeCompare(b.name) : xn ? -1 : 1; /* blanks last */
		return sign * (x - y) || a.name.localeCompare(b.name);
	});
}

function drawTable(data, state) {
	const c = card('team');
	const emps = data.employees || [];
	if (!emps.length) return c.empty('No employee of this department had tickets in this range');
	const sort = SORTS.includes(state.sort) ? state.sort : 'name';
	const dir = state.dir === 'desc' ? 'desc' : 'asc';
	const sla = data.department.sla_days;
	const head = h('tr', {}, COLUMNS.map((col) => {
		const active = col.id === sort;
		const nextDir = active ? (dir === 'asc' ? 'desc' : 'asc') : col.text ? 'asc' : 'desc';
		return h('th', {
			scope: 'col',
			class: `${col.text ? 'sticky-col' : 'n'}${col.wide ? ' hide-sm' : ''}`,
			'aria-sort': active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none',
		}, h('button', {
			type: 'button',
			class: 'sort',
			dataset: { sort: col.id },
			'aria-label': `Sort by ${col.label}${active ? (dir === 'asc' ? ', currently ascending' : ', currently descending') : ''}`,
			onclick: () => navigate({ sort: col.id, dir: nextDir }),
		}, col.short ? [h('span', { class: 'hide-sm' }, col.label), h('span', { class: 'show-sm', 'aria-hidden': 'true' }, col.short)] : col.label,
		h('span', { class: 'arrow', 'aria-hidden': 'true' }, active ? (dir === 'asc' ? '▲' : '▼') : '↕')),
		/* what the column counts, on hover and focus (defs.js) */
		col.def ? infoTip(def(col.def, { sla, range: fmt.range(data.range.from, data.range.to), days: daysBetween(data.range.from, data.range.to) + 1 })) : null);
	}));
	let tipN = 0;
	const rows = sortedEmployees(emps, sort, dir).map((e) => h('tr', { dataset: { emp: e.id } }, COLUMNS.map((col) => {
		if (col.text) {
			return h('th', { scope: 'row', class: 'sticky-col' },
				h('a', { href: hrefFor('/employee', state, { emp: e.id, dept: null }), title: e.name }, e.name));
		}
		const v = col.get(e);
		const score = col.score && e.scores ? e.scores[col.score] : null;
		const flags = col.flag ? (e.flags || []).filter((f) => f.rule === col.flag) : [];
		const n = lt(e).n ?? e.totals.closed;
		/* on fewer than min_closed closes: greyed, n beside it, neither shaded nor flagged (the API's rule) */
		const few = col.closes && tooFew(n);
		const cls = ['n', few ? 'few' : shadeClass(score, col.neutral), col.wide ? 'hide-sm' : ''].filter(Boolean);
		if (!flags.length) {
			const title = few ? `${e.name}: ${nNote(n)}`
				: [col.score ? shadeTitle(score, col.neutral) : col.title ? col.title(e) : null, col.closes && col.id !== 'closed' ? nNote(n) : null].filter(Boolean).join(' · ') || null;
			return h('td', { class: cls.join(' '), title, dataset: { col: col.id, n: col.closes ? n : null } },
				col.cell ? col.cell(e) : col.show(v),
				few && col.id !== 'closed' && fmt.isNum(v) ? h('span', { class: 'n-of' }, ` n ${fmt.int(n)}`) : null);
		}
		const text = flags.map((f) => flagText(f, sla)).join(' ');
		const id = `tip-${++tipN}`;
		cls.push('flagged');
		return h('td', { class: cls.join(' '), dataset: { flag: col.flag } },
			h('span', { class: 'flag', tabindex: '0', role: 'img', 'aria-label': 'Flagged', 'aria-describedby': id }, '!'),
			flaggedValue(col, v, flags[0]),
			h('span', { class: 'flag-tip visually-hidden', id }, text));
	})));
	const flagged = emps.filter((e) => (e.flags || []).length);
	const active = document.activeElement;
	const refocus = active && active.classList.contains('sort') && c.el.contains(active) ? active.dataset.sort : null;
	hideTip();
	const table = h('table', { class: 'data', id: 'team-table' },
		h('caption', { class: 'visually-hidden' }, `${data.department.name} team, ${fmt.range(data.range.from, data.range.to)}; sorted by ${COLUMNS.find((x) => x.id === sort).label}, ${dir === 'asc' ? 'ascending' : 'descending'}`),
		h('thead', {}, head),
		h('tbody', {}, rows));
	wireTips(table);
	wireTeamDrill(table, data);
	c.show(
		h('div', { class: 'table-wrap' }, table),
		h('div', { class: 'legend-stack' },
			h('div', {}, h('span', {}, 'Shading: worse than the team'),
				h('span', { class: 'ramp', 'aria-hidden': 'true' }, ['s-n4', 's-n2', 's-0', 's-p2', 's-p4'].map((x) => h('i', { class: x }))),
				h('span', {}, 'better')),
			h('div', {}, h('span', {}, 'Avg open and workload share (neither good nor bad): below the team'),
				h('span', { class: 'w-ramp', 'aria-hidden': 'true' }, ['w-n2', 'w-0', 'w-p2'].map((x) => h('i', { class: x }))),
				h('span', {}, 'above')),
			h('div', {}, h('span', {}, h('span', { class: 'pill bad', 'aria-hidden': 'true' }, '!'), ' A flagged cell breaks a threshold: hover or focus it for the rule.')),
			h('div', { id: 'few-note' }, h('span', {}, h('span', { class: 'few' }, 'Grey, n 3'), `: rests on fewer than ${getMinClosed()} closes in the range ([thresholds] min_closed), so it is neither shaded nor flagged.`)),
			h('div', { class: 'hide-sm' }, 'Rework: the re-entries each employee opened in the range (a creator back in the department after an earlier ticket there) and their share of the tickets opened; the column sorts by the share.'),
			h('div', { class: 'show-sm' }, 'On a wider screen the table also shows closes per week, the 90th percentile, the workload share and the rework (re-entries).')),
		flagSummary(flagged, sla));
	if (refocus) {
		const btn = c.body.querySelector(`button.sort[data-sort="${refocus}"]`);
		if (btn) btn.focus();
	}
}

/* ---- drill-down: the tickets behind a cell or a flag (drill.js) ---- */

const CLOSED_COLS = ['closed', 'p50', 'sla', 'cpw', 'p90', 'p50_ratio', 'min_sla_hit_rate'];
const OPEN_COLS = ['open', 'share', 'max_avg_open'];

/** The spec of employee e's column or flag `col` over the range. */
function employeeSpec(data, e, col) {
	const { from, to } = data.range;
	const who = { employee_id: e.id, name: e.name };
	const t = e.totals || {};
	const column = COLUMNS.find((x) => x.id === col || x.flag === col);
	const figure = column ? `${column.label}: ${column.show(column.get(e))}` : null;
	if (CLOSED_COLS.includes(col)) return drill.spec('closed', from, to, who, { figure: `${figure} · n ${fmt.int(t.closed)}` });
	if (OPEN_COLS.includes(col)) return drill.spec('avg_open', from, to, who, { figure });
	if (col === 'rework') return drill.spec('rework', from, to, who, { figure: `${fmt.int(t.rework)} re-entries` });
	return null;
}

function wireTeamDrill(table, data) {
	const byId = new Map((data.employees || []).map((e) => [String(e.id), e]));
	const empOf = (el) => byId.get(el.closest('tr').dataset.emp);
	drill.attachCells(table, 'tbody td[data-col]', (td) => {
		const e = empOf(td);
		return e ? employeeSpec(data, e, td.dataset.col) : null;
	});
	for (const f of table.querySelectorAll('td.flagged .flag')) {
		const e = empOf(f);
		const rule = f.closest('td').dataset.flag;
		if (e) drill.attachEl(f, () => employeeSpec(data, e, rule), { name: `Flagged: ${e.name}, show the tickets behind it` });
	}
}

/*
 * The explanation of a flagged cell, shown on hover and on keyboard focus.
 * It floats over the page (position: fixed, placed from the cell's box) so
 * the table's scrolling box never clips it; the cell's own hidden copy is
 * the marker's accessible description.
 */
const flagFloat = floatTip('flag-float');
let tipCell = null; /* the cell whose explanation is shown */
let following = false;

/* scrolling (the page, or the table sideways) moves the cell: follow it */
function followTip() {
	if (tipCell && tipCell.isConnected) showTip(tipCell);
	else hideTip();
}

function showTip(td) {
	const text = td && td.querySelector('.flag-tip');
	if (!text) return;
	tipCell = td;
	flagFloat.show(td, text.textContent);
}

function hideTip() {
	tipCell = null;
	flagFloat.hide();
}

function wireTips(table) {
	flagFloat.ensure();
	if (!following) {
		following = true;
		window.addEventListener('scroll', followTip, { passive: true, capture: true });
		window.addEventListener('resize', followTip);
	}
	table.addEventListener('mouseover', (e) => {
		const td = e.target.closest('td.flagged');
		if (td) showTip(td);
	});
	table.addEventListener('mouseout', (e) => {
		const td = e.target.closest('td.flagged');
		if (td && !td.contains(e.relatedTarget) && !td.contains(document.activeElement)) hideTip();
	});
	table.addEventListener('focusin', (e) => showTip(e.target.closest('td.flagged')));
	table.addEventListener('focusout', hideTip);
	table.addEventListener('keydown', (e) => {
		if (e.key === 'Escape') hideTip();
	});
}

function flagSummary(flagged, sla) {
	if (!flagged.length) return h('p', { class: 'legend-note' }, 'No employee breaks a threshold in this range.');
	const list = h('ul', { class: 'flag-list' }, flagged.map((e) =>
		h('li', {}, h('span', { class: 'flag-dot', 'aria-hidden': 'true' }),
			h('span', {}, h('strong', {}, e.name), ' — ', e.flags.map((f) => flagText(f, sla)).join(' ')))));
	return h('details', { class: 'flag-summary', open: flagged.length <= 4 },
		h('summary', {}, `${fmt.plural(flagged.length, 'employee')} flagged`), list);
}

/* ---- key figures ---- */

function drawKpis(data) {
	const t = data.department.totals || {};
	const l = t.lead_time || {};
	const sla = data.department.sla_days;
	const dc = { range: fmt.range(data.range.from, data.range.to), to: data.range.to, sla, days: daysBetween(data.range.from, data.range.to) + 1 };
	const tiles = [
		['Closed', fmt.int(t.closed), fmt.noun(t.closed, 'ticket'), `${fmt.num(t.closes_per_week, 1)} per week`, 'closed'],
		['Opened', fmt.int(t.opened), fmt.noun(t.opened, 'ticket'), 'new tickets in the range', 'opened', { n: t.opened }],
		['Open backlog', fmt.int(t.backlog_end), fmt.noun(t.backlog_end, 'ticket'), `at ${fmt.date(data.range.to)}`, 'backlog', { n: t.backlog_end }],
		['Median days to close', fmt.num(l.p50, 1), fmt.dayWord(), `90th percentile ${fmt.days(l.p90)}`, 'p50', { n: l.n }],
		['Closed within SLA', fmt.pct(t.sla_hit_rate), '', `SLA: ${sla} days`, 'sla', { n: l.n }],
		['Average open', fmt.num(t.avg_open, 1), 'tickets', 'open on an average day', 'avg_open', { n: dc.days }],
		['Rework', fmt.int(t.rework), fmt.noun(t.rework, 'ticket'), fmt.isNum(t.rework_rate) ? `${fmt.pct(t.rework_rate, 1)} of the tickets opened` : 'no ticket opened', 'rework'],
	];
	const painted = showKeyFigures(document.getElementById('kpis'), tiles.map(([label, value, small, note, id, more]) =>
		h('div', { class: 'kpi', dataset: { kpi: id } }, h('div', { class: 'label' }, label, ' ', infoTip(def(id, { ...dc, ...more }))),
			h('div', { class: 'value' }, value, small && value !== fmt.DASH ? [' ', h('small', {}, small)] : null),
			h('div', { class: 'delta' }, note))));
	/* the tickets behind each tile, in the tiles' order */
	const { from, to } = data.range;
	const who = { department: data.department.name, name: data.department.name };
	const kinds = ['closed', 'opened', 'backlog', 'closed', 'closed', 'avg_open', 'rework'];
	document.querySelectorAll('#kpis .kpi').forEach((tile, i) => {
		if (!kinds[i]) return;
		const figure = `${tiles[i][0]}: ${tiles[i][1]}${tiles[i][2] ? ` ${tiles[i][2]}` : ''}`;
		drill.attachEl(tile, () => drill.spec(kinds[i], from, to, who, { figure }),
			{ focus: tile.querySelector('.value'), name: `${figure}, show the tickets behind it` });
	});
	return painted;
}

/* ---- charts ---- */

function chartHeight(n) {
	return Math.max(180, 46 + n * 24);
}

function drawWorkload(data) {
	const c = card('workload');
	const emps = [...(data.employees || [])].filter((e) => fmt.isNum(e.totals.avg_open))
		.sort((a, b) => b.totals.avg_open - a.totals.avg_open);
	if (!emps.length) return c.empty('No open tickets in this range');
	const name = data.department.name;
	const box = chartBox();
	box.style.height = `${chartHeight(emps.length)}px`;
	const mean = emps.reduce((s, e) => s + e.totals.avg_open, 0) / emps.length;
	const limit = data.thresholds && fmt.isNum(data.thresholds.max_avg_open) ? data.thresholds.max_avg_open : null;
	const t = theme();
	const annotations = { mean: refLine('x', mean, null, t.muted) };
	const showLimit = limit !== null && limit <= Math.max(...emps.map((e) => e.totals.avg_open)) * 1.5;
	if (showLimit) annotations.limit = refLine('x', limit, null, t.bad, { dash: [2, 3] });
	c.show(box, h('p', { class: 'legend-note' },
		h('span', {}, h('span', { class: 'swatch dash', 'aria-hidden': 'true' }), `Team mean: ${fmt.num(mean, 1)} open`),
		limit !== null ? h('span', {}, showLimit ? h('span', { class: 'swatch dot bad', 'aria-hidden': 'true' }) : null, `Threshold: more than ${fmt.num(limit, 1)} open is flagged`) : null));
	const chart = makeChart(box, {
		type: 'bar',
		data: {
			labels: emps.map((e) => e.name),
			datasets: [{
				label: 'Average open tickets',
				data: emps.map((e) => e.totals.avg_open),
				backgroundColor: deptColor(name),
				barPercentage: 0.8,
			}],
		},
		options: {
			indexAxis: 'y',
			scales: { x: valueAxis('open tickets on an average day', { ticks: { precision: 1 } }), y: { grid: { display: false }, ticks: { autoSkip: false } } },
			plugins: {
				legend: { display: false },
				annotation: { annotations },
				tooltip: { callbacks: { label: (i) => {
					const e = emps[i.dataIndex];
					return `${fmt.num(e.totals.avg_open, 1)} open on average · ${fmt.pct(e.totals.workload_share, 1)} of the department`;
				} } },
			},
		},
	}, `Average open tickets per employee in ${name}`);
	drill.attach(chart, (el) => employeeSpec(data, emps[el.index], 'open'), { name: 'Workload per employee' });
}

function drawBox(data) {
	const c = card('box');
	const emps = (data.employees || []).filter((e) => e.box && e.box.n > 0 && fmt.isNum(e.box.median))
		.sort((a, b) => a.box.median - b.box.median || a.name.localeCompare(b.name));
	if (!emps.length) return c.empty('No tickets closed in this range');
	const name = data.department.name;
	const t = theme();
	const box = chartBox();
	box.style.height = `${chartHeight(emps.length)}px`;
	c.show(box, h('p', { class: 'legend-note' },
		h('span', {}, h('span', { class: 'swatch dash strong', 'aria-hidden': 'true' }), `SLA: ${data.department.sla_days} days`),
		h('span', {}, 'Fastest first, by median')));
	const chart = makeChart(box, {
		type: 'boxplot',
		data: {
			labels: emps.map((e) => e.name),
			datasets: [{
				label: 'Days to close',
				data: emps.map((e) => ({ min: e.box.min, q1: e.box.q1, median: e.box.median, q3: e.box.q3, max: e.box.max, mean: e.box.median, items: [], outliers: [] })),
				backgroundColor: deptColor(name, 0.35),
				borderColor: deptColor(name),
				borderWidth: 1.5,
				medianColor: t.text,
				meanRadius: 0,
				itemRadius: 0,
				outlierRadius: 0,
				coef: 0,
				barPercentage: 0.7,
			}],
		},
		options: {
			indexAxis: 'y',
			scales: {
				x: valueAxis(`${fmt.dayWord()} to close`, { ticks: { precision: 0 } }),
				y: { grid: { display: false }, ticks: { autoSkip: false } },
			},
			plugins: {
				legend: { display: false },
				annotation: { annotations: { sla: refLine('x', data.department.sla_days, null, t.text) } },
				tooltip: {
					callbacks: {
						label: (i) => {
							const b = emps[i.dataIndex].box;
							return [`${b.n} closed`, `median ${fmt.days(b.median)}`, `middle half ${fmt.num(b.q1, 1)}–${fmt.num(b.q3, 1)} d`, `range ${fmt.num(b.min, 0)}–${fmt.num(b.max, 0)} d`];
						},
					},
				},
			},
		},
	}, `Days to close per employee in ${name}, as box plots`);
	drill.attach(chart, (el) => employeeSpec(data, emps[el.index], 'closed'), { name: 'Days to close per employee' });
}

function drawHeat(data, state) {
	const c = card('closes');
	const emps = [...(data.employees || [])].sort((a, b) => a.name.localeCompare(b.name));
	const buckets = data.department.series || [];
	if (!emps.length || !buckets.length) return c.empty('No tickets in this range');
	const daily = state.bucket === 'day';
	const val = (s) => (s ? (daily ? s.closed : s.closes_per_week) : null);
	/* a bucket cut by the range to a few days turns one close into a big rate
	   (1 close in 1 day = 7 per week): such buckets do not set the colour scale */
	const span = (b) => daysBetween(b.start, b.end) + 1;
	/* cut: fewer days than the whole bucket (the API's days of bucket_days) */
	const short = buckets.map((b) => !daily && (isCut(b) || span(b) < 7));
	let max = 0;
	for (const e of emps) {
		(e.series || []).forEach((s, i) => {
			if (!short[i] && fmt.isNum(val(s))) max = Math.max(max, val(s));
		});
	}
	if (max === 0) for (const e of emps) for (const s of e.series || []) if (fmt.isNum(val(s))) max = Math.max(max, val(s));
	const level = (v) => (!fmt.isNum(v) || v <= 0 || max <= 0 ? 0 : Math.max(1, Math.min(8, Math.ceil((v / max) * 8))));
	/* a cut bucket's rate is over a few days: hatched, and never the darkest steps */
	const CUT_MAX = 5;
	const cellLevel = (v, i) => (short[i] ? Math.min(CUT_MAX, level(v)) : level(v));
	const cutNote = (b) => (isCut(b) ? `${b.days} of ${b.bucket_days} days` : `only ${fmt.plural(span(b), 'day')}`);
	const dense = buckets.length > 30;
	/* the year on the header when the periods span more than one */
	const multiYear = new Set(buckets.map((b) => b.start.slice(0, 4))).size > 1;
	const yy = (b) => (multiYear ? ` ’${b.start.slice(2, 4)}` : '');
	/* the notes (annotations.js) on the head of the period holding their day */
	const marks = notesByBucket(buckets);
	const markTitle = (i) => marks[i].map((a) => ` · marker ${a.tag}: ${a.text}`).join('');
	const head = h('tr', {}, defHead('Employee', def('heat', { daily, bucket: state.bucket }), { class: 'sticky-col' }),
		/* the periods: the first head's definition says what their cells count */
		buckets.map((b, i) => h('th', { scope: 'col', dataset: { def: 'first' }, class: `h${short[i] ? ' part' : ''}${marks[i].length ? ' marked' : ''}`, title: `${fmt.bucketLabel(b, state.bucket)}${short[i] ? ` (${cutNote(b)} in the range)` : ''}${markTitle(i)}` },
			marks[i].map((a) => h('span', { class: 'marker-n heat-mark', 'aria-hidden': 'true', dataset: { tag: a.tag } }, a.tag)),
			state.bucket === 'month' ? fmt.monthLabel(b.start).slice(0, 3) : fmt.shortDate(b.start), yy(b), short[i] ? '*' : null,
			marks[i].length ? h('span', { class: 'visually-hidden' }, markTitle(i)) : null)),
		defHead(daily ? 'Closed' : 'Per week', def('heat_total', { daily }), { class: 'n' }));
	const rows = emps.map((e) => h('tr', {},
		h('th', { scope: 'row', class: 'sticky-col' }, h('a', { href: hrefFor('/employee', state, { emp: e.id, dept: null }) }, e.name)),
		buckets.map((b, i) => {
			const s = (e.series || [])[i];
			const v = val(s);
			return h('td', { class: `h q${cellLevel(v, i)}${short[i] ? ' part' : ''}`, title: `${e.name}, ${fmt.bucketLabel(b, state.bucket)}: ${fmt.int(s ? s.closed : 0)} closed${daily ? '' : ` (${fmt.num(v, 1)} per week)`}${short[i] ? ` · ${cutNote(b)}, cut by the range` : ''}` },
				fmt.isNum(v) && v > 0 ? fmt.num(v, daily ? 0 : 1) : '');
		}),
		h('td', { class: 'n' }, daily ? fmt.int(e.totals.closed) : fmt.num(e.totals.closes_per_week, 1))));
	const table = h('table', { class: `data heat${dense ? ' dense' : ''}` },
		h('caption', { class: 'visually-hidden' }, `${daily ? 'Tickets closed per day' : 'Closes per week'} per employee of ${data.department.name}, per ${state.bucket}`),
		h('thead', {}, head), h('tbody', {}, rows));
	/* equal columns; wide enough for their numbers, so narrow screens scroll */
	const fixed = window.matchMedia('(max-width: 720px)').matches ? 112 + 64 : 170 + 84; /* name and total columns, as in app.css */
	table.style.minWidth = `${fixed + buckets.length * (dense ? 16 : 44)}px`;
	const wrap = h('div', { class: 'table-wrap scroll-x' }, table);
	c.show(
		wrap,
		h('div', { class: 'legend-note scale-legend' },
			h('span', {}, daily ? 'Closed per day: none' : 'Closes per week: none'),
			h('span', { class: 'ramp', 'aria-hidden': 'true' }, ['q1', 'q3', 'q5', 'q7'].map((x) => h('i', { class: x }))),
			h('span', {}, `${fmt.num(max, 1)} (the most in one ${state.bucket})`),
			dense ? h('span', {}, '· hover a cell for its value') : null,
			short.some(Boolean) ? h('span', {}, `· * hatched: a period cut short by the range, its rate over fewer days (never shaded darker than step ${CUT_MAX} of 8)`) : null,
			wrap.scrollWidth > wrap.clientWidth + 1 ? h('span', {}, '· latest periods on the right; swipe for earlier ones') : null));
	/* a cell: the employee's closes in that period */
	drill.attachCells(table, 'tbody td.h', (td) => {
		const e = emps[td.parentElement.rowIndex - 1];
		const b = buckets[td.cellIndex - 1];
		const s = e && (e.series || [])[td.cellIndex - 1];
		if (!e || !b || !s || !s.closed) return null;
		return drill.spec('closed', b.start, b.end, { employee_id: e.id, name: e.name }, { figure: `${fmt.int(s.closed)} closed` });
	});
	showMarkerList(wrap, marks.flat());
	/* the latest periods matter most: start scrolled to the right end */
	wrap.scrollLeft = wrap.scrollWidth;
}

function drawAll() {
	if (!cache) return;
	const { data, state } = cache;
	destroyCharts();
	drawKpis(data);
	drawCharts();
}

/* everything but the key figures */
function drawCharts() {
	const { data, state } = cache;
	drawTable(data, state);
	drawWorkload(data);
	drawBox(data);
	drawHeat(data, state);
	if (cache.wip) drawWip(cache.wip, state);
}

function drawWip(wip, state) {
	destroyCharts(card('wip').el);
	drawWipChart(card('wip'), wip, state, 'employee');
	drawOldest(card('oldest'), wip, state, false);
	drawWipEmployees(card('wipemp'), wip, state, false);
}

const CARDS = ['team', 'workload', 'box', 'closes'];
const WIP_CARDS = ['wip', 'oldest', 'wipemp'];

startPage({
	path: '/department',
	title: 'Department',
	keys: ['dept', 'sort', 'dir'],
	toolbar: { range: true, bucket: true },
	normalize(state, ctx) {
		const names = ctx.meta.departments.map((d) => d.name);
		const patch = {};
		if (!names.includes(state.dept)) {
			if (state.dept) ctx.notice(`There is no department “${state.dept}” in the pipeline. Showing ${names[0]} instead; choose another below.`);
			patch.dept = names[0];
		}
		if (state.sort && !SORTS.includes(state.sort)) patch.sort = null;
		if (state.dir && state.dir !== 'asc' && state.dir !== 'desc') patch.dir = null;
		return patch;
	},
	controls(ctx) {
		deptSelect = select(ctx.meta.departments.map((d) => ({ value: d.name, label: d.name })), {
			id: 'dept',
			onChange: (v) => navigate({ dept: v }),
		});
		return [field('Department', deptSelect)];
	},
	sync(state) {
		deptSelect.value = state.dept;
		const h1 = document.querySelector('h1');
		h1.textContent = state.dept;
		document.title = `${state.dept} · Leadtime`;
	},
	async load(state, ctx) {
		const { from, to } = ctx.range;
		const req = { path: `/api/v1/departments/${encodeURIComponent(state.dept)}`, params: { from, to, bucket: state.bucket } };
		const wipReq = { path: '/api/v1/wip', params: { from, to, department: state.dept, limit: 10 } };
		const key = apiURL(req.path, req.params);
		if (cache && cache.key === key && cache.wip) {
			cache.state = state;
			drawTable(cache.data, state);
			return;
		}
		setExports('team', req, [{ table: 'employees' }], { png: false });
		setExports('workload', req, [{ table: 'employees' }]);
		setExports('box', req, [{ table: 'employees' }]);
		setExports('closes', req, [{ table: 'series' }], { png: false });
		setExports('wip', wipReq, [{ table: 'items', label: 'tickets' }, { table: 'departments', label: 'percentiles' }]);
		setExports('oldest', wipReq, [{ table: 'oldest' }], { png: false });
		setExports('wipemp', wipReq, [{ table: 'employees' }], { png: false });
		for (const id of [...CARDS, ...WIP_CARDS]) card(id).loading();
		/* the key figures first: the work in progress is asked for once they are painted (docs/DASHBOARD.md "Key figures first") */
		let data;
		try {
			data = await getJSON(req.path, req.params);
		} catch (e) {
			if (!ctx.isCurrent()) return;
			cache = null;
			keyFiguresFailed(document.getElementById('kpis'));
			for (const id of CARDS) card(id).error(e, ctx.reload);
			data = null;
		}
		if (!ctx.isCurrent()) return;
		let wipP;
		if (data) {
			cache = { key, data, wip: null, state };
			destroyCharts();
			await drawKpis(data);
			if (!ctx.isCurrent()) return;
			wipP = getJSON(wipReq.path, wipReq.params);
			drawCharts();
		} else wipP = getJSON(wipReq.path, wipReq.params);
		try {
			const wip = await wipP;
			if (!ctx.isCurrent()) return;
			if (cache) cache.wip = wip;
			drawWip(wip, state);
		} catch (e) {
			if (ctx.isCurrent()) for (const id of WIP_CARDS) card(id).error(e, ctx.reload);
		}
	},
	redraw() {
		drawAll();
	},
});
