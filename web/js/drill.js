/*
 * drill.js - the tickets behind a figure (issue 13 point 7).
 *
 * Every bar, point, heatmap cell, KPI and flag opens a panel listing the
 * tickets the figure was computed from: ticket, creator (a link to the
 * creator's timeline), employee, opened, closed, days; the columns sort
 * (aria-sort, buttons); a CSV download holds exactly the rows listed.
 *
 * The rows are the point-in-time rows of SPEC §2 from GET /api/v1/pit, with
 * the drill-down filters (docs/API.md): a figure names its rows by the
 * spec's definitions, so the list is the figure's n:
 *   closed, lead time, SLA of a bucket    only=closed  from..to = the bucket
 *   opened of a bucket                    only=opened
 *   backlog (open at the end of a bucket) only=open    from = to = its last day
 *   average open over a bucket            only=open    the bucket (a ticket per line,
 *                                                      its open days counted: Σ ÷ days)
 *   rework                                only=opened  entry=reentry
 *   campaign starts                       only=opened  entry=first, the last department
 * narrowed by department=, employee_id=; `fields=ticket` adds each row's
 * ticket (opened_on, closed_on as of as_of), so one request per page of
 * 10000 rows fills the list.
 *
 * The hooks the pages call (a few lines per chart or tile):
 *   attach(chart, (el) => spec | null)   a Chart.js chart: a click on a bar
 *       or point opens its spec; the card's "Tickets" tool opens a list of
 *       every element of its charts (the keyboard way in).
 *   attachEl(el, () => spec, {focus, name})   a KPI tile, a flag: click
 *       anywhere on el, Enter or Space on its focus target (el or `focus`).
 *   attachCells(table, selector, (td) => spec | null)   table cells
 *       (heatmap, team table): each becomes a button, one tab stop for the
 *       table, arrow keys move between cells.
 * A spec: {title, what, query: {from, to, only, department, employee_id,
 * entry}, figure (the figure's words: "median 12 d · n 15"), label (a
 * short name in the chart's list), match(row) (optional: a further test,
 * e.g. the weekday), perTicket (average open: one line per ticket)}.
 *
 * The panel is a modal <dialog>: focus moves to its title, Escape or the
 * close button closes it, and focus returns to what opened it.
 */
import { getJSON } from './api.js';
import { fill, h, icon } from './dom.js';
import * as fmt from './format.js';
import { daysBetween, getState, hrefFor } from './state.js';
import { defHead, infoTip } from './ui.js';
import { def } from './defs.js';

const PAGE = 10000;
const MAX_ROWS = 200000;
const SHOW = 250; /* lines drawn at once; "Show all" draws the rest */
const ICON_DOWN = ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'];
const ICON_X = ['M6 6l12 12', 'M18 6L6 18'];
const ICON_LIST = ['M9 6h11', 'M9 12h11', 'M9 18h11', 'M4 6h.01', 'M4 12h.01', 'M4 18h.01'];

/* ---- the rows ---- */

/**
 * Every row of the spec's query, all pages: {rows, asOf, truncated}.
 * The view's as_of goes along (api.js); the pit rows take no `days`.
 */
export async function fetchRows(query, { max = MAX_ROWS } = {}) {
	const rows = [];
	let cursor = null, asOf = null, truncated = false;
	for (;;) {
		const got = await getJSON('/api/v1/pit', { ...query, format: 'json', fields: 'ticket', limit: PAGE, cursor });
		asOf = got.range.as_of;
		rows.push(...got.rows);
		cursor = got.next_cursor;
		if (!cursor) break;
		if (rows.length >= max) {
			truncated = true;
			break;
		}
	}
	return { rows, asOf, truncated };
}

/** The list's lines from pit rows: one per row, or per ticket (perTicket). */
export function ticketLines(rows, asOf, { perTicket = false, match = null } = {}) {
	const lines = [];
	const byTicket = new Map();
	for (const r of rows) {
		if (match && !match(r)) continue;
		if (perTicket && byTicket.has(r.ticket_id)) {
			byTicket.get(r.ticket_id).open_days++;
			continue;
		}
		const line = {
			ticket_id: r.ticket_id,
			creator: r.creator,
			employee: r.employee,
			employee_id: r.employee_id,
			department: r.department,
			opened_on: r.opened_on,
			closed_on: r.closed_on,
			/* days to close, or the age at as_of while open (calendar days: the rows' own) */
			days: daysBetween(r.opened_on, r.closed_on || asOf),
			open_days: 1,
		};
		if (perTicket) byTicket.set(r.ticket_id, line);
		lines.push(line);
	}
	return lines;
}

