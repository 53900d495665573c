// Drill-down (issue 13 point 7): every figure opens the tickets behind it.
//
// The rows the panel lists are checked against the API's point-in-time rows
// for the figure (GET /api/v1/pit with the drill-down filters, themselves
// checked against brute force in test/integration/test_drill.py), and their
// count against the figure's own n from the analytics route.  Also: sorting
// (aria-sort, keyboard), the CSV download's content, the creator link,
// Escape and focus return, the keyboard list of a chart's elements, the
// oldest open tickets on the department and employee pages.  Screenshots of
// the panel at both sizes and in both themes go to test/artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, AS_OF, SIZES, THEMES, api, env, openPage, settle, start, stop, visit } from './harness.mjs';

let meta;

before(async () => {
	await start();
	({ meta } = env);
});

after(stop);

const enc = (o) => new URLSearchParams(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)).toString();

/* every pit row of the query, all pages, with their tickets */
async function pitRows(params) {
	const rows = [];
	let cursor = null;
	for (;;) {
		const got = await api(`/api/v1/pit?${enc({ ...params, format: 'json', fields: 'ticket', limit: 10000, cursor })}`);
		rows.push(...got.rows);
		cursor = got.next_cursor;
		if (!cursor) return rows;
	}
}

const dayNum = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / 86400000;

/* the panel's lines as the API's rows say they must be */
function expectedLines(rows, asOf) {
	return rows.map((r) => ({
		ticket_id: r.ticket_id, creator: r.creator, employee: r.employee, department: r.department,
		opened_on: r.opened_on, closed_on: r.closed_on || '', days: String(dayNum(r.closed_on || asOf) - dayNum(r.opened_on)),
	})).sort((a, b) => (a.ticket_id < b.ticket_id ? -1 : 1));
}

async function waitPanel(page) {
	await page.waitForSelector('dialog#drill[open]');
	await page.waitForFunction(() => {
		const d = document.querySelector('dialog#drill');
		return d && d.open && !d.querySelector('.spinner') && (d.querySelector('.drill-table') || d.querySelector('.drill-list') || d.querySelector('.state'));
	}, null, { timeout: 20000 });
}

async function panelCount(page) {
	const t = await page.$eval('dialog#drill .drill-count strong', (e) => e.textContent);
	const m = /^([\d,]+) tickets?$/.exec(t.trim());
	assert.ok(m, `count line: ${t}`);
	return Number(m[1].replace(/,/g, ''));
}

/* the table's lines: a cell per column heading (the panel shows every row: buckets are small here) */
async function panelLines(page) {
	return page.$eval('dialog#drill .drill-table', (t) => {
		const heads = [...t.tHead.rows[0].cells].map((c) => c.querySelector('button').dataset.sort);
		return [...t.tBodies[0].rows].map((r) => Object.fromEntries(heads.map((k, i) => {
			const cell = r.cells[i];
			/* the creator's cell also holds the ticket and employee shown under it on a phone */
			let v = (k === 'creator' ? cell.querySelector('a') : cell).textContent.trim();
			if (k === 'closed_on' && v === 'open') v = '';
			if (k === 'days') v = v.replace(/\+$/, '').replace(/,/g, '');
			return [k, v];
		})));
	});
}

/* a chart element's centre, scrolled into view, in page coordinates */
async function elementPoint(page, canvas, datasetIndex, index) {
	await canvas.scrollIntoViewIfNeeded();
	return canvas.evaluate((c, [di, i]) => {
		const ch = window.Chart.getChart(c);
		const el = ch.getDatasetMeta(di).data[i];
		const p = el.getCenterPoint();
		const r = c.getBoundingClientRect();
		return { x: r.left + p.x, y: r.top + p.y };
	}, [datasetIndex, index]);
}

async function chartBy(page, sel, labelStart) {
	for (const c of await page.$$(sel)) {
		const label = await c.getAttribute('aria-label');
		if (label && label.startsWith(labelStart)) return c;
	}
	assert.fail(`no chart ${sel} labelled ${labelStart}…`);
}

