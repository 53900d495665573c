// What event logs add to the pages (issue 10 point 6), against a store
// imported from an event log: the demo set as a log (`generate --events`,
// 200 creators) plus hand-made cases written here — creators that go
// Design → Manufacturing → Design with the same employees (ping-pong), a
// case with events before its first stay, a crowded day and events after
// its `done`, a case of 5,100 events (more than the API lists), and a
// creator imported as tickets (no events).
//
// - stages: every cell of the handoff matrix (count and ping-pong) and the
//   totals equal /api/v1/handoffs for the page's URL; the pairs table equals
//   `pairs`; a pair's employee link opens that employee with the view kept;
//   the range control changes the request and the cells; reload keeps the
//   view; the CSV is the API's; the PNG; an empty range says so;
// - creator: markers per lane equal the events of that stay under the
//   crowding rule of docs/DASHBOARD.md (computed here from the API's
//   events and the chart's width), hovering a marker shows its activity,
//   the notes say what is not drawn; a creator without events has no
//   event legend;
// - rework on the overview, department and employee pages equals the API's.
// Each at 1280×800 light and 390×844 dark.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
	ARTIFACTS, AS_OF, api, controlValue, env, follow, openPage, pageErrors, query, recordRequests, settle, start, stop, text, visit,
} from './harness.mjs';

const VIEWS = [
	{ width: 1280, height: 800, theme: 'light' },
	{ width: 390, height: 844, theme: 'dark' },
];
const DAY = 86400000;
const int = (n) => n.toLocaleString('en-GB');
const pct1 = (x) => `${(x * 100).toLocaleString('en-GB', { maximumFractionDigits: 1 })}%`;
const addDays = (iso, n) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const dayNum = (iso) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY);

/* ---- the store ---- */

/** The employees of each department in the generated log: the resources of its departments' events. */
function staffOf(logCsv) {
	const staff = {};
	for (const line of logCsv.split('\n').slice(1)) {
		const f = line.split(',');
		if (f.length === 5 && f[3] && ['Sales', 'Contract', 'Design', 'Manufacturing', 'Campaign'].includes(f[1])) {
			(staff[f[1]] ||= new Set()).add(f[3]);
		}
	}
	return (dept, i = 0) => [...staff[dept]][i];
}

/** The hand-made cases, with employees of the generated log. */
function extraLog(who) {
	const rows = ['case,activity,timestamp,resource,lifecycle'];
	const ev = (c, a, t, r = '', l = '') => rows.push([c, a, t, r, l].join(','));
	const at = (day, hour = 9) => `${day}T${String(hour).padStart(2, '0')}:00:00Z`;
	/* Design → Manufacturing → Design → Manufacturing: handed back and forth between the same two people */
	for (let i = 0; i < 6; i++) {
		const c = `Loop Case ${i + 1}`;
		const seq = [['Sales', who('Sales')], ['Contract', who('Contract')], ['Design', who('Design')], ['Manufacturing', who('Manufacturing')],
			['Design', who('Design')], ['Manufacturing', who('Manufacturing', i % 2)]];
		if (i < 3) seq.push(['Design', who('Design', 1)]);
		seq.forEach(([a, r], k) => ev(c, a, at(addDays('2026-09-01', i * 5 + k * 3)), r, 'start'));
	}
	/* events before the first stay, a crowded day, a done, and a note after it */
	ev('Odd Case', 'Call', at('2026-10-01', 8), who('Sales'));
	ev('Odd Case', 'Sales', at('2026-10-02', 8), who('Sales'), 'start');
	ev('Odd Case', 'Email sent', at('2026-10-02', 10), who('Sales'));
	for (let k = 0; k < 6; k++) ev('Odd Case', 'Call', at('2026-10-05', 8 + k), who('Sales'));
	ev('Odd Case', 'Done', at('2026-10-08', 8), who('Sales'), 'complete');
	ev('Odd Case', 'Note added', at('2026-10-09', 8));
	/* 5,100 events in one open Design stay: more than the API lists (5,000) and than a lane draws */
	ev('Crowded Case', 'Design', at('2026-06-01', 8), who('Design', 2), 'start');
	for (let k = 0; k < 5099; k++) {
		const t = new Date(Date.parse('2026-06-01T09:00:00Z') + k * 34 * 60000).toISOString().replace(/\.000Z$/, 'Z');
		ev('Crowded Case', k % 3 ? 'Note added' : 'Design', t, who('Design', 2));
	}
	return `${rows.join('\n')}\n`;
}

