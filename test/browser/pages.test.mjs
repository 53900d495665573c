// Browser tests of the dashboard: real Chromium (Debian's, driven by
// playwright-core) against a real leadtimed with generated data.
//
//   node --test test/browser/
//
// harness.mjs starts the daemon and the browser (environment: LEADTIME_BIN,
// CHROMIUM, LEADTIME_URL).  Screenshots of every page at 1280×800 and
// 390×844, light and dark, go to test/artifacts/.  The flow analytics, the
// downloads, time travel and business days are in flow.test.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
	ARTIFACTS, AS_OF, ROOT, SIZES, THEMES, api, assertDrawn, canvasInk, controlValue, emulateMedia, env, follow, openPage,
	pageErrors, query, settle, start, stop, text, visit,
} from './harness.mjs';

let base;
let creatorName;
let meta;

before(async () => {
	await start();
	({ base, meta } = env);
	const r = await fetch(`${base}/api/v1/creators?limit=50&from=2025-11-23&to=${AS_OF}`);
	assert.equal(r.status, 200, 'GET /api/v1/creators');
	const list = (await r.json()).creators || [];
	assert.ok(list.length > 0, 'the generated store has creators');
	creatorName = (list.find((c) => c.tickets >= 4) || list[0]).name;
});

after(stop);

/* ---- assets ---- */

describe('assets', () => {
	test('pages revalidate, versioned vendor bundles are cached for a year, gzip when accepted, nothing from outside', async () => {
		const html = fs.readdirSync(path.join(ROOT, 'web')).filter((f) => f.endsWith('.html'));
		assert.ok(html.length >= 8, 'eight pages');
		const vendor = new Set();
		for (const f of html) {
			const page = f === 'index.html' ? '/' : `/${f.replace(/\.html$/, '')}`;
			const r = await fetch(`${base}${page}`, { headers: { 'Accept-Encoding': 'gzip' } });
			assert.equal(r.status, 200, page);
			assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8', page);
			assert.equal(r.headers.get('cache-control'), 'no-cache', page);
			assert.equal(r.headers.get('content-encoding'), 'gzip', page);
			assert.match(r.headers.get('content-security-policy') || '', /default-src 'self'/, page);
			const body = await r.text();
			assert.doesNotMatch(body, /\b(src|href)="(https?:)?\/\//, `${page} loads nothing from another host`);
			assert.doesNotMatch(body, /\sstyle=|<style|<script>/, `${page}: no inline style or script (CSP)`);
			for (const m of body.matchAll(/src="(\/vendor\/[^"]+)"/g)) vendor.add(m[1]);
		}
		assert.equal(vendor.size, 4, `Chart.js and three plugins: ${[...vendor].join(', ')}`);
		for (const v of vendor) {
			assert.match(v, /-\d+\.\d+\.\d+\.min\.js$/, `${v} carries its version`);
			const r = await fetch(`${base}${v}`);
			assert.equal(r.status, 200, v);
			assert.equal(r.headers.get('content-type'), 'text/javascript; charset=utf-8', v);
			assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', v);
		}
		const js = await fetch(`${base}/js/ui.js`);
		assert.equal(js.headers.get('cache-control'), 'no-cache', 'own scripts are revalidated');
		const etag = js.headers.get('etag');
		const again = await fetch(`${base}/js/ui.js`, { headers: { 'If-None-Match': etag } });
		assert.equal(again.status, 304);
	});
});

/* ---- every page, both sizes, both themes ---- */

const PAGES = [
	{ name: 'overview', url: () => '/?range=365d&bucket=month', canvases: 8 },
	{ name: 'department', url: () => '/department?dept=Design&range=90d&bucket=week', canvases: 3 },
	{ name: 'employee', url: () => `/employee?emp=${meta.employees.find((e) => e.department === 'Design').id}&range=90d&bucket=week`, canvases: 4 },
	{ name: 'stages', url: () => '/stages?range=365d&bucket=month', canvases: 2 },
	{ name: 'creator', url: () => `/creator?q=${encodeURIComponent(creatorName.split(' ')[1] || creatorName)}&creator=${encodeURIComponent(creatorName)}&range=365d`, canvases: 1 },
	{ name: 'compare', url: () => '/compare?a_from=2025-06-01&a_to=2025-11-22&b_from=2026-06-01&b_to=2026-11-22', canvases: 1 },
	{ name: 'leaderboard', url: () => '/leaderboard?period=week', canvases: 0 },
	{ name: 'flow', url: () => '/flow?dept=Design&range=90d&bucket=week', canvases: 4 },
];

describe('every page loads cleanly and draws its charts', () => {
	for (const p of PAGES) {
		for (const size of SIZES) {
			for (const theme of THEMES) {
				test(`${p.name} at ${size.width}×${size.height}, ${theme}`, async () => {
					const { context, page, problems } = await openPage({ ...size, theme });
					try {
						await visit(page, p.url());
						await page.screenshot({ path: path.join(ARTIFACTS, `${p.name}-${size.width}x${size.height}-${theme}.png`), fullPage: true });
						assert.deepEqual(await pageErrors(page), [], 'error states in the page');
						const inks = await canvasInk(page);
						assert.ok(inks.length >= p.canvases, `expected at least ${p.canvases} charts, found ${inks.length}`);
						assertDrawn(inks);
						const dark = await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme);
						assert.equal(dark, theme, 'page theme follows the system setting');
						const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
						assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
						/* tables fit their card, except the ones meant to scroll (a time axis) */
						const cut = await page.$$eval('.table-wrap:not(.scroll-x)', (ws) => ws
							.filter((w) => w.scrollWidth > w.clientWidth + 1)
							.map((w) => `${w.querySelector('table') && w.querySelector('table').id || w.closest('section').id}: ${w.scrollWidth} > ${w.clientWidth}`));
						assert.deepEqual(cut, [], 'tables cut off');
						assert.deepEqual(problems, []);
					} finally {
						await context.close();
					}
				});
			}
		}
	}
});

