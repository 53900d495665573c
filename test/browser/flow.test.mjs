// Browser tests of issue 11's dashboard side: aging work in progress, the
// Flow page (control chart, cumulative flow, throughput, net flow,
// forecast), the downloads (CSV of every chart and table, PNG of every
// chart), time travel (as_of) and business days in the URL and in every
// request, and the overview's pipeline KPIs with their meaning.
//
// Each chart's numbers are read from its Chart.js instance and compared with
// the API's JSON for the same query; each CSV download is compared byte for
// byte with the API's format=csv of the query the test builds itself, and
// the numbers of the CSV with the chart's.  Harness and environment:
// harness.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
	AS_OF, ROOT, api, assertDrawn, canvasInk, controlValue, env, openPage, query, recordRequests, settle, start, stop, text, visit,
} from './harness.mjs';

before(start);
after(stop);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const int = (n) => n.toLocaleString('en-GB');
const longDate = (iso) => {
	const [y, m, d] = iso.split('-').map(Number);
	return `${d} ${MONTHS[m - 1]} ${y}`;
};
const enc = encodeURIComponent;

/* ---- helpers ---- */

/** The datasets of the chart drawn in [data-chart=name]: label and data (plain JSON). */
function chartOf(page, name) {
	/* found and read in one evaluate (harness.mjs: a redraw between two round trips leaves a detached canvas) */
	return page.evaluate((sel) => {
		const c = document.querySelector(sel);
		if (!c) throw new Error(`no canvas ${sel}`);
		const ch = window.Chart.getChart(c);
		return {
			labels: ch.data.labels || null,
			datasets: ch.data.datasets.map((d) => ({ label: d.label, data: d.data })),
			annotations: JSON.parse(JSON.stringify((ch.options.plugins.annotation || {}).annotations || {})),
		};
	}, `[data-chart="${name}"] canvas`);
}