function build({ bin, cfg, db, dir }) {
	const log = path.join(dir, 'log.csv'), extra = path.join(dir, 'extra.csv'), tickets = path.join(dir, 'tickets.csv');
	const run = (...args) => execFileSync(bin, [...args, '--config', cfg, '--db', db], { stdio: 'pipe' });
	execFileSync(bin, ['generate', '--events', '--csv', log, '--creators', '200', '--seed', '7', '--as-of', AS_OF, '--config', cfg], { stdio: 'pipe' });
	const who = staffOf(fs.readFileSync(log, 'utf8'));
	fs.writeFileSync(extra, extraLog(who));
	run('import', '--events', log);
	run('import', '--events', extra);
	/* a creator imported as tickets: no events */
	fs.writeFileSync(tickets, `ticket_id,creator,employee,department,opened_on,closed_on\nPLAIN-1,Plain Ticket Creator,${who('Sales')},Sales,2026-09-01,2026-09-04\n`);
	run('import', tickets);
}

before(() => start({ build }));
after(stop);

/* ---- helpers ---- */

/** The matrix as the page shows it: {"A>B": [count, pingpong]} from the cells' text. */
function shownMatrix(page) {
	return page.$$eval('#handoff-matrix td.ho', (tds) => Object.fromEntries(tds.map((td) => {
		const n = td.querySelector('.hv').textContent.replace(/[^0-9]/g, '');
		const pp = td.querySelector('.ppv');
		return [`${td.dataset.from}>${td.dataset.to}`, [Number(n), pp ? Number(pp.textContent.replace(/[^0-9]/g, '')) : 0]];
	})));
}

function apiMatrix(ho) {
	const out = {};
	ho.departments.forEach((a, i) => ho.departments.forEach((b, j) => { out[`${a.name}>${b.name}`] = [ho.matrix[i][j], ho.pingpong[i][j]]; }));
	return out;
}

async function checkHandoffs(page, ho) {
	assert.deepEqual(await shownMatrix(page), apiMatrix(ho), 'every cell: handoffs and ping-pongs');
	assert.equal(await text(page, '[data-total="handoffs"] dd'), int(ho.totals.handoffs));
	assert.equal(await text(page, '[data-total="pingpong"] dd'), int(ho.totals.pingpong));
	assert.equal(await text(page, '[data-total="pingpong_rate"] dd'), pct1(ho.totals.pingpong_rate));
	const rows = await page.$$eval('#pairs-table tbody tr', (trs) => trs.map((tr) => {
		const side = (sel) => [tr.querySelector(`${sel} a`).textContent, tr.querySelector(`${sel} .pair-dept`).textContent];
		return [...side('td.giver'), ...side('td.receiver'), Number(tr.children[3].textContent.replace(/[^0-9]/g, '')), Number(tr.children[4].textContent.replace(/[^0-9]/g, ''))];
	}));
	assert.deepEqual(rows, ho.pairs.map((p) => [p.from.name, p.from.department, p.to.name, p.to.department, p.handoffs, p.pingpong]), 'the pairs table is the API\'s pairs');
}

/** The tables of the page fit their cards (the closes heatmap aside), and the page does not scroll sideways. */
async function fits(page) {
	const cut = await page.$$eval('.table-wrap:not(.scroll-x)', (ws) => ws.filter((w) => w.scrollWidth > w.clientWidth + 1)
		.map((w) => `${(w.querySelector('table') || {}).id || w.closest('section').id}: ${w.scrollWidth} > ${w.clientWidth}`));
	assert.deepEqual(cut, [], 'tables cut off');
	assert.ok(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 1, 'no sideways scrolling');
}

/* ---- the handoff matrix ---- */