/* ---- CSV ---- */

function csvField(v) {
	const s = v === null || v === undefined ? '' : String(v);
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The lines as CSV (RFC 4180 quoting, LF line ends), the columns the panel shows and more. */
export function linesCSV(lines, perTicket) {
	const cols = ['ticket_id', 'creator', 'employee', 'employee_id', 'department', 'opened_on', 'closed_on', 'days'];
	if (perTicket) cols.push('open_days');
	const out = [cols.join(',')];
	for (const l of lines) out.push(cols.map((c) => csvField(l[c])).join(','));
	return `${out.join('\n')}\n`;
}

function download(name, text) {
	const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
	const a = h('a', { href: url, download: name, hidden: true });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/* ---- the panel ---- */

const COLS = [
	/* on a phone the ticket and the employee go under the creator (wide: hidden there) */
	{ id: 'ticket_id', label: 'Ticket', text: true, wide: true, def: () => def('ticket_col') },
	{ id: 'creator', label: 'Creator', text: true, def: () => def('creator_col') },
	{ id: 'employee', label: 'Employee', text: true, wide: true, def: () => def('employee_col') },
	{ id: 'department', label: 'Department', text: true, many: true, wide: true, def: () => def('department_col') },
	{ id: 'opened_on', label: 'Opened', text: true, wide: true, def: () => def('opened_on') },
	{ id: 'closed_on', label: 'Closed', text: true, def: (c) => def('closed_on', { asOf: c.asOf }) },
	{ id: 'days', label: 'Days', n: true, def: () => def('days_to_close') },
	{ id: 'open_days', label: 'Open days', n: true, perTicket: true, def: () => 'Open days: the ticket’s rows with is_open = 1 in the period (the days it was open there); their sum ÷ the days is the average open.' },
];

let dlg = null;
let opener = null;
let current = null; /* {spec, lines, asOf, truncated, sort, dir, all, list} */
let generation = 0;

function ensureDialog() {
	if (dlg) return dlg;
	dlg = h('dialog', { class: 'drill', id: 'drill', 'aria-labelledby': 'drill-h', 'aria-describedby': 'drill-what' },
		h('div', { class: 'drill-head' },
			h('div', { class: 'drill-titles' },
				h('button', { type: 'button', class: 'btn drill-back', hidden: true, onclick: () => backToList() }, '← All points'),
				h('h2', { id: 'drill-h', tabindex: '-1' }),
				h('p', { class: 'sub', id: 'drill-what' })),
			h('button', { type: 'button', class: 'icon-btn drill-close', 'aria-label': 'Close the ticket list', title: 'Close (Esc)', onclick: () => close() }, icon(ICON_X))),
		h('div', { class: 'drill-bar' },
			h('p', { class: 'drill-count', role: 'status', 'aria-live': 'polite' }),
			h('button', { type: 'button', class: 'btn drill-csv', hidden: true, onclick: () => saveCSV() }, icon(ICON_DOWN), 'CSV')),
		h('div', { class: 'drill-body' }));
	dlg.addEventListener('cancel', (e) => {
		e.preventDefault();
		close();
	});
	/* a click on the backdrop (the dialog box itself, outside its content) closes */
	dlg.addEventListener('click', (e) => {
		if (e.target !== dlg) return;
		const r = dlg.getBoundingClientRect();
		if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) close();
	});
	document.body.append(dlg);
	return dlg;
}

function part(sel) {
	return dlg.querySelector(sel);
}

function show(from) {
	ensureDialog();
	if (!dlg.open) {
		opener = from || document.activeElement;
		dlg.showModal();
	}
	part('#drill-h').focus();
}

export function close() {
	if (!dlg || !dlg.open) return;
	generation++;
	dlg.close();
	const back = opener;
	opener = null;
	current = null;
	if (back && back.isConnected && typeof back.focus === 'function') back.focus();
}

function setHead(title, what) {
	part('#drill-h').textContent = title;
	part('#drill-what').textContent = what || '';
}

function busy(text) {
	part('.drill-count').textContent = text;
	part('.drill-csv').hidden = true;
	part('.drill-body').replaceChildren(h('div', { class: 'state', role: 'status' },
		h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, 'Loading the tickets…')));
}