/** RFC 4180 CSV -> rows of strings. */
function parseCSV(textIn) {
	const rows = [];
	let row = [], cell = '', quoted = false;
	for (let i = 0; i < textIn.length; i++) {
		const ch = textIn[i];
		if (quoted) {
			if (ch === '"' && textIn[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false;
			else cell += ch;
		} else if (ch === '"') quoted = true;
		else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += ch;
	}
	if (cell || row.length) { row.push(cell); rows.push(row); }
	return rows;
}

/** CSV rows as objects keyed by the header. */
function csvObjects(buf) {
	const [head, ...rows] = parseCSV(buf.toString('utf8'));
	return rows.map((r) => Object.fromEntries(head.map((k, i) => [k, r[i]])));
}

async function apiCSV(pathAndQuery) {
	const r = await fetch(`${env.base}${pathAndQuery}`);
	assert.equal(r.status, 200, pathAndQuery);
	assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8', pathAndQuery);
	return Buffer.from(await r.arrayBuffer());
}

/** Click sel and return the file the page downloads. */
async function download(page, sel) {
	const el = page.locator(sel).first();
	await el.scrollIntoViewIfNeeded();
	const [dl] = await Promise.all([
		page.waitForEvent('download', { timeout: 10000 }).catch((e) => { throw new Error(`no download from ${sel}: ${e.message}`); }),
		el.click(),
	]);
	return { name: dl.suggestedFilename(), body: fs.readFileSync(await dl.path()) };
}

/**
 * Every CSV link of the page is one of `want` ({card, table, url}: the query
 * the test expects that card to be drawn from) and each downloads exactly
 * the API's CSV of that query; returns the downloads by "card/table".
 */
async function checkDownloads(page, want) {
	const links = await page.$$eval('a[data-csv]', (as) => as.map((a) => `${a.closest('section').id}/${a.dataset.csv}`));
	assert.deepEqual([...links].sort(), want.map((w) => `${w.card}/${w.table}`).sort(), 'the CSV links of the page');
	const got = {};
	for (const [i, w] of want.entries()) {
		/* headless Chromium drops a page's 11th download (the 12th goes through): a fresh load every 10 */
		if (i && i % 10 === 0) {
			await page.reload();
			await settle(page);
		}
		const file = await download(page, `#${w.card} a[data-csv="${w.table}"]`);
		const sep = w.url.includes('?') ? '&' : '?';
		const expected = await apiCSV(`${w.url}${sep}format=csv&table=${w.table}`);
		assert.ok(file.body.equals(expected), `${w.card}: the ${w.table} CSV equals the API's for ${w.url}`);
		assert.match(file.name, new RegExp(`-${w.table}-\\d{4}-\\d\\d-\\d\\d-\\d{4}-\\d\\d-\\d\\d\\.csv$`), file.name);
		got[`${w.card}/${w.table}`] = file.body;
	}
	return got;
}

/** PNG signature and the IHDR width and height. */
function pngSize(buf) {
	assert.ok(buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'a PNG file');
	return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** The sentence after `label` in docs/API.md, in quotes (line breaks as spaces). */
function docSentence(label) {
	const md = fs.readFileSync(path.join(ROOT, 'docs/API.md'), 'utf8');
	const m = new RegExp(`${label}: "([^"]+)"`).exec(md);
	assert.ok(m, `docs/API.md has the ${label}`);
	return m[1].replace(/\s+/g, ' ').replace(/'/g, '’'); /* the pages set apostrophes typographically */
}

/* ---- aging work in progress, KPIs ---- */

describe('aging work in progress and the pipeline KPIs', () => {
	test('overview: the WIP chart, the oldest open, per employee, KPI meaning and every download', async () => {
		const { context, page, problems } = await openPage();
		try {
			const F = '2026-08-01', T = '2026-10-31';
			await visit(page, `/?from=${F}&to=${T}&bucket=month`);
			const wipQ = `/api/v1/wip?from=${F}&to=${T}&limit=10`;
			const wip = await api(wipQ);
			const ov = await api(`/api/v1/overview?from=${F}&to=${T}&bucket=month`);

			/* the chart: one row per department in pipeline order, a dot per open ticket at its age */
			const ch = await chartOf(page, 'wip');
			const depts = [...wip.departments].sort((a, b) => a.position - b.position);
			assert.deepEqual(ch.datasets.map((d) => d.label), depts.map((d) => d.name));
			depts.forEach((d, i) => {
				const dots = ch.datasets[i].data;
				assert.deepEqual(dots.map((p) => [p.item.ticket_id, p.x]), d.items.map((it) => [it.ticket_id, it.age]), `${d.name}: its open tickets at their ages`);
				assert.ok(dots.every((p) => Math.abs(p.y - i) < 0.5), `${d.name}: dots in its row`);
				/* the zone bands end at the department's percentiles */
				const p = d.percentiles;
				assert.deepEqual(['z0', 'z1', 'z2', 'z3', 'z4'].map((_, j) => ch.annotations[`r${i}z${j}`].xMax ?? null), [p.p50, p.p70, p.p85, p.p95, null]);
			});
			assert.equal(depts.reduce((n, d) => n + d.open, 0), ch.datasets.reduce((n, d) => n + d.data.length, 0));
			const p95 = depts.reduce((n, d) => n + d.zones.p95, 0);
			assert.match(await text(page, '#wip-insight'), new RegExp(`^${int(depts.reduce((n, d) => n + d.open, 0))} tickets open on ${longDate(T)}; ${int(p95)} of them`));

			/* the oldest open, linking to the creator timeline */
			const oldest = await page.$$eval('#oldest-table tbody tr', (trs) => trs.map((tr) => ({
				ticket: tr.dataset.ticket, creator: tr.querySelector('a').textContent, href: tr.querySelector('a').getAttribute('href'),
				age: tr.children[2].textContent,
			})));
			assert.deepEqual(oldest.map((o) => [o.ticket, o.creator, o.age]), wip.oldest.map((o) => [o.ticket_id, o.creator, `${int(o.age)} d`]));
			for (const o of oldest) assert.equal(new URL(o.href, env.base).searchParams.get('creator'), o.creator);

			/* open tickets per employee, per zone */
			const emps = await page.$$eval('#wip-emp-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.emp, ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
			assert.deepEqual(emps, wip.employees.map((e) => [String(e.id), e.department, int(e.open), `${int(e.oldest_age)} d`,
				...['under_p50', 'p50', 'p70', 'p85', 'p95'].map((z) => int(e.zones[z]))]));

			/* the pipeline KPIs and what they count */
			assert.equal(await text(page, '[data-kpi="throughput_per_week"] .value'), `${ov.kpis.throughput_per_week.toLocaleString('en-GB', { maximumFractionDigits: 1 })} creators / wk`);
			assert.equal(await text(page, '[data-kpi="campaign_starts"] .value'), `${int(ov.kpis.campaign_starts)} creators`);
			for (const [kpi, label] of [['throughput_per_week', 'Tooltip sentence for the throughput card'], ['end_to_end_p50', 'For the median card']]) {
				const sentence = docSentence(label);
				const tip = `[data-kpi="${kpi}"] .info-tip`;
				/* docs/API.md's sentence first, then the rows it counts and n (defs.js, issue 13 point 6) */
				const desc = await page.$eval(tip, (b) => document.getElementById(b.getAttribute('aria-describedby')).textContent);
				assert.ok(desc.startsWith(sentence), `${kpi}: the tooltip begins with docs/API.md's sentence: ${desc}`);
				const n = kpi === 'throughput_per_week' ? ov.kpis.campaign_starts : ov.end_to_end.totals.n;
				assert.ok(desc.endsWith(`n = ${int(n)} ${kpi === 'throughput_per_week' ? 'campaign starts' : 'campaigns'}.`), `${kpi}: its n: ${desc}`);
				await page.focus(tip);
				assert.ok(await page.isVisible('#info-float'), 'the explanation shows on focus');
				assert.equal(await text(page, '#info-float'), desc);
				await page.keyboard.press('Escape');
				assert.equal(await page.isVisible('#info-float'), false, 'Escape hides it');
			}

			/* every card's CSV is the API's CSV of the same query */
			const ovU = `/api/v1/overview?from=${F}&to=${T}&bucket=month`;
			const got = await checkDownloads(page, [
				{ card: 'trend', table: 'end_to_end', url: ovU }, { card: 'trend', table: 'rolling_28d', url: ovU },
				{ card: 'glance', table: 'departments', url: ovU }, { card: 'flow', table: 'series', url: ovU },
				{ card: 'deptlt', table: 'series', url: ovU }, { card: 'weekday', table: 'weekday_profile', url: ovU },
				{ card: 'where', table: 'series', url: `/api/v1/stages?from=${F}&to=${T}&bucket=month` },
				{ card: 'wip', table: 'items', url: wipQ }, { card: 'wip', table: 'departments', url: wipQ },
				{ card: 'oldest', table: 'oldest', url: wipQ }, { card: 'wipemp', table: 'employees', url: wipQ },
			]);
			/* ... and holds the numbers the chart shows */
			const items = csvObjects(got['wip/items']);
			assert.deepEqual(items.map((r) => [r.department, r.ticket_id, Number(r.age)]),
				depts.flatMap((d, i) => ch.datasets[i].data.map((p) => [d.name, p.item.ticket_id, p.x])));
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('department: one row per employee with open tickets, the department\'s bands, the downloads', async () => {
		const { context, page, problems } = await openPage({ width: 390, height: 844 });
		try {
			const F = '2026-07-01', T = '2026-09-30';
			await visit(page, `/department?dept=Contract&from=${F}&to=${T}&bucket=month`);
			const wipQ = `/api/v1/wip?from=${F}&to=${T}&department=Contract&limit=10`;
			const wip = await api(wipQ);
			const ch = await chartOf(page, 'wip');
			const emps = wip.employees.filter((e) => e.open > 0);
			assert.deepEqual(ch.datasets.map((d) => d.label), emps.map((e) => e.name), 'a row per employee with open tickets');
			const items = wip.departments[0].items;
			emps.forEach((e, i) => assert.deepEqual(ch.datasets[i].data.map((p) => [p.item.ticket_id, p.x]),
				items.filter((it) => it.employee_id === e.id).map((it) => [it.ticket_id, it.age]), e.name));
			const p = wip.departments[0].percentiles;
			assert.deepEqual([0, 1, 2, 3, 4].map((j) => ch.annotations[`r0z${j}`].xMax ?? null), [p.p50, p.p70, p.p85, p.p95, null]);
			assert.equal(ch.annotations.r1z0, undefined, 'one set of bands across the rows');
			const dq = `/api/v1/departments/Contract?from=${F}&to=${T}&bucket=month`;
			await checkDownloads(page, [
				{ card: 'team', table: 'employees', url: dq }, { card: 'workload', table: 'employees', url: dq },
				{ card: 'box', table: 'employees', url: dq }, { card: 'closes', table: 'series', url: dq },
				{ card: 'wip', table: 'items', url: wipQ }, { card: 'wip', table: 'departments', url: wipQ },
				{ card: 'oldest', table: 'oldest', url: wipQ }, { card: 'wipemp', table: 'employees', url: wipQ },
			]);
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});
});

/* ---- the Flow page ---- */

describe('the Flow page', () => {
	test('control chart, outliers, cumulative flow, throughput and net flow hold the API\'s numbers; CSV, PNG, a dot to its creator', async () => {
		const { context, page, problems } = await openPage();
		try {
			const F = '2026-05-01', T = '2026-10-31';
			await visit(page, `/flow?dept=Sales&from=${F}&to=${T}&bucket=week`);
			assertDrawn(await canvasInk(page));
			const scQ = `/api/v1/scatter?from=${F}&to=${T}&department=Sales`;
			const flQ = `/api/v1/flow?from=${F}&to=${T}&bucket=week&department=Sales`;
			const sc = (await api(scQ)).departments[0];
			const fl = (await api(flQ)).departments[0];

			const ch = await chartOf(page, 'scatter');
			const byLabel = (re) => ch.datasets.find((d) => re.test(d.label));
			const points = byLabel(/ticket closed/).data, outs = byLabel(/^Outlier/).data;
			assert.deepEqual(points.map((x) => x.p), sc.points.filter((x) => !x.outlier), 'a dot per close inside the fences');
			assert.deepEqual(outs.map((x) => x.p), sc.points.filter((x) => x.outlier), 'the outliers marked');
			assert.ok(points.every((x) => x.y === x.p.days) && outs.every((x) => x.y === x.p.days), 'dots at their days to close');
			assert.deepEqual(byLabel(/median/).data.map((x) => x.y), sc.rolling.map((r) => r.median), 'the rolling median');
			assert.deepEqual(byLabel(/Middle half/).data.map((x) => x.y), sc.rolling.map((r) => r.q3), 'the band\'s top');
			assert.deepEqual(ch.datasets[0].data.map((x) => x.y), sc.rolling.map((r) => r.q1), 'the band\'s bottom');
			assert.deepEqual(['p50', 'p85', 'p95'].map((k) => ch.annotations[k].value), [sc.stats.p50, sc.stats.p85, sc.stats.p95], 'the percentile lines');
			const listed = await page.$$eval('#outlier-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.ticket, tr.querySelector('a').textContent, tr.children[2].textContent]));
			assert.deepEqual(listed, sc.outliers.map((o) => [o.ticket_id, o.creator, int(o.days)]), 'the outliers listed');

			const cfd = await chartOf(page, 'cfd');
			assert.deepEqual(cfd.datasets.map((d) => d.label), ['Done', 'In progress']);
			assert.deepEqual(cfd.datasets[0].data.map((x) => x.y), fl.daily.map((d) => d.done));
			assert.deepEqual(cfd.datasets[1].data.map((x) => x.y), fl.daily.map((d) => d.in_progress));
			assert.ok(fl.daily.every((d) => d.arrived === d.done + d.in_progress), 'the stack\'s top is what arrived');
			const tp = await chartOf(page, 'throughput');
			const series = (re) => tp.datasets.find((d) => re.test(d.label)).data.map((x) => x.y);
			assert.deepEqual(series(/^Closed that day/), fl.daily.map((d) => d.closed));
			assert.deepEqual(series(/^Closed, 28-day/), fl.daily.map((d) => d.closed_ma28));
			assert.deepEqual(series(/^Opened, 28-day/), fl.daily.map((d) => d.opened_ma28));
			const nf = await chartOf(page, 'netflow');
			assert.deepEqual(nf.datasets[0].data, fl.buckets.map((b) => b.net_flow));
			assert.equal(nf.labels.length, fl.buckets.length);

			const fcQ = `/api/v1/forecast?from=${F}&to=${T}`;
			const got = await checkDownloads(page, [
				{ card: 'scatter', table: 'points', url: scQ }, { card: 'scatter', table: 'rolling', url: scQ },
				{ card: 'scatter', table: 'stats', url: scQ }, { card: 'outliers', table: 'outliers', url: scQ },
				{ card: 'cfd', table: 'daily', url: flQ }, { card: 'throughput', table: 'daily', url: flQ },
				{ card: 'netflow', table: 'buckets', url: flQ }, { card: 'forecast', table: 'forecast', url: fcQ },
			]);
			/* the CSV holds the chart's dots, the percentiles its lines */
			const byId = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
			const rows = csvObjects(got['scatter/points']).map((r) => [r.ticket_id, r.date, Number(r.days), r.outlier === 'true']);
			assert.deepEqual(rows.sort(byId), [...points, ...outs].map((x) => [x.p.ticket_id, x.p.date, x.y, x.p.outlier]).sort(byId));
			const stats = csvObjects(got['scatter/stats'])[0];
			assert.deepEqual(['p50', 'p85', 'p95'].map((k) => Number(stats[k])), ['p50', 'p85', 'p95'].map((k) => ch.annotations[k].value));
			assert.deepEqual(csvObjects(got['netflow/buckets']).map((r) => Number(r.net_flow)), nf.datasets[0].data);

			/* a PNG of a chart: the card's canvas at least, on the card's background */
			const png = await download(page, '#scatter .tool.png');
			assert.match(png.name, /^flow-scatter-2026-05-01-2026-10-31\.png$/);
			const size = pngSize(png.body);
			const canvas = await page.evaluate(() => {
				const c = document.querySelector('#scatter canvas');
				return { width: c.width, height: c.height };
			});
			assert.ok(size.width > canvas.width && size.height > canvas.height, `PNG ${size.width}×${size.height} holds the ${canvas.width}×${canvas.height} chart`);
			assert.equal(await page.$$eval('#outliers .tool.png, #forecast .tool.png', (b) => b.length), 0, 'no PNG for a table');

			/* a click on a dot opens that creator's timeline, keeping the view */
			await page.locator('[data-chart="scatter"]').scrollIntoViewIfNeeded();
			const target = await page.evaluate(() => {
				const c = document.querySelector('[data-chart="scatter"] canvas');
				const chart = window.Chart.getChart(c);
				const pts = [];
				for (const di of [3, 4]) chart.getDatasetMeta(di).data.forEach((el, k) => pts.push({ x: el.x, y: el.y, p: chart.data.datasets[di].data[k].p }));
				/* a dot with no other within 9 px, so the click is unambiguous */
				const far = pts.filter((a) => pts.every((b) => b === a || Math.hypot(a.x - b.x, a.y - b.y) > 9));
				const r = c.getBoundingClientRect();
				const t = far[Math.floor(far.length / 2)];
				return t && { x: r.left + t.x, y: r.top + t.y, creator: t.p.creator };
			});
			assert.ok(target, 'a dot that stands alone');
			await Promise.all([page.waitForURL(/\/creator\?/), page.mouse.click(target.x, target.y)]);
			await settle(page);
			const q = query(page);
			assert.equal(q.get('creator'), target.creator);
			assert.equal(await page.textContent('h1'), target.creator);
			assert.deepEqual([q.get('from'), q.get('to'), q.get('bucket')], [F, T, 'week'], 'the view goes along');
			assertDrawn(await canvasInk(page));
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('forecast: history, date and N in the URL, the table equals the API', async () => {
		const { context, page, problems } = await openPage();
		try {
			const requests = recordRequests(page);
			const T = '2026-10-31';
			await visit(page, `/flow?dept=Design&from=2026-08-01&to=${T}&history=60&by=2026-11-30&items=40`);
			assert.equal(await controlValue(page, '#history'), '60');
			assert.equal(await controlValue(page, '#by'), '2026-11-30');
			assert.equal(await controlValue(page, '#items'), '40');
			const check = async (q) => {
				const fc = await api(`/api/v1/forecast?from=2026-08-01&to=${T}&${q}`);
				const rows = await page.$$eval('#forecast-table tbody tr', (trs) => trs.map((tr) => [tr.dataset.row, ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
				const when = (v) => (v ? longDate(v) : 'not within 3 years');
				const want = [...fc.departments.sort((a, b) => a.position - b.position), fc.campaign_starts].map((r) => [
					r.measure === 'closes' ? r.name : 'campaign_starts',
					r.history.mean_per_day.toLocaleString('en-GB', { maximumFractionDigits: 2 }), int(r.open_now),
					int(r.how_many.p50), int(r.how_many.p85), int(r.how_many.p95), when(r.when.p50), when(r.when.p85), when(r.when.p95)]);
				assert.deepEqual(rows, want, `the forecast table for ${q}`);
				assert.match(await text(page, '#forecast-method'), new RegExp(`^Method: 10,000 simulated futures .* from the ${fc.method.history_days} days .*each day independent of the others\\.$`));
				return fc;
			};
			const fc = await check('history=60&by=2026-11-30&items=40');
			assert.ok(fc.departments.every((r) => r.when.items === 40));
			assert.equal(await page.$eval('#forecast-table tr.current', (tr) => tr.dataset.row), 'Design', 'the department in view stands out');
			await page.fill('#history', '120');
			await page.press('#history', 'Enter');
			await settle(page);
			assert.equal(query(page).get('history'), '120');
			assert.ok(requests.some((u) => u.pathname === '/api/v1/forecast' && u.searchParams.get('history') === '120'), 'the forecast is asked again');
			await check('history=120&by=2026-11-30&items=40');
			await page.fill('#items', '');
			await page.press('#items', 'Enter');
			await settle(page);
			assert.equal(query(page).get('items'), null, 'no N: each row\'s open tickets');
			await check('history=120&by=2026-11-30');
			await page.goBack();
			await settle(page);
			assert.equal(await controlValue(page, '#items'), '40');
			await page.goBack();
			await settle(page);
			assert.equal(await controlValue(page, '#history'), '60');
			await check('history=60&by=2026-11-30&items=40');
			/* out of bounds: back to the defaults */
			await visit(page, `/flow?dept=Design&from=2026-08-01&to=${T}&history=2&by=2030-01-01&items=-3`);
			for (const k of ['history', 'by', 'items']) assert.equal(query(page).get(k), null, `${k} out of bounds is dropped`);
			assert.equal(await controlValue(page, '#by'), '2026-11-28', 'by defaults to 28 days after the range');
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});
});

/* ---- time travel and business days ---- */

describe('as_of and business days', () => {
	test('round-trip through the URL, change every request and the figures', async () => {
		const { context, page, problems } = await openPage();
		try {
			const requests = recordRequests(page);
			await visit(page, '/flow?dept=Sales&range=90d&bucket=week');
			assert.equal(await controlValue(page, '#as_of'), AS_OF);
			assert.equal(await page.$eval('#as_of', (i) => i.max), AS_OF, 'limited to the configured as_of');
			assert.equal(await page.isVisible('#as_of-latest'), false);
			const since = () => { const n = requests.length; return () => requests.slice(n).filter((u) => u.pathname !== '/api/v1/meta'); };

			let made = since();
			await page.fill('#as_of', '2026-09-30');
			await settle(page);
			assert.equal(query(page).get('as_of'), '2026-09-30');
			assert.equal(await controlValue(page, '#to'), '2026-09-30', 'the range ends on the day looked at');
			assert.equal(await controlValue(page, '#from'), '2026-07-03');
			assert.match(await text(page, '#asof'), /^Viewing 30 Sep 2026/);
			assert.ok(made().length >= 3 && made().every((u) => u.searchParams.get('as_of') === '2026-09-30' && !u.searchParams.has('days')), 'every request is as of that day');
			const calendar = await chartOf(page, 'scatter');
			const scCal = (await api('/api/v1/scatter?from=2026-07-03&to=2026-09-30&department=Sales&as_of=2026-09-30')).departments[0];
			assert.equal(calendar.annotations.p85.value, scCal.stats.p85);

			made = since();
			await page.click('#days [data-days="business"]');
			await settle(page);
			assert.equal(query(page).get('days'), 'business');
			assert.equal(await page.$eval('#days [aria-pressed="true"]', (b) => b.dataset.days), 'business');
			assert.ok(made().length >= 3 && made().every((u) => u.searchParams.get('days') === 'business' && u.searchParams.get('as_of') === '2026-09-30'), 'every request counts business days');
			const scBus = (await api('/api/v1/scatter?from=2026-07-03&to=2026-09-30&department=Sales&as_of=2026-09-30&days=business')).departments[0];
			assert.notEqual(scBus.stats.p85, scCal.stats.p85, 'the data has weekends in its closes');
			assert.equal((await chartOf(page, 'scatter')).annotations.p85.value, scBus.stats.p85, 'the chart shows the business-day answer');
			assert.match(await text(page, '#range-note'), /business days/);
			const nav = new URL(await page.$eval('nav a[data-path="/"]', (a) => a.href));
			assert.deepEqual([nav.searchParams.get('as_of'), nav.searchParams.get('days')], ['2026-09-30', 'business'], 'the navigation carries the view');

			await page.reload();
			await settle(page);
			assert.equal(await controlValue(page, '#as_of'), '2026-09-30');
			assert.equal(await page.$eval('#days [aria-pressed="true"]', (b) => b.dataset.days), 'business');
			await page.goBack();
			await settle(page);
			assert.equal(query(page).get('days'), null);
			assert.equal(await page.$eval('#days [aria-pressed="true"]', (b) => b.dataset.days), 'calendar');
			await page.goBack();
			await settle(page);
			assert.equal(query(page).get('as_of'), null);
			assert.equal(await controlValue(page, '#as_of'), AS_OF);
			await page.fill('#as_of', '2026-09-30');
			await settle(page);
			made = since();
			await page.click('#as_of-latest');
			await settle(page);
			assert.equal(query(page).get('as_of'), null, 'Latest goes back to the data\'s last day');
			assert.ok(made().every((u) => !u.searchParams.has('as_of')));

			/* after the configured as_of, or not a date: the latest data, not in the URL */
			for (const bad of ['2026-12-31']) {
				made = since();
				await visit(page, `/?as_of=${bad}`);
				assert.equal(query(page).get('as_of'), null, bad);
				assert.ok(made().every((u) => !u.searchParams.has('as_of')), bad);
			}
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('every page: each request and each download carries the view', async () => {
		const { context, page, problems } = await openPage();
		try {
			const view = 'as_of=2026-09-30&days=business';
			const cr = (await api(`/api/v1/creators?limit=5&q=a&${view}`)).creators[0].name;
			const emp = env.meta.employees.find((e) => e.department === 'Design').id;
			/* the pages, the routes their cards are drawn from, and whether those take the range (90 days to as_of) */
			const pages = [
				{ url: '/?range=90d', routes: ['/api/v1/overview', '/api/v1/stages', '/api/v1/wip'], range: true },
				{ url: '/department?dept=Design&range=90d', routes: ['/api/v1/departments/Design', '/api/v1/wip'], range: true },
				{ url: `/employee?emp=${emp}&range=90d`, routes: [`/api/v1/employees/${emp}`], range: true },
				{ url: '/stages?range=90d', routes: ['/api/v1/stages', '/api/v1/handoffs'], range: true },
				{ url: '/flow?dept=Campaign&range=90d', routes: ['/api/v1/scatter', '/api/v1/flow', '/api/v1/forecast'], range: true },
				{ url: `/creator?q=a&creator=${enc(cr)}`, routes: ['/api/v1/creators', `/api/v1/creators/${enc(cr)}`] },
				{ url: '/compare', routes: ['/api/v1/compare'] },
				{ url: '/leaderboard', routes: ['/api/v1/leaderboard'] },
			];
			for (const p of pages) {
				const requests = recordRequests(page);
				await visit(page, `${p.url}${p.url.includes('?') ? '&' : '?'}${view}`);
				/* meta and the annotations (notes, not figures) go plain (docs/DASHBOARD.md) */
				const made = requests.filter((u) => u.pathname !== '/api/v1/meta' && u.pathname !== '/api/v1/annotations');
				assert.ok(made.length > 0, p.url);
				/* the pit rows (the drill-down's) are SPEC §2's, in calendar days: they take as_of but no days (docs/API.md) */
				for (const u of made) {
					const days = u.pathname === '/api/v1/pit' ? null : 'business';
					assert.deepEqual([u.searchParams.get('as_of'), u.searchParams.get('days')], ['2026-09-30', days], `${p.url}: ${u}`);
				}
				const links = (await page.$$eval('a[data-csv]', (as) => as.map((a) => a.href))).map((l) => new URL(l));
				assert.ok(links.length > 0, `${p.url}: CSV downloads`);
				for (const u of links) {
					const q = u.searchParams;
					assert.ok(p.routes.includes(u.pathname), `${p.url}: ${u.pathname}`);
					assert.deepEqual([q.get('as_of'), q.get('days'), q.get('format'), q.get('table') !== null], ['2026-09-30', 'business', 'csv', true], `${p.url}: ${u}`);
					if (p.range) assert.deepEqual([q.get('from'), q.get('to')], ['2026-07-03', '2026-09-30'], `${p.url}: ${u}`);
				}
				/* the first card's download is the API's CSV of that query */
				const id = await page.$eval('a[data-csv]', (a) => a.closest('section').id);
				const file = await download(page, `#${id} a[data-csv]`);
				assert.ok(file.body.equals(await apiCSV(links[0].pathname + links[0].search)), `${p.url}: ${id}`);
				/* a PNG button where, and only where, a card draws a chart (a canvas, or a heatmap grid: the handoff matrix) */
				const png = await page.$$eval('section.card', (cs) => cs.map((c) => [c.id, !!c.querySelector('.card-body canvas, .card-body table.png-grid'), !!c.querySelector('.tool.png') && getComputedStyle(c.querySelector('.tool.png')).display !== 'none']));
				for (const [cid, hasChart, hasPng] of png) assert.equal(hasPng, hasChart, `${p.url}: #${cid} PNG button`);
				requests.stop();
			}
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});
});