describe('stages: who hands work to whom', () => {
	for (const view of VIEWS) {
		test(`matrix, totals and pairs are the API's, at ${view.width}×${view.height} ${view.theme}`, async () => {
			const { context, page, problems } = await openPage(view);
			try {
				const requests = recordRequests(page);
				const vq = 'as_of=2026-10-31&days=business';
				await visit(page, `/stages?range=90d&bucket=week&${vq}`);
				const from = addDays('2026-10-31', -89);
				const made = requests.filter((u) => u.pathname === '/api/v1/handoffs');
				assert.equal(made.length, 1, 'one handoffs request');
				assert.deepEqual(['from', 'to', 'as_of', 'days'].map((k) => made[0].searchParams.get(k)), [from, '2026-10-31', '2026-10-31', 'business']);
				const ho = await api(`/api/v1/handoffs?from=${from}&to=2026-10-31&limit=10&${vq}`);
				assert.ok(ho.totals.pingpong > 0 && ho.pairs.length > 0, 'the store has ping-pongs');
				await checkHandoffs(page, ho);
				assert.match(await text(page, '#handoff-sentence'), /handed back most often/);
				assert.match(await text(page, '#handoffs .card-body'), /ping-pong: work handed back, A → B → A/);
				await fits(page);
				await page.screenshot({ path: path.join(ARTIFACTS, `stages-handoffs-${view.width}x${view.height}-${view.theme}.png`), fullPage: true });

				/* the CSV is the API's flows of the same request; the PNG is an image of the grid */
				const csv = await page.$eval('#handoffs a[data-csv="flows"]', (a) => a.href);
				const cu = new URL(csv);
				assert.deepEqual(['table', 'from', 'to', 'as_of', 'days'].map((k) => cu.searchParams.get(k)), ['flows', from, '2026-10-31', '2026-10-31', 'business']);
				const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#handoffs a[data-csv="flows"]')]);
				const body = fs.readFileSync(await dl.path());
				assert.ok(body.equals(Buffer.from(await (await fetch(`${env.base}${cu.pathname}${cu.search}`)).arrayBuffer())), 'the CSV download is the API\'s');
				const [png] = await Promise.all([page.waitForEvent('download'), page.click('#handoffs .tool.png')]);
				const img = fs.readFileSync(await png.path());
				assert.equal(img.subarray(1, 4).toString(), 'PNG');
				assert.ok(img.readUInt32BE(16) > 300 && img.readUInt32BE(20) > 200, 'the PNG holds the grid');

				/* a pair's employee: the employee page, with the view */
				const href = new URL(await page.$eval('#pairs-table tbody tr td.giver a', (a) => a.href));
				assert.equal(href.pathname, '/employee');
				assert.deepEqual(['emp', 'range', 'bucket', 'as_of', 'days', 'dept'].map((k) => href.searchParams.get(k)),
					[String(ho.pairs[0].from.id), '90d', 'week', '2026-10-31', 'business', null]);
				await follow(page, '#pairs-table tbody tr td.giver a');
				assert.equal(await page.textContent('h1'), ho.pairs[0].from.name);
				assert.deepEqual(await pageErrors(page), []);
				assert.deepEqual(problems, []);
			} finally {
				await context.close();
			}
		});
	}

	test('the range control changes the request and the cells; reload keeps them; an empty range says so', async () => {
		const { context, page, problems } = await openPage();
		try {
			const requests = recordRequests(page);
			await visit(page, '/stages?range=90d&bucket=week');
			const before90 = await shownMatrix(page);
			const n = requests.length;
			await page.selectOption('#range', '30d');
			await settle(page);
			assert.equal(query(page).get('range'), '30d');
			const made = requests.slice(n).filter((u) => u.pathname === '/api/v1/handoffs');
			assert.equal(made.length, 1);
			const from = addDays(AS_OF, -29);
			assert.deepEqual([made[0].searchParams.get('from'), made[0].searchParams.get('to')], [from, AS_OF]);
			const ho = await api(`/api/v1/handoffs?from=${from}&to=${AS_OF}&limit=10`);
			await checkHandoffs(page, ho);
			assert.notDeepEqual(await shownMatrix(page), before90, 'the cells follow the range');
			await page.reload();
			await settle(page);
			assert.equal(await controlValue(page, '#range'), '30d');
			await checkHandoffs(page, ho);
			await page.goBack();
			await settle(page);
			assert.deepEqual(await shownMatrix(page), before90);

			await visit(page, '/stages?from=2020-01-01&to=2020-03-31');
			assert.match(await text(page, '#handoffs'), /No handoffs in this range/);
			assert.equal(await page.$('#handoff-matrix'), null, 'no empty grid');
			assert.match(await text(page, '#pairs'), /No handoffs in this range/);
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});
});

/* ---- the creator timeline's events ---- */

/** The chart's markers per lane, the pixels a day gets, and the lanes. */
function timelineMarks(page) {
	return page.evaluate(() => {
		const c = window.Chart.getChart(document.querySelector('#timeline canvas'));
		const ds = c.data.datasets.find((d) => d.label === 'Events');
		const x = c.scales.x;
		const perLane = {};
		for (const p of ds ? ds.data : []) perLane[p.mark.lane] = (perLane[p.mark.lane] || 0) + 1;
		const inLane = ds ? ds.data.every((p) => Math.abs(p.y - c.data.labels.indexOf(p.mark.lane)) < 0.5) : true;
		return { has: !!ds, perLane, inLane, lanes: c.data.labels, pxPerDay: x.getPixelForValue(x.min + 86400000) - x.getPixelForValue(x.min) };
	});
}

/*
 * The crowding rule of docs/DASHBOARD.md, from the API's events: columns of
 * k days (k = 1, or ⌈11 px ÷ pixels per day⌉ when a day is narrower), at
 * most 3 markers per lane and column (2 and a "+N" beyond), at most 240 per
 * lane in time order; the events of the markers past that are not drawn.
 */
function expectedMarks(events, pxPerDay) {
	const k = pxPerDay >= 11 ? 1 : Math.ceil(11 / pxPerDay);
	const origin = Math.min(...events.map((e) => dayNum(e.date)));
	const lanes = new Map();
	for (const e of events) {
		const lane = e.stay || 'Other events';
		const col = Math.floor((dayNum(e.date) - origin) / k);
		if (!lanes.has(lane)) lanes.set(lane, new Map());
		lanes.get(lane).set(col, (lanes.get(lane).get(col) || 0) + 1);
	}
	const shown = {}, hidden = {};
	for (const [lane, cols] of lanes) {
		let drawn = 0, left = 0;
		for (const col of [...cols.keys()].sort((a, b) => a - b)) {
			const n = cols.get(col);
			const slots = n <= 3 ? Array(n).fill(1) : [1, 1, n - 2];
			for (const size of slots) {
				if (drawn < 240) drawn++;
				else left += size;
			}
		}
		shown[lane] = drawn;
		if (left) hidden[lane] = left;
	}
	return { shown, hidden, k };
}

/** Hover the first marker of `kind` (in `lane`, when given); the tooltip's title and body lines. */
async function hoverMark(page, kind, lane = null) {
	await page.$eval('#timeline canvas', (c) => c.scrollIntoView({ block: 'center' }));
	const pt = await page.evaluate(([k, l]) => {
		const c = window.Chart.getChart(document.querySelector('#timeline canvas'));
		const i = c.data.datasets.findIndex((d) => d.label === 'Events');
		const j = c.data.datasets[i].data.findIndex((p) => p.mark.kind === k && (!l || p.mark.lane === l));
		const el = c.getDatasetMeta(i).data[j];
		const r = c.canvas.getBoundingClientRect();
		return { x: r.left + el.x, y: r.top + el.y, mark: c.data.datasets[i].data[j].mark };
	}, [kind, lane]);
	await page.mouse.move(pt.x, pt.y);
	await page.waitForFunction(() => window.Chart.getChart(document.querySelector('#timeline canvas')).tooltip.opacity > 0, null, { timeout: 5000 });
	const tip = await page.evaluate(() => {
		const t = window.Chart.getChart(document.querySelector('#timeline canvas')).tooltip;
		return { title: t.title.join(' '), lines: t.body.flatMap((b) => b.lines) };
	});
	return { ...tip, mark: pt.mark };
}

describe('creator: the events as markers in the timeline', () => {
	for (const view of VIEWS) {
		test(`markers per lane follow the crowding rule, hover names the activity, at ${view.width}×${view.height} ${view.theme}`, async () => {
			const { context, page, problems } = await openPage(view);
			try {
				for (const name of ['Odd Case', 'Loop Case 1', 'Crowded Case']) {
					await visit(page, `/creator?creator=${encodeURIComponent(name)}&range=90d`);
					const d = await api(`/api/v1/creators/${encodeURIComponent(name)}`);
					const got = await timelineMarks(page);
					assert.ok(got.has, `${name}: markers`);
					const want = expectedMarks(d.events, got.pxPerDay);
					assert.deepEqual(got.perLane, want.shown, `${name}: markers per lane (k = ${want.k})`);
					assert.ok(got.inLane, `${name}: each marker in its lane`);
					const notes = await text(page, '#event-notes');
					for (const [lane, n] of Object.entries(want.hidden)) assert.ok(notes.includes(`${int(n)} more events in ${lane} not drawn`), `${name}: ${notes}`);
					if (!Object.keys(want.hidden).length) assert.doesNotMatch(notes, /not drawn/);
					if (d.events_total > d.events.length) assert.ok(notes.includes(`The first ${int(d.events.length)} of ${int(d.events_total)} events`), notes);
					else assert.doesNotMatch(notes, /The first/);
					if (want.k > 1) assert.ok(notes.includes(`gathers ${want.k} days`), notes);
					assert.ok(await page.$('#event-legend'), `${name}: the markers' legend`);
					assert.ok(await page.$('#timeline a[data-csv="events"]'), `${name}: the events CSV`);
				}
				/* Odd Case: the other-events lane, a crowded day, the shapes' legend; hover */
				await visit(page, `/creator?creator=${encodeURIComponent('Odd Case')}&range=90d`);
				const odd = await timelineMarks(page);
				assert.ok(odd.lanes.includes('Other events'), 'events outside a stay get their lane');
				await page.screenshot({ path: path.join(ARTIFACTS, `creator-events-${view.width}x${view.height}-${view.theme}.png`), fullPage: true });
				const legend = await text(page, '#event-legend');
				for (const w of ['event of the department', 'maps to no department', 'done', 'more events']) assert.ok(legend.includes(w), legend);
				const mapped = await hoverMark(page, 'mapped');
				assert.equal(mapped.title, mapped.mark.ev.activity);
				assert.ok(mapped.lines.some((l) => l.includes(mapped.mark.ev.resource)), mapped.lines.join(' | '));
				assert.ok(mapped.lines.some((l) => /UTC/.test(l)), 'the time with its UTC note');
				const other = await hoverMark(page, 'other', 'Other events');
				assert.equal(other.title, other.mark.ev.activity);
				const more = await hoverMark(page, 'more');
				assert.match(more.title, new RegExp(`^${more.mark.more.length} more events`));
				assert.ok(more.lines.every((l, i) => i >= 8 || l.endsWith(more.mark.more[i].activity)), more.lines.join(' | '));
				await fits(page);

				/* a creator imported as tickets: the timeline as before, no event legend */
				await visit(page, '/creator?creator=Plain%20Ticket%20Creator&range=90d');
				const plain = await timelineMarks(page);
				assert.equal(plain.has, false, 'no marker dataset');
				assert.equal(await page.$('#event-legend'), null, 'no event legend');
				assert.equal(await page.$('#timeline a[data-csv="events"]'), null);
				assert.deepEqual(await pageErrors(page), []);
				assert.deepEqual(problems, []);
			} finally {
				await context.close();
			}
		});
	}
});

/* ---- rework ---- */

/** "12 (5.9%)", "–" when nothing was opened: the rule of docs/DASHBOARD.md. */
const rework = (t) => (t.rework_rate === null ? '–' : `${int(t.rework)} (${pct1(t.rework_rate)})`);

describe('rework on the overview, department and employee pages', () => {
	test('the figures are the API\'s', async () => {
		const { context, page, problems } = await openPage();
		try {
			const q = 'from=2025-11-23&to=2026-11-22&bucket=month';
			await visit(page, `/?${q}`);
			const ov = await api(`/api/v1/overview?${q}`);
			assert.ok(ov.departments.some((d) => d.totals.rework > 0), 'the store has rework');
			const cells = await page.$$eval('#dept-table tbody td.rework', (tds) => tds.map((t) => t.textContent.trim()));
			assert.deepEqual(cells, ov.departments.map((d) => rework(d.totals)));

			await visit(page, `/department?dept=Design&${q}`);
			const dep = await api(`/api/v1/departments/Design?${q}`);
			const rows = await page.$$eval('#team-table tbody tr', (trs) => trs.map((tr) => [tr.querySelector('th').textContent, tr.querySelector('td[data-col="rework"]').textContent]));
			assert.deepEqual(Object.fromEntries(rows), Object.fromEntries(dep.employees.map((e) => [e.name, rework(e.totals)])));
			assert.equal(await text(page, '[data-kpi="rework"] .value'), `${int(dep.department.totals.rework)} ${dep.department.totals.rework === 1 ? 'ticket' : 'tickets'}`);
			assert.match(await text(page, '[data-kpi="rework"] .delta'), new RegExp(`^${pct1(dep.department.totals.rework_rate).replace('.', '\\.')} of the tickets opened$`));

			const emp = dep.employees.find((e) => e.totals.rework > 0);
			await visit(page, `/employee?emp=${emp.id}&${q}`);
			const e = await api(`/api/v1/employees/${emp.id}?${q}`);
			assert.equal(await text(page, '[data-kpi="rework"] .value'), `${int(e.totals.rework)} ${e.totals.rework === 1 ? 'ticket' : 'tickets'}`);
			/* beside the person: the department's per-employee average (issue 13 point 6), not its totals */
			const pe = e.per_employee;
			assert.deepEqual(await page.$$eval('#vsdept tr[data-row="rework"] td', (tds) => tds.map((t) => t.textContent)),
				[rework(e.totals), `${pe.rework.toLocaleString('en-GB', { maximumFractionDigits: 1 })} (${pct1(pe.rework_rate)})`]);
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});
});