/** Open the panel on a spec (from: the element focus returns to). */
export async function openDrill(spec, from = null, list = null) {
	if (!spec) return;
	show(from);
	const my = ++generation;
	part('.drill-back').hidden = !list;
	setHead(spec.title, spec.what);
	busy('');
	let got;
	try {
		got = await fetchRows(spec.query);
	} catch (e) {
		if (my !== generation) return;
		part('.drill-count').textContent = '';
		part('.drill-body').replaceChildren(h('div', { class: 'state error', role: 'alert' },
			h('strong', {}, 'Could not load the tickets'), h('span', {}, e.message || String(e))));
		return;
	}
	if (my !== generation) return;
	const lines = ticketLines(got.rows, got.asOf, spec);
	current = { spec, lines, asOf: got.asOf, truncated: got.truncated, sort: 'days', dir: 'desc', all: false, list };
	drawLines();
}

function sortLines(lines, key, dir) {
	const sign = dir === 'asc' ? 1 : -1;
	const col = COLS.find((c) => c.id === key);
	return [...lines].sort((a, b) => {
		const x = a[key], y = b[key];
		if (x === y) return a.ticket_id < b.ticket_id ? -1 : a.ticket_id > b.ticket_id ? 1 : 0;
		/* blanks (still open) last either way */
		if (x === null || x === undefined) return 1;
		if (y === null || y === undefined) return -1;
		if (col && col.n) return sign * (x - y);
		return sign * (x < y ? -1 : 1);
	});
}

function drawLines() {
	const c = current;
	const { spec, lines } = c;
	const perTicket = !!spec.perTicket;
	const many = new Set(lines.map((l) => l.department)).size > 1;
	const cols = COLS.filter((col) => (!col.perTicket || perTicket) && (!col.many || many));
	const n = lines.length;
	const count = [h('strong', {}, fmt.plural(n, 'ticket'))];
	if (perTicket && n) {
		const sum = lines.reduce((s, l) => s + l.open_days, 0);
		const days = daysBetween(spec.query.from, spec.query.to) + 1;
		count.push(` · ${fmt.int(sum)} open days ÷ ${fmt.plural(days, 'day')} = ${fmt.num(sum / days, 3)} open on average`);
	}
	if (spec.figure) count.push(` · ${spec.figure}`);
	if (c.truncated) count.push(` · only the first ${fmt.int(n)} rows: narrow the range for the rest`);
	part('.drill-count').replaceChildren(...count);
	part('.drill-csv').hidden = !n;
	part('.drill-csv').setAttribute('aria-label', `Download these ${fmt.plural(n, 'ticket')} as CSV`);
	const body = part('.drill-body');
	if (!n) {
		body.replaceChildren(h('div', { class: 'state empty' }, h('strong', {}, 'No tickets'), h('span', {}, 'Nothing in these rows: the figure is over no ticket.')));
		return;
	}
	const sorted = sortLines(lines, c.sort, c.dir);
	const shown = c.all ? sorted : sorted.slice(0, SHOW);
	const state = getState();
	const head = h('tr', {}, cols.map((col) => {
		const active = col.id === c.sort;
		const dirWord = c.dir === 'asc' ? 'ascending' : 'descending';
		return h('th', { scope: 'col', class: [col.n ? 'n' : '', col.wide ? 'hide-sm' : ''].join(' ').trim() || null, 'aria-sort': active ? dirWord : 'none' },
			h('button', {
				type: 'button', class: 'sort', dataset: { sort: col.id },
				onclick: () => {
					c.dir = active ? (c.dir === 'asc' ? 'desc' : 'asc') : col.n ? 'desc' : 'asc';
					c.sort = col.id;
					drawLines();
					const btn = part(`button.sort[data-sort="${col.id}"]`);
					if (btn) btn.focus();
				},
			}, col.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, active ? (c.dir === 'asc' ? '▲' : '▼') : '↕')),
			/* what the column holds, on hover and focus (defs.js) */
			infoTip(col.def(c)));
	}));
	const cell = (col, l) => {
		switch (col.id) {
		case 'creator':
			return h('td', { class: 'clip' }, h('a', { href: hrefFor('/creator', state, { creator: l.creator, q: null, dept: null, emp: null }), title: `${l.creator}: timeline` }, l.creator),
				h('div', { class: 'show-sm drill-sub' }, `${l.ticket_id} · ${l.employee}`));
		case 'employee':
			return h('td', { class: 'clip hide-sm' }, l.employee_id ? h('a', { href: hrefFor('/employee', state, { emp: l.employee_id, dept: null }), title: l.employee }, l.employee) : l.employee);
		case 'opened_on':
			return h('td', { class: 'num hide-sm' }, l.opened_on);
		case 'closed_on':
			return h('td', { class: 'num' }, l.closed_on || h('span', { class: 'muted' }, 'open'));
		case 'days':
			return h('td', { class: 'n', title: l.closed_on ? null : `open at ${c.asOf}: its age` }, fmt.int(l.days), l.closed_on ? null : h('span', { class: 'muted' }, '+'));
		case 'open_days':
			return h('td', { class: 'n' }, fmt.int(l.open_days));
		case 'ticket_id':
			return h('th', { scope: 'row', class: 'clip num hide-sm' }, l.ticket_id);
		default:
			return h('td', { class: `clip${col.wide ? ' hide-sm' : ''}` }, l[col.id]);
		}
	};
	const table = h('table', { class: 'data compact drill-table' },
		h('caption', { class: 'visually-hidden' }, `${spec.title}: ${fmt.plural(n, 'ticket')}, sorted by ${cols.find((x) => x.id === c.sort).label}, ${c.dir === 'asc' ? 'ascending' : 'descending'}`),
		h('thead', {}, head),
		h('tbody', {}, shown.map((l) => h('tr', { dataset: { ticket: l.ticket_id } }, cols.map((col) => cell(col, l))))));
	fill(body, h('div', { class: 'table-wrap' }, table),
		shown.length < n ? h('button', { type: 'button', class: 'btn drill-more', onclick: () => { c.all = true; drawLines(); } }, `Show all ${fmt.int(n)}`) : null,
		h('p', { class: 'legend-note' }, `Days: to close, or for a ticket still open (+) its age on ${fmt.date(c.asOf)}, in calendar days. A creator opens their timeline.`),
		h('p', { class: 'legend-note show-sm' }, 'On a wider screen the list has a column for the ticket, the employee, the opening day and the department; the CSV has every column.'));
}