/* ---- the URL is the view ---- */

describe('the URL round-trips each page’s state', () => {
	test('overview: custom range and bucket, presets, back', async () => {
		const { context, page, problems } = await openPage();
		try {
			await visit(page, '/?from=2026-06-01&to=2026-08-31&bucket=month');
			const check = async () => {
				assert.equal(await controlValue(page, '#range'), 'custom');
				assert.equal(await controlValue(page, '#from'), '2026-06-01');
				assert.equal(await controlValue(page, '#to'), '2026-08-31');
				assert.equal(await controlValue(page, '#bucket'), 'month');
			};
			await check();
			await page.reload();
			await settle(page);
			await check();
			await page.selectOption('#bucket', 'day');
			await settle(page);
			assert.equal(query(page).get('bucket'), 'day');
			assert.equal(query(page).get('from'), '2026-06-01');
			await page.selectOption('#range', '30d');
			await settle(page);
			assert.equal(query(page).get('range'), '30d');
			assert.equal(query(page).get('from'), null);
			assert.equal(await controlValue(page, '#from'), '2026-10-24');
			assert.equal(await controlValue(page, '#to'), AS_OF);
			await page.goBack();
			await settle(page);
			assert.equal(query(page).get('bucket'), 'day');
			assert.equal(await controlValue(page, '#range'), 'custom');
			await page.goBack();
			await settle(page);
			await check();
			await page.fill('#from', '2026-07-01');
			await settle(page);
			assert.equal(query(page).get('from'), '2026-07-01');
			await page.goForward().catch(() => {});
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('navigation keeps the range and bucket', async () => {
		const { context, page, problems } = await openPage();
		try {
			await visit(page, '/department?dept=Contract&range=365d&bucket=month');
			await follow(page, 'nav a[data-path="/stages"]');
			assert.equal(new URL(page.url()).pathname, '/stages');
			assert.equal(query(page).get('range'), '365d');
			assert.equal(query(page).get('bucket'), 'month');
			await follow(page, 'nav a[data-path="/department"]');
			assert.equal(query(page).get('range'), '365d');
			assert.equal(await controlValue(page, '#dept'), 'Sales');
			await page.selectOption('#dept', 'Contract');
			await settle(page);
			await follow(page, 'nav a[data-path="/employee"]');
			const emp = meta.employees.find((e) => String(e.id) === query(page).get('emp'));
			assert.equal(emp.department, 'Contract', 'the employee page opens on the department being viewed');
			/* pages without range controls carry the range along too */
			await follow(page, 'nav a[data-path="/creator"]');
			await follow(page, 'nav a[data-path="/leaderboard"]');
			await follow(page, 'nav a[data-path="/"]');
			assert.equal(query(page).get('range'), '365d');
			assert.equal(await controlValue(page, '#range'), '365d');
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('department: sorting by keyboard and mouse, flagged cells explained', async () => {
		const { context, page, problems } = await openPage();
		try {
			await visit(page, '/department?dept=Design&range=90d&bucket=week&sort=p50&dir=desc');
			assert.equal(await controlValue(page, '#dept'), 'Design');
			assert.equal(await page.textContent('h1'), 'Design');
			const sortState = () => page.$$eval('#team-table th[aria-sort]', (ths) => ths
				.filter((th) => th.getAttribute('aria-sort') !== 'none')
				.map((th) => `${th.querySelector('button').dataset.sort}:${th.getAttribute('aria-sort')}`));
			assert.deepEqual(await sortState(), ['p50:descending']);
			await page.reload();
			await settle(page);
			assert.deepEqual(await sortState(), ['p50:descending']);

			const column = (i) => page.$$eval(`#team-table tbody tr`, (rows, idx) => rows.map((r) => r.children[idx].textContent.replace(/[^0-9.\-]/g, '')), i);
			await page.click('#team-table button[data-sort="closed"]');
			await settle(page);
			assert.equal(query(page).get('sort'), 'closed');
			assert.equal(query(page).get('dir'), 'desc');
			assert.deepEqual(await sortState(), ['closed:descending']);
			const closed = (await column(1)).map(Number);
			assert.deepEqual(closed, [...closed].sort((a, b) => b - a), 'rows sorted by closed, descending');

			await page.focus('#team-table button[data-sort="closed"]');
			await page.keyboard.press('Enter');
			await settle(page);
			assert.equal(query(page).get('dir'), 'asc');
			assert.deepEqual(await sortState(), ['closed:ascending']);
			const asc = (await column(1)).map(Number);
			assert.deepEqual(asc, [...asc].sort((a, b) => a - b), 'rows sorted by closed, ascending');
			assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.dataset.sort), 'closed', 'focus stays on the sort button');

			await page.click('#team-table button[data-sort="name"]');
			await settle(page);
			const names = await page.$$eval('#team-table tbody th', (ths) => ths.map((t) => t.textContent));
			assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)));

			await page.goBack();
			await settle(page);
			assert.deepEqual(await sortState(), ['closed:ascending']);
			await page.goBack();
			await settle(page);
			assert.deepEqual(await sortState(), ['closed:descending']);

			const flagged = await page.$$('#team-table td.flagged');
			assert.ok(flagged.length > 1, 'strict thresholds flag cells');
			const float = await page.$('#flag-float');
			const inView = async () => {
				const b = await float.boundingBox();
				const vp = page.viewportSize();
				return b && b.x >= 0 && b.y >= 0 && b.x + b.width <= vp.width && b.y + b.height <= vp.height;
			};
			/* the first flagged cell, and the last (bottom row: its explanation must not be clipped by the table's box) */
			for (const cell of [flagged[0], flagged[flagged.length - 1]]) {
				const marker = await cell.$('.flag');
				assert.ok(await marker.isVisible(), 'the flag marker is visible');
				const explained = await marker.evaluate((m) => document.getElementById(m.getAttribute('aria-describedby')).textContent);
				assert.match(explained, /(limit|minimum|maximum)/, 'the marker is described by the rule');
				await page.mouse.move(0, 0);
				assert.equal(await float.isVisible(), false, 'no explanation before hover or focus');
				await marker.focus();
				assert.ok(await float.isVisible(), 'the explanation shows on keyboard focus');
				assert.equal(await float.textContent(), explained);
				assert.ok(await inView(), 'the explanation is inside the window');
				await page.keyboard.press('Escape');
				assert.equal(await float.isVisible(), false, 'Escape hides it');
				await page.evaluate(() => document.activeElement.blur());
				await cell.hover();
				assert.ok(await float.isVisible(), 'the explanation shows on hover');
				assert.equal(await float.textContent(), explained);
				assert.ok(await inView(), 'the explanation is inside the window');
			}
			assert.ok(await page.$('.flag-summary'), 'the flags are listed under the table');
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('employee: the chosen employee, range and bucket', async () => {
		const { context, page, problems } = await openPage();
		try {
			const [e1, e2] = meta.employees.filter((e) => e.department === 'Sales');
			await visit(page, `/employee?emp=${e1.id}&range=365d&bucket=month`);
			assert.equal(await controlValue(page, '#emp'), String(e1.id));
			assert.equal(await page.textContent('h1'), e1.name);
			assert.match(await page.textContent('#slope-words'), /slower|faster|Steady|Not enough/);
			await page.reload();
			await settle(page);
			assert.equal(await controlValue(page, '#emp'), String(e1.id));
			assert.equal(await controlValue(page, '#bucket'), 'month');
			await page.selectOption('#emp', String(e2.id));
			await settle(page);
			assert.equal(query(page).get('emp'), String(e2.id));
			assert.equal(await page.textContent('h1'), e2.name);
			await page.goBack();
			await settle(page);
			assert.equal(await controlValue(page, '#emp'), String(e1.id));
			assert.equal(await page.textContent('h1'), e1.name);
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('stages: statistic and range', async () => {
		const { context, page, problems } = await openPage();
		try {
			await visit(page, '/stages?range=quarter&bucket=week&stat=mean');
			assert.equal(await controlValue(page, '#stat'), 'mean');
			assert.equal(await controlValue(page, '#range'), 'quarter');
			assert.equal(await controlValue(page, '#from'), '2026-10-01');
			await page.reload();
			await settle(page);
			assert.equal(await controlValue(page, '#stat'), 'mean');
			await page.selectOption('#stat', 'p90');
			await settle(page);
			assert.equal(query(page).get('stat'), 'p90');
			await page.goBack();
			await settle(page);
			assert.equal(await controlValue(page, '#stat'), 'mean');
			assert.match(await page.textContent('#kpi-bottleneck'), /Bottleneck/);
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('creator: search, pick, back', async () => {
		const { context, page, problems } = await openPage();
		try {
			const q = creatorName.split(' ')[0];
			await visit(page, `/creator?q=${encodeURIComponent(q)}&range=365d`);
			assert.equal(await controlValue(page, '#q'), q);
			const links = await page.$$('#results a');
			assert.ok(links.length > 0, 'search results listed');
			const first = (await links[0].textContent());
			await links[0].click();
			await settle(page);
			const picked = query(page).get('creator');
			assert.ok(picked && first.startsWith(picked), `picked ${picked}`);
			assert.equal(query(page).get('q'), q);
			assertDrawn(await canvasInk(page));
			assert.match(await page.textContent('#e2e-summary'), /end to end|not started/);
			assert.equal(await page.$('#event-legend'), null, 'tickets imported as tickets: no event markers, no legend for them');
			await page.reload();
			await settle(page);
			assert.equal(query(page).get('creator'), picked);
			assert.equal(await page.textContent('h1'), picked);
			await page.goBack();
			await settle(page);
			assert.equal(query(page).get('creator'), null);
			await page.fill('#q', 'zzzz-nobody');
			await page.press('#q', 'Enter');
			await settle(page);
			assert.equal(query(page).get('q'), 'zzzz-nobody');
			assert.match(await page.textContent('#search'), /No creator’s name contains “zzzz-nobody”/);
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('compare: periods in the URL and a p-value in words', async () => {
		const { context, page, problems } = await openPage();
		try {
			await visit(page, '/compare?a_from=2025-06-01&a_to=2025-11-22&b_from=2026-06-01&b_to=2026-11-22');
			const check = async () => {
				assert.equal(await controlValue(page, '#a_from'), '2025-06-01');
				assert.equal(await controlValue(page, '#a_to'), '2025-11-22');
				assert.equal(await controlValue(page, '#b_from'), '2026-06-01');
				assert.equal(await controlValue(page, '#b_to'), '2026-11-22');
			};
			await check();
			const ps = await page.$$eval('#cmp-table td.p-value', (tds) => tds.map((t) => t.textContent));
			assert.ok(ps.some((p) => /^p [=<] \d\.\d{3}$/.test(p)), `a p-value is shown: ${ps.join(', ')}`);
			const verdicts = await page.$$eval('#cmp-table td.verdict', (tds) => tds.map((t) => t.textContent));
			for (const v of verdicts) assert.match(v, /^(likely a real change( \((slower|faster)\))?|could be chance|not enough data)$/);
			await page.reload();
			await settle(page);
			await check();
			await page.fill('#a_from', '2025-07-01');
			await settle(page);
			assert.equal(query(page).get('a_from'), '2025-07-01');
			await page.click('text=A = previous period');
			await settle(page);
			assert.equal(query(page).get('a_from'), '2025-12-08');
			assert.equal(query(page).get('a_to'), '2026-05-31');
			await page.goBack();
			await settle(page);
			assert.equal(await controlValue(page, '#a_from'), '2025-07-01');
			await page.goBack();
			await settle(page);
			await check();
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('leaderboard: period toggle', async () => {
		const { context, page, problems } = await openPage();
		try {
			await visit(page, '/leaderboard?period=day');
			const pressed = () => page.$eval('#period [aria-pressed="true"]', (b) => b.dataset.period);
			assert.equal(await pressed(), 'day');
			await page.click('#period [data-period="week"]');
			await settle(page);
			assert.equal(query(page).get('period'), 'week');
			assert.equal(await pressed(), 'week');
			await page.goBack();
			await settle(page);
			assert.equal(await pressed(), 'day');
			assert.ok((await page.$$('.board')).length === meta.departments.length, 'one board per department');
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});
});

/* ---- the pages show the API's numbers ---- */

describe('the pages show what the API answers', () => {
	test('overview KPIs and the department table', async () => {
		const { context, page, problems } = await openPage();
		try {
			await visit(page, '/?from=2026-05-01&to=2026-10-31&bucket=month');
			const ov = await api('/api/v1/overview?from=2026-05-01&to=2026-10-31&bucket=month');
			assert.equal(await text(page, '[data-kpi="backlog"] .value'), `${ov.kpis.backlog.toLocaleString('en-GB')} tickets`);
			assert.equal(await text(page, '[data-kpi="end_to_end_p50"] .value'), `${ov.kpis.end_to_end_p50} days`);
			const rows = await page.$$eval('#glance tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
			assert.deepEqual(rows.map((r) => r[0]), ov.departments.map((d) => d.name));
			assert.deepEqual(rows.map((r) => r[2]), ov.departments.map((d) => d.totals.closed.toLocaleString('en-GB')));
			/* rework: "12 (5.9%)", the re-entries and their share of the opened (docs/DASHBOARD.md) */
			const rework = (t) => (t.rework_rate === null ? '–' : `${t.rework.toLocaleString('en-GB')} (${(t.rework_rate * 100).toLocaleString('en-GB', { maximumFractionDigits: 1 })}%)`);
			assert.ok(ov.departments.some((d) => d.totals.rework > 0), 'the generated data has rework tickets');
			assert.deepEqual(rows.map((r) => r[6]), ov.departments.map((d) => rework(d.totals)));
			assert.match(await text(page, '#grew'), /grew the most|No stage grew/);
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('department: one row per employee, one flagged cell per flag', async () => {
		const { context, page, problems } = await openPage();
		try {
			await visit(page, '/department?dept=Sales&from=2026-08-01&to=2026-10-31&bucket=month');
			const d = await api('/api/v1/departments/Sales?from=2026-08-01&to=2026-10-31&bucket=month');
			const names = await page.$$eval('#team-table tbody th', (ths) => ths.map((t) => t.textContent));
			assert.deepEqual(names, d.employees.map((e) => e.name).sort((a, b) => a.localeCompare(b)));
			const flagged = await page.$$eval('#team-table td.flagged', (tds) => tds.map((td) => `${td.closest('tr').querySelector('th').textContent}:${td.dataset.flag}`));
			const expected = d.employees.flatMap((e) => e.flags.map((f) => `${e.name}:${f.rule}`));
			assert.deepEqual(flagged.sort(), expected.sort());
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('stages: the bottleneck and the longest wait (a wait belongs to the department it leads into)', async () => {
		const { context, page, problems } = await openPage();
		try {
			await visit(page, '/stages?range=365d&bucket=month');
			const from = new Date(Date.parse(`${AS_OF}T00:00:00Z`) - 364 * 86400000).toISOString().slice(0, 10);
			const st = await api(`/api/v1/stages?from=${from}&to=${AS_OF}&bucket=month`);
			assert.match(await text(page, '#kpi-bottleneck .value'), new RegExp(`^${st.bottleneck.department}$`));
			const depts = [...st.departments].sort((a, b) => a.position - b.position);
			const longest = depts.filter((x) => x.wait && x.wait.p50 !== null).sort((a, b) => b.wait.p50 - a.wait.p50 || a.position - b.position)[0];
			const prev = depts[depts.indexOf(longest) - 1];
			assert.match(await text(page, '#kpi-wait'), new RegExp(`${prev.name} → ${longest.name}`));
			const waits = await page.$$eval('#stage-table tbody tr', (trs) => trs.map((tr) => tr.children[5].textContent.trim()));
			assert.deepEqual(waits, depts.map((x) => (x.wait && x.wait.p50 !== null ? String(Math.round(x.wait.p50 * 10) / 10) : '–')));
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('creator search counts every match', async () => {
		const { context, page, problems } = await openPage();
		try {
			const q = 'an';
			await visit(page, `/creator?q=${q}`);
			const res = await api(`/api/v1/creators?q=${q}&limit=1`);
			assert.ok(res.total > 24, 'the search finds more than one page');
			assert.match(await text(page, '#search-status'), new RegExp(`^${res.total.toLocaleString('en-GB')} creators .*showing 24$`));
			assert.equal((await page.$$('#results li')).length, 24);
			await page.click('#more');
			await settle(page);
			assert.equal((await page.$$('#results li')).length, Math.min(res.total, 240));
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});
});

/* ---- theme, errors ---- */

describe('polish', () => {
	test('the theme toggle is remembered across pages', async () => {
		const { context, page, problems } = await openPage({ theme: 'light' });
		try {
			await visit(page, '/');
			await page.click('#theme-toggle');
			assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
			await settle(page);
			assertDrawn(await canvasInk(page));
			await follow(page, 'nav a[data-path="/stages"]');
			assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
			assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme), 'dark');
			/* back to the system's theme: no stored choice, the page follows the system again */
			await page.click('#theme-toggle');
			assert.equal(await page.getAttribute('html', 'data-theme'), null);
			assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme), 'light');
			assert.equal(await page.evaluate(() => localStorage.getItem('leadtime.theme')), null);
			/* the system turns dark: the page's media-query listener redraws every chart (emulateMedia waits for it) */
			await emulateMedia(page, { colorScheme: 'dark' });
			assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme), 'dark');
			assertDrawn(await canvasInk(page));
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('an API error is shown in the page, not swallowed', async () => {
		const { context, page } = await openPage();
		try {
			await page.route('**/api/v1/overview?**', (route) => route.fulfill({
				status: 503,
				contentType: 'application/json',
				body: JSON.stringify({ error: { status: 503, code: 'unavailable', message: 'the store is busy' } }),
			}));
			await visit(page, '/');
			const errors = await pageErrors(page);
			assert.ok(errors.length > 0, 'error states shown');
			assert.ok(errors.some((e) => e.includes('the store is busy')), errors.join(' | '));
			assert.ok(await page.$('.state.error button'), 'a retry button');
		} finally {
			await context.close();
		}
	});

	test('a range before the data shows empty states and says why', async () => {
		const { context, page, problems } = await openPage();
		try {
			for (const url of ['/?from=2020-01-01&to=2020-03-31', '/department?dept=Design&from=2020-01-01&to=2020-03-31', '/stages?from=2020-01-01&to=2020-03-31', '/flow?dept=Design&from=2020-01-01&to=2020-03-31']) {
				await visit(page, url);
				assert.match(await text(page, '#banner'), /before the first ticket/, url);
				assert.ok((await page.$$('.state.empty')).length >= 3, `${url}: empty states`);
				assert.deepEqual(await pageErrors(page), [], url);
			}
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('an unknown department falls back to the first one', async () => {
		const { context, page, problems } = await openPage();
		try {
			await visit(page, '/department?dept=Nowhere');
			assert.equal(query(page).get('dept'), meta.departments[0].name);
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});
});