describe('drill-down', () => {
	test('overview: a Closed bar lists exactly the tickets of that department closed in that week; sorting; CSV; creator link', async () => {
		const { context, page, problems } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/');
		const ov = await api('/api/v1/overview');
		const dept = ov.departments.find((d) => d.name === 'Design') || ov.departments[0];
		/* the busiest complete week (cut buckets are drawn too; a full one is the common case) */
		let idx = 0;
		dept.series.forEach((s, i) => { if (s.closed > dept.series[idx].closed && s.closed <= 200) idx = i; });
		const s = dept.series[idx];
		assert.ok(s.closed > 1, `a week of ${dept.name} with closes (${s.closed})`);
		const canvas = await chartBy(page, '#flow canvas', `${dept.name}:`);
		const closedSet = await canvas.evaluate((c) => window.Chart.getChart(c).data.datasets.findIndex((d) => d.label === 'Closed'));
		const pt = await elementPoint(page, canvas, closedSet, idx);
		await page.mouse.click(pt.x, pt.y);
		await waitPanel(page);
		assert.equal(await panelCount(page), s.closed, 'the count is the figure’s n');
		assert.equal(s.closed, s.lead_time.n);
		const want = expectedLines(await pitRows({ from: s.start, to: s.end, only: 'closed', department: dept.name }), AS_OF);
		assert.equal(want.length, s.closed);
		const got = await panelLines(page);
		assert.deepEqual(got.map(({ ticket_id, creator, employee, opened_on, closed_on, days }) => ({ ticket_id, creator, employee, opened_on, closed_on, days }))
			.sort((a, b) => (a.ticket_id < b.ticket_id ? -1 : 1)),
		want.map(({ ticket_id, creator, employee, opened_on, closed_on, days }) => ({ ticket_id, creator, employee, opened_on, closed_on, days })));
		for (const l of got) assert.ok(l.closed_on >= s.start && l.closed_on <= s.end, `${l.ticket_id} closed in the week`);
		const title = await page.$eval('#drill-h', (e) => e.textContent);
		assert.ok(title.startsWith(`${dept.name}: closed · `), title);
		assert.equal(await page.getByRole('dialog', { name: title }).count(), 1, 'a dialog named by its title');
		assert.ok(await page.$eval('dialog#drill', (d) => d.contains(document.activeElement)), 'focus moved into the panel');

		/* sorting: by days descending first; the heading button toggles, the keyboard works too */
		const sortOf = (k) => page.$eval(`dialog#drill th:has(button[data-sort="${k}"])`, (th) => th.getAttribute('aria-sort'));
		assert.equal(await sortOf('days'), 'descending');
		let days = (await panelLines(page)).map((l) => Number(l.days));
		assert.deepEqual(days, [...days].sort((a, b) => b - a));
		await page.click('dialog#drill button[data-sort="days"]');
		assert.equal(await sortOf('days'), 'ascending');
		days = (await panelLines(page)).map((l) => Number(l.days));
		assert.deepEqual(days, [...days].sort((a, b) => a - b));
		await page.focus('dialog#drill button[data-sort="creator"]');
		await page.keyboard.press('Enter');
		assert.equal(await sortOf('creator'), 'ascending');
		assert.equal(await sortOf('days'), 'none');
		assert.equal(await page.evaluate(() => document.activeElement.dataset.sort), 'creator', 'focus stays on the heading');
		const creators = (await panelLines(page)).map((l) => l.creator);
		assert.deepEqual(creators, [...creators].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
		await page.keyboard.press('Space');
		assert.equal(await sortOf('creator'), 'descending');

		/* the CSV holds exactly those rows */
		const [dl] = await Promise.all([page.waitForEvent('download'), page.click('dialog#drill .drill-csv')]);
		const csvText = fs.readFileSync(await dl.path(), 'utf8');
		const lines = csvText.trimEnd().split('\n');
		assert.equal(lines[0], 'ticket_id,creator,employee,employee_id,department,opened_on,closed_on,days');
		const parse = (line) => {
			const out = [];
			let cur = '', q = false;
			for (let i = 0; i < line.length; i++) {
				const ch = line[i];
				if (q) {
					if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch;
				} else if (ch === '"') q = true; else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
			}
			out.push(cur);
			return out;
		};
		const csvRows = lines.slice(1).map(parse).map(([ticket_id, creator, employee, , department, opened_on, closed_on, d]) => ({ ticket_id, creator, employee, department, opened_on, closed_on, days: d }))
			.sort((a, b) => (a.ticket_id < b.ticket_id ? -1 : 1));
		assert.deepEqual(csvRows, want);
		assert.match(dl.suggestedFilename(), new RegExp(`^tickets-.*-${s.start}-${s.end}\\.csv$`));

		/* each creator links to the creator timeline */
		const link = await page.$('dialog#drill .drill-table tbody tr a[href^="/creator"]');
		const name = await link.textContent();
		const href = new URL(await link.getAttribute('href'), env.base);
		assert.equal(href.pathname, '/creator');
		assert.equal(href.searchParams.get('creator'), name);
		await Promise.all([page.waitForEvent('load'), link.click()]);
		await settle(page);
		assert.equal(new URL(page.url()).searchParams.get('creator'), name);
		assert.deepEqual(problems, []);
		await context.close();
	});

	test('overview: a KPI opens with Enter; Escape closes and focus returns; the backlog KPI lists the tickets open on the last day', async () => {
		const { context, page, problems } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/');
		const ov = await api('/api/v1/overview');
		await page.focus('.kpi[data-kpi="backlog"] .value');
		await page.keyboard.press('Enter');
		await waitPanel(page);
		assert.equal(await panelCount(page), ov.kpis.backlog);
		const open = await pitRows({ from: ov.range.to, to: ov.range.to, only: 'open' });
		assert.equal(open.length, ov.kpis.backlog);
		assert.equal(await page.evaluate(() => document.activeElement.id), 'drill-h', 'focus on the panel’s title');
		await page.keyboard.press('Escape');
		await page.waitForFunction(() => !document.querySelector('dialog#drill').open);
		assert.equal(await page.evaluate(() => document.activeElement.closest('.kpi') && document.activeElement.closest('.kpi').dataset.kpi), 'backlog', 'focus returned to the KPI');
		/* Space on the SLA tile: every close of the range */
		await page.focus('.kpi[data-kpi="sla_hit_rate"] .value');
		await page.keyboard.press('Space');
		await waitPanel(page);
		const closed = await pitRows({ from: ov.range.from, to: ov.range.to, only: 'closed' });
		assert.equal(await panelCount(page), closed.length);
		const sla = Object.fromEntries(meta.departments.map((d) => [d.name, d.sla_days]));
		assert.ok(Math.abs(closed.filter((r) => r.days_to_close <= sla[r.department]).length / closed.length - ov.kpis.sla_hit_rate) < 6e-4);
		/* the close button closes too, focus back on the tile */
		await page.click('dialog#drill .drill-close');
		assert.equal(await page.evaluate(() => document.activeElement.closest('.kpi').dataset.kpi), 'sla_hit_rate');
		/* campaigns started: the first tickets of the last department opened in the range */
		await page.click('.kpi[data-kpi="campaign_starts"] .value');
		await waitPanel(page);
		assert.equal(await panelCount(page), ov.kpis.campaign_starts);
		await page.keyboard.press('Escape');
		assert.deepEqual(problems, []);
		await context.close();
	});

	test('overview: the keyboard list of a chart’s bars; the department table’s cells', async () => {
		const { context, page, problems } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/');
		const ov = await api('/api/v1/overview');
		const btn = await page.$('#glance .drill-tool');
		await btn.focus();
		await page.keyboard.press('Enter');
		await waitPanel(page);
		const items = await page.$$eval('dialog#drill .drill-item', (b) => b.map((x) => x.textContent));
		const withOpen = ov.departments.filter((d) => d.totals.backlog_end > 0);
		assert.equal(items.length, withOpen.length, 'one item per bar');
		await page.focus('dialog#drill .drill-item');
		await page.keyboard.press('Enter');
		await waitPanel(page);
		await page.waitForSelector('dialog#drill .drill-table');
		assert.equal(await panelCount(page), withOpen[0].totals.backlog_end);
		/* back to the list, then Escape: focus on the button that opened it */
		await page.click('dialog#drill .drill-back');
		await page.waitForSelector('dialog#drill .drill-item');
		await page.keyboard.press('Escape');
		assert.ok(await page.evaluate(() => document.activeElement.classList.contains('drill-tool')), 'focus back on the card’s Tickets tool');
		/* the table: one tab stop, arrows move, Enter opens */
		const first = await page.$('#dept-table button.cell-drill[tabindex="0"]');
		assert.ok(first, 'a cell in the tab order');
		assert.equal(await page.$$eval('#dept-table button.cell-drill[tabindex="0"]', (b) => b.length), 1);
		await first.focus();
		await page.keyboard.press('ArrowRight'); /* Opened → Closed */
		const col = await page.evaluate(() => {
			const td = document.activeElement.closest('td');
			return td.closest('table').tHead.rows[0].cells[td.cellIndex].textContent.trim();
		});
		assert.match(col, /^Closed/);
		await page.keyboard.press('Enter');
		await waitPanel(page);
		assert.equal(await panelCount(page), ov.departments[0].totals.closed);
		await page.keyboard.press('Escape');
		assert.deepEqual(problems, []);
		await context.close();
	});

	test('department: the oldest open tickets are the API’s; a heatmap cell and a flag open their tickets', async () => {
		const { context, page, problems } = await openPage({ width: 1280, height: 800 });
		const dept = meta.departments.find((d) => d.name === 'Design') || meta.departments[0];
		await visit(page, `/department?dept=${encodeURIComponent(dept.name)}`);
		const data = await api(`/api/v1/departments/${encodeURIComponent(dept.name)}`);
		const to = data.range.to;
		const open = (await pitRows({ from: to, to, only: 'open', department: dept.name }))
			.sort((a, b) => b.ticket_age - a.ticket_age || (a.ticket_id < b.ticket_id ? -1 : 1));
		assert.ok(open.length > 0);
		const shown = await page.$$eval('#oldest-table tbody tr', (rs) => rs.map((r) => r.dataset.ticket));
		assert.deepEqual(shown, open.slice(0, shown.length).map((r) => r.ticket_id));
		assert.equal(shown.length, Math.min(10, open.length));
		const ages = await page.$$eval('#oldest-table tbody tr td.n', (c) => c.map((x) => parseInt(x.textContent, 10)));
		assert.deepEqual(ages, open.slice(0, shown.length).map((r) => r.ticket_age));

		/* a heatmap cell: that employee's closes in that period */
		const cell = await page.$('table.heat tbody td.h button.cell-drill');
		const where = await cell.evaluate((b) => {
			const td = b.closest('td');
			return { row: td.parentElement.rowIndex - 1, col: td.cellIndex - 1 };
		});
		const emps = [...data.employees].sort((a, b) => a.name.localeCompare(b.name));
		const e = emps[where.row];
		const s = e.series[where.col];
		await cell.scrollIntoViewIfNeeded();
		await cell.click();
		await waitPanel(page);
		assert.equal(await panelCount(page), s.closed);
		const rows = await pitRows({ from: s.start, to: s.end, only: 'closed', employee_id: e.id });
		assert.deepEqual((await panelLines(page)).map((l) => l.ticket_id).sort(), rows.map((r) => r.ticket_id).sort());
		await page.keyboard.press('Escape');

		/* a flag: Space on it; the rule's rows (a median flag: the closes; a workload flag: the open days) */
		const flag = await page.$('#team-table td.flagged .flag[role="button"]');
		assert.ok(flag, 'a flagged cell (the harness sets strict thresholds)');
		const info = await flag.evaluate((f) => ({ emp: f.closest('tr').dataset.emp, rule: f.closest('td').dataset.flag }));
		const fe = data.employees.find((x) => String(x.id) === info.emp);
		await flag.focus();
		await page.keyboard.press('Space');
		await waitPanel(page);
		if (info.rule === 'max_avg_open') {
			const openRows = await pitRows({ from: data.range.from, to, only: 'open', employee_id: fe.id });
			assert.equal(await panelCount(page), new Set(openRows.map((r) => r.ticket_id)).size);
		} else assert.equal(await panelCount(page), fe.totals.closed);
		await page.keyboard.press('Escape');
		assert.equal(await page.evaluate(() => document.activeElement.classList.contains('flag')), true, 'focus back on the flag');
		assert.deepEqual(problems, []);
		await context.close();
	});

	test('employee: the oldest open tickets from the API; all of them in the panel; a daily bar', async () => {
		const { context, page, problems } = await openPage({ width: 1280, height: 800 });
		/* the employee with the most open tickets on the last day */
		const open = await pitRows({ from: AS_OF, to: AS_OF, only: 'open' });
		const count = new Map();
		for (const r of open) count.set(r.employee_id, (count.get(r.employee_id) || 0) + 1);
		const [eid, n] = [...count].sort((a, b) => b[1] - a[1])[0];
		assert.ok(n > 10, `an employee with more than 10 open tickets (${n})`);
		await visit(page, `/employee?emp=${eid}`);
		const mine = open.filter((r) => r.employee_id === eid).sort((a, b) => b.ticket_age - a.ticket_age || (a.ticket_id < b.ticket_id ? -1 : 1));
		const shown = await page.$$eval('#oldest-table tbody tr', (rs) => rs.map((r) => r.dataset.ticket));
		assert.deepEqual(shown, mine.slice(0, 10).map((r) => r.ticket_id));
		const ages = await page.$$eval('#oldest-table tbody tr td.n', (c) => c.map((x) => parseInt(x.textContent, 10)));
		assert.deepEqual(ages, mine.slice(0, 10).map((r) => r.ticket_age));
		await page.click('#oldest .drill-all');
		await waitPanel(page);
		assert.equal(await panelCount(page), n);
		await page.keyboard.press('Escape');
		assert.equal(await page.evaluate(() => document.activeElement.classList.contains('drill-all')), true);

		/* a day's closed bar: that day's closes */
		const emp = await api(`/api/v1/employees/${eid}`);
		const i = emp.daily.findIndex((d) => d.closed > 0);
		assert.ok(i >= 0, 'a day with closes');
		const canvas = (await page.$$('#daily canvas'))[1];
		const pt = await elementPoint(page, canvas, 1, i);
		await page.mouse.click(pt.x, pt.y);
		await waitPanel(page);
		assert.equal(await panelCount(page), emp.daily[i].closed);
		const rows = await pitRows({ from: emp.daily[i].date, to: emp.daily[i].date, only: 'closed', employee_id: eid });
		assert.deepEqual((await panelLines(page)).map((l) => l.ticket_id).sort(), rows.map((r) => r.ticket_id).sort());
		assert.deepEqual(problems, []);
		await context.close();
	});

	test('compare, leaderboard and flow pages: their figures open their closes', async () => {
		const { context, page, problems } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/compare');
		const cmp = await api('/api/v1/compare');
		const i = cmp.departments.findIndex((d) => d.b && d.b.n > 0);
		const d = cmp.departments[i];
		await page.click(`#cmp-table tbody tr:nth-child(${i + 1}) td[data-label^="B median"] button.cell-drill`);
		await waitPanel(page);
		assert.equal(await panelCount(page), d.b.n);
		const rows = await pitRows({ from: cmp.b.from, to: cmp.b.to, only: 'closed', department: d.name });
		assert.equal(rows.length, d.b.n);
		await page.keyboard.press('Escape');

		await visit(page, '/leaderboard');
		const lb = await api('/api/v1/leaderboard');
		const block = lb.week;
		const dept = block.departments.find((x) => x.most_closed.length);
		const e = dept.most_closed[0];
		await page.click(`ol.rank li[data-entry="${e.id}|most_closed"] .val button.cell-drill`);
		await waitPanel(page);
		assert.equal(await panelCount(page), e.value, 'most closed: the count is the value');
		const mine = await pitRows({ from: block.start, to: block.end, only: 'closed', employee_id: e.id });
		assert.deepEqual((await panelLines(page)).map((l) => l.ticket_id).sort(), mine.map((r) => r.ticket_id).sort());
		await page.keyboard.press('Escape');

		await visit(page, '/flow?dept=Design');
		const fl = await api('/api/v1/flow?department=Design');
		const daily = fl.departments[0].daily;
		const k = daily.length - 1;
		const canvas = await page.$('#throughput canvas');
		const pt = await elementPoint(page, canvas, 0, k);
		await page.mouse.click(pt.x, pt.y);
		await waitPanel(page);
		assert.equal(await panelCount(page), Math.round(daily[k].closed_ma28 * 28), 'the 28-day average × 28');
		assert.deepEqual(problems, []);
		await context.close();
	});

	test('screenshots of the panel: both sizes, both themes', async () => {
		for (const size of SIZES) {
			for (const theme of THEMES) {
				const { context, page, problems } = await openPage({ ...size, theme });
				await visit(page, '/');
				await page.click('.kpi[data-kpi="backlog"] .value');
				await waitPanel(page);
				const box = await page.$eval('dialog#drill', (d) => {
					const r = d.getBoundingClientRect();
					return { left: r.left, right: r.right, width: r.width, scroll: d.querySelector('.drill-body').scrollWidth - d.querySelector('.drill-body').clientWidth };
				});
				assert.ok(box.right <= size.width + 1 && box.left >= -1, `the panel fits the window (${JSON.stringify(box)})`);
				if (size.width < 720) assert.ok(box.width >= size.width - 1, 'full width on a phone');
				await page.screenshot({ path: path.join(ARTIFACTS, `drill-${size.width}-${theme}.png`) });
				assert.deepEqual(problems, []);
				await context.close();
			}
		}
	});
});