function saveCSV() {
	if (!current) return;
	const { spec, lines } = current;
	const q = spec.query;
	const slug = (spec.file || spec.title || 'tickets').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
	download(`tickets-${slug}-${q.from}-${q.to}.csv`, linesCSV(sortLines(lines, current.sort, current.dir), spec.perTicket));
}

/* ---- the list of a chart's elements (keyboard) ---- */

let listState = null; /* {title, groups, from} */

function drawList() {
	const { title, groups } = listState;
	current = null;
	part('.drill-back').hidden = true;
	setHead(title, 'Choose a bar or point to list the tickets behind it.');
	const total = groups.reduce((s, g) => s + g.items.length, 0);
	part('.drill-count').textContent = fmt.plural(total, 'figure');
	part('.drill-csv').hidden = true;
	part('.drill-body').replaceChildren(...groups.map((g) => h('section', { class: 'drill-group' },
		groups.length > 1 ? h('h3', {}, g.name) : null,
		h('ul', { class: 'drill-list' }, g.items.map((it) => h('li', {},
			h('button', { type: 'button', class: 'drill-item', onclick: () => openDrill(it, null, listState) },
				h('span', {}, it.label || it.title), it.figure ? h('span', { class: 'muted' }, it.figure) : null)))))));
}

function backToList() {
	if (!listState) return;
	generation++;
	drawList();
	part('#drill-h').focus();
}

function openList(title, groups, from) {
	listState = { title, groups };
	show(from);
	generation++;
	drawList();
}

/* ---- hooks ---- */

function elementAt(chart, evt) {
	let els = chart.getElementsAtEventForMode(evt, 'nearest', { intersect: true }, false);
	const inter = chart.options.interaction || {};
	if (!els.length && inter.intersect === false) els = chart.getElementsAtEventForMode(evt, 'nearest', { intersect: false, axis: 'x' }, false);
	return els[0] || null;
}

function specOf(chart, resolve, el) {
	if (!el) return null;
	const ds = chart.data.datasets[el.datasetIndex];
	if (!ds || (chart.isDatasetVisible && !chart.isDatasetVisible(el.datasetIndex))) return null;
	return resolve({ datasetIndex: el.datasetIndex, index: el.index, dataset: ds, value: ds.data[el.index] });
}

/**
 * Make a Chart.js chart drill down: resolve({datasetIndex, index, dataset,
 * value}) → spec or null.  `name`: the chart's name in the list (a card
 * with several charts groups their elements by it).
 */
export function attach(chart, resolve, { name = null } = {}) {
	if (!chart || !chart.canvas) return;
	const canvas = chart.canvas;
	canvas.classList.add('drillable-chart');
	canvas.addEventListener('click', (evt) => {
		const spec = specOf(chart, resolve, elementAt(chart, evt));
		/* focus returns to the card's button: a canvas takes none */
		if (spec) openDrill(spec, btn);
	});
	canvas.addEventListener('mousemove', (evt) => {
		canvas.style.cursor = specOf(chart, resolve, elementAt(chart, evt)) ? 'pointer' : '';
	});
	const chartName = name || canvas.getAttribute('aria-label') || 'this chart';
	chart.drill = { resolve, name: chartName };
	const cardEl = canvas.closest('.card');
	let btn = null;
	if (cardEl) {
		if (!cardCharts.has(cardEl)) cardCharts.set(cardEl, new Set());
		const set = cardCharts.get(cardEl);
		for (const c of set) if (!c.canvas || !c.canvas.isConnected) set.delete(c); /* drawn over */
		set.add(chart);
		btn = cardTool(cardEl);
	} else {
		/* a chart outside a card: the button goes under it */
		btn = h('button', { type: 'button', class: 'drill-pick', 'aria-haspopup': 'dialog', onclick: () => openList(`Tickets behind: ${chartName}`, groupsOf([chart]), btn) }, 'Tickets behind this chart…');
		canvas.parentNode.after(btn);
	}
}

/* the charts of each card that drill down (a card's button lists them all) */
const cardCharts = new WeakMap();

/* the keyboard list's groups: a series of a chart, its elements that have a spec */
function groupsOf(charts) {
	const out = [];
	for (const chart of charts) {
		chart.data.datasets.forEach((ds, di) => {
			if (!chart.isDatasetVisible(di)) return;
			const items = (ds.data || []).map((v, i) => chart.drill.resolve({ datasetIndex: di, index: i, dataset: ds, value: v })).filter(Boolean);
			const label = ds.label || `Series ${di + 1}`;
			if (items.length) out.push({ name: charts.length > 1 ? `${chart.drill.name} · ${label}` : label, items });
		});
	}
	return out;
}

/* the card's "Tickets" tool (before "View as table", which stays last) */
function cardTool(cardEl) {
	const head = cardEl.querySelector('.card-head');
	const old = cardEl.querySelector('.drill-tool');
	if (old || !head) return old;
	const title = (cardEl.querySelector('h2') || {}).textContent || 'this card';
	const btn = h('button', {
		type: 'button', class: 'tool drill-tool', 'aria-haspopup': 'dialog',
		'aria-label': `List the tickets behind a bar or point of “${title}”`,
		title: 'The tickets behind a bar or point of the chart',
	}, icon(ICON_LIST), 'Tickets');
	btn.addEventListener('click', () => {
		const charts = [...(cardCharts.get(cardEl) || [])].filter((c) => c.canvas && c.canvas.isConnected && c.drill);
		openList(`Tickets behind: ${title}`, groupsOf(charts), btn);
	});
	let tools = head.querySelector('.card-tools');
	if (!tools) {
		tools = h('div', { class: 'card-tools', role: 'group', 'aria-label': `Tools: ${title}` });
		head.append(tools);
	}
	tools.insertBefore(btn, tools.querySelector('.table-toggle'));
	return btn;
}

/**
 * Make `el` (a KPI tile, a flag) open a spec: a click anywhere on el (not
 * on its own links and buttons), Enter or Space on `focus` (default el),
 * which becomes a button named `name`.
 */
export function attachEl(el, resolve, { focus = null, name = null } = {}) {
	if (!el) return;
	const target = focus || el;
	el.classList.add('drillable');
	target.setAttribute('role', 'button');
	target.setAttribute('aria-haspopup', 'dialog');
	if (!target.hasAttribute('tabindex')) target.tabIndex = 0;
	if (name) target.setAttribute('aria-label', name);
	el.addEventListener('click', (e) => {
		const inner = e.target.closest('a, button, input, select, summary, [role="button"]');
		if (inner && inner !== target) return;
		openDrill(resolve(), target);
	});
	target.addEventListener('keydown', (e) => {
		if (e.key === 'Enter' || e.key === ' ') {
			e.preventDefault();
			openDrill(resolve(), target);
		}
	});
}

/**
 * Table cells that drill down: the content of each cell `selector` picks
 * in `table` becomes a button (cells whose resolve gives null are left
 * alone); one of them is in the tab order, arrow keys, Home and End move
 * between them.  `table` may be any container (a list: the elements in
 * their order, as one column).
 */
export function attachCells(table, selector, resolve) {
	if (!table) return;
	const buttons = [];
	for (const td of table.querySelectorAll(selector)) {
		if (td.querySelector('a, button, [tabindex]')) continue;
		const spec = resolve(td);
		if (!spec) continue;
		const b = h('button', { type: 'button', class: 'cell-drill', tabindex: '-1', 'aria-haspopup': 'dialog', title: td.title || null });
		b.append(...td.childNodes);
		if (!b.textContent.trim()) b.append(h('span', { class: 'visually-hidden' }, 'none'));
		/* the value stays in the name: "12 — Ben Costa: closed · 3–9 Nov 2026, show the tickets" */
		b.setAttribute('aria-label', `${b.textContent.trim() || 'none'} — ${spec.title}, show the tickets`);
		b.addEventListener('click', () => openDrill(resolve(td), b));
		td.append(b);
		td.classList.add('drill-cell');
		buttons.push(b);
	}
	if (!buttons.length) return;
	buttons[0].tabIndex = 0;
	/* in a table its row and column; elsewhere (a list) the order, as one column */
	const pos = (b) => {
		const tr = b.closest('tr');
		return tr ? { row: tr.rowIndex, col: b.closest('td, th').cellIndex } : { row: buttons.indexOf(b), col: 0 };
	};
	const move = (from, pick) => {
		const to = pick(pos(from));
		if (!to) return;
		from.tabIndex = -1;
		to.tabIndex = 0;
		to.focus();
	};
	/* the button with the smallest distance test(position) gives (null: not a candidate) */
	const find = (test) => {
		let best = null, bestD = Infinity;
		for (const b of buttons) {
			const d = test(pos(b));
			if (d !== null && d < bestD) {
				best = b;
				bestD = d;
			}
		}
		return best;
	};
	table.addEventListener('keydown', (e) => {
		const b = e.target.closest('button.cell-drill');
		if (!b) return;
		const keys = {
			ArrowRight: (p) => find((q) => (q.row === p.row && q.col > p.col ? q.col - p.col : null)),
			ArrowLeft: (p) => find((q) => (q.row === p.row && q.col < p.col ? p.col - q.col : null)),
			ArrowDown: (p) => find((q) => (q.row > p.row ? (q.row - p.row) * 1000 + Math.abs(q.col - p.col) : null)),
			ArrowUp: (p) => find((q) => (q.row < p.row ? (p.row - q.row) * 1000 + Math.abs(q.col - p.col) : null)),
			Home: (p) => find((q) => (q.row === p.row ? q.col : null)),
			End: (p) => find((q) => (q.row === p.row ? 1000 - q.col : null)),
		};
		const inTable = !!b.closest('tr');
		const key = inTable ? e.key : { ArrowRight: 'ArrowDown', ArrowLeft: 'ArrowUp', Home: 'PageUp', End: 'PageDown' }[e.key] || e.key;
		keys.PageUp = () => buttons[0];
		keys.PageDown = () => buttons[buttons.length - 1];
		if (!keys[key]) return;
		e.preventDefault();
		move(b, keys[key]);
	});
}

/* ---- specs the pages share ---- */

/** A bucket's words: "3–9 Mar 2026" (or the day). */
export function span(from, to) {
	return from === to ? fmt.date(from) : fmt.range(from, to);
}

/**
 * The spec of a count or statistic over a group's rows in [from, to]:
 * kind 'closed' (closed, lead time, SLA), 'opened', 'rework', 'backlog'
 * (open on `to`), 'avg_open' (open in the range, per ticket), 'campaigns'
 * (campaign starts: first tickets of the last department).
 * who: {department, employee_id, name} (the group's words).
 */
export function spec(kind, from, to, who = {}, extra = {}) {
	const where = who.name ? ` of ${who.name}` : '';
	/* "Design: closed · 3–9 Mar 2026"; without a group "Closed · …" */
	const lead = who.name ? `${who.name}: ` : '';
	const q = { from, to, department: who.department || null, employee_id: who.employee_id || null };
	const sp = span(from, to);
	const kinds = {
		closed: () => ({ only: 'closed', title: `${lead}closed · ${sp}`, what: `The tickets${where} closed in ${sp}: the rows behind the number closed, the days to close and the share within SLA.` }),
		opened: () => ({ only: 'opened', title: `${lead}opened · ${sp}`, what: `The tickets${where} opened in ${sp}.` }),
		rework: () => ({ only: 'opened', entry: 'reentry', title: `${lead}re-entries · ${sp}`, what: `The tickets${where} opened in ${sp} for a creator who already had an earlier ticket in the same department.` }),
		backlog: () => ({ only: 'open', from: to, title: `${lead}open on ${fmt.date(to)}`, what: `The tickets${where} open at the end of ${fmt.date(to)}.` }),
		avg_open: () => ({ only: 'open', perTicket: true, title: `${lead}open · ${sp}`, what: `The tickets${where} open on any day of ${sp}, with the days each was open: their sum over the days is the average open.` }),
		campaigns: () => ({ only: 'opened', entry: 'first', title: `Campaign starts · ${sp}`, what: `Each creator’s first ticket in ${who.department} opened in ${sp}: the campaigns that started.` }),
	};
	const k = kinds[kind]();
	return {
		title: lead ? k.title : k.title.charAt(0).toUpperCase() + k.title.slice(1),
		what: k.what,
		perTicket: !!k.perTicket,
		query: { ...q, from: k.from || from, only: k.only, entry: k.entry || null },
		...extra,
	};
}

/* ---- the oldest open tickets ---- */

/**
 * The `n` oldest of the tickets open on `day` that `query` names (only=open,
 * from = to = day), oldest first (age, then ticket id): {lines, total}.
 */
export async function oldestOpen(query, day, n = 10) {
	const got = await fetchRows({ ...query, only: 'open', from: day, to: day });
	const rows = [...got.rows].sort((a, b) => b.ticket_age - a.ticket_age || (a.ticket_id < b.ticket_id ? -1 : a.ticket_id > b.ticket_id ? 1 : 0));
	return { rows: rows.slice(0, n), total: rows.length };
}

/**
 * The oldest open tickets in card `c` (ui.js card()): a table of creator
 * (a link to the timeline), ticket, opened and age on `day`; a button
 * lists them all in the panel (`all`: the spec).
 */
export function drawOldestOpen(c, { rows, total }, day, all) {
	if (!total) return c.empty(`No ticket was open on ${fmt.date(day)}`);
	const state = getState();
	const more = h('button', { type: 'button', class: 'btn drill-all', 'aria-haspopup': 'dialog' }, `All ${fmt.plural(total, 'open ticket')}…`);
	more.addEventListener('click', () => openDrill(all, more));
	c.show(h('div', { class: 'table-wrap' },
		h('table', { class: 'data', id: 'oldest-table' },
			h('caption', { class: 'visually-hidden' }, `The ${rows.length} oldest of the ${total} tickets open on ${fmt.date(day)}`),
			h('thead', {}, h('tr', {},
				defHead('Creator', def('creator_col')),
				defHead('Ticket', def('ticket_col'), { class: 'hide-sm' }),
				defHead('Opened', def('opened_on'), { class: 'hide-sm' }),
				defHead('Age', def('age', { to: day }), { class: 'n' }))),
			h('tbody', {}, rows.map((r) => h('tr', { dataset: { ticket: r.ticket_id } },
				h('th', { scope: 'row', class: 'clip' },
					h('a', { href: hrefFor('/creator', state, { creator: r.creator, q: null, dept: null, emp: null }), title: `${r.creator}: timeline` }, r.creator)),
				h('td', { class: 'hide-sm clip num' }, r.ticket_id),
				h('td', { class: 'hide-sm num' }, r.opened_on),
				h('td', { class: 'n' }, fmt.plural(r.ticket_age, 'day'))))))),
	h('div', { class: 'legend-note drill-foot' }, h('span', {}, `Oldest first, by calendar days open on ${fmt.date(day)}. A name opens the creator’s timeline.`), total > rows.length ? more : null));
	return null;
}
