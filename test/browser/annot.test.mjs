// Annotations, print and the wall screen (issue 13, points 8 and 9).
//
// The daemon is harness.mjs's generated store (as_of 2026-11-22) with a
// write token and two notes in config.ini's [annotations]; more notes are
// posted through the API.  Checked: every time chart of every page has a
// marker per note in its range, on the note's day (or the period holding
// it), numbered, named in the canvas's accessible name and listed under
// the card with a link to the before/after comparison, whose periods the
// test computes itself (docs/DASHBOARD.md "Annotations"); a click on a
// marker's flag opens that comparison.  A page that is open notices a new
// data version (an import, a note posted) and redraws its figures without
// a reload.  ?kiosk=1 hides the navigation and the controls and stays in
// kiosk mode across links.  Print: emulated print media at an A4 width
// (no navigation or controls, cards not split, charts inside the page,
// colours kept, the charts drawn again in the light theme), and a PDF
// printed by chromium (rendered to PNG with pdftoppm when it is there,
// for a look).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
	ARTIFACTS, AS_OF, SIZES, THEMES, api, env, openPage, settle, start, stop, text, visit,
} from './harness.mjs';

const TOKEN = 'annot-browser-token';
const CONFIG_NOTES = [['2026-10-01', '2 designers hired'], ['2026-09-10', 'New CRM rolled out']];
const COMPARE_DAYS = 90; /* web/js/annotations.js, docs/DASHBOARD.md */
const POLL_DEADLINE = 90000; /* live.js polls every 15 s: a generous deadline */

before(async () => {
	await start({
		build: ({ bin, cfg, db }) => {
			let ini = fs.readFileSync(cfg, 'utf8');
			ini = ini.replace(/^(write_token\s*=).*$/m, `$1 ${TOKEN}`);
			ini += `\n[annotations]\n${CONFIG_NOTES.map(([d, t]) => `${d} = ${t}`).join('\n')}\n`;
			fs.writeFileSync(cfg, ini);
			execFileSync(bin, ['generate', '--config', cfg, '--db', db, '--creators', '1500', '--seed', '7', '--as-of', AS_OF], { stdio: 'pipe' });
		},
	});
});

after(stop);

async function post(p, body, type = 'application/json') {
	const r = await fetch(`${env.base}${p}`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': type },
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
	const json = await r.json();
	assert.ok(r.status === 200 || r.status === 201, `${p}: ${r.status} ${JSON.stringify(json)}`);
	return json;
}

const dayNum = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / 86400000;
const isoOf = (n) => new Date(n * 86400000).toISOString().slice(0, 10);
const msOf = (iso) => dayNum(iso) * 86400000;

/* the periods of the comparison around a note, computed here from the rule */
function periods(date, asOf = AS_OF) {
	const len = Math.min(COMPARE_DAYS, dayNum(asOf) - dayNum(date) + 1);
	return { a_from: isoOf(dayNum(date) - len), a_to: isoOf(dayNum(date) - 1), b_from: date, b_to: isoOf(dayNum(date) + len - 1) };
}

/* every chart of the page: its x axis, its markers, its canvas's name, its card */
function charts(page) {
	return page.$$eval('canvas', (cs) => cs.map((c) => {
		const ch = window.Chart.getChart(c);
		const x = ch && ch.scales.x;
		const ann = (ch && ch.options.plugins.annotation && ch.options.plugins.annotation.annotations) || {};
		const marks = Object.entries(ann).filter(([k]) => k.startsWith('marker')).map(([k, a]) => ({ key: Number(k.slice(6)), value: a.value, label: a.label.content }));
		const card = c.closest('.card');
		return {
			label: c.getAttribute('aria-label'),
			type: x ? x.type : null,
			min: x ? x.min : null,
			max: x ? x.max : null,
			labels: ch ? ch.data.labels : null,
			marks,
			card: card ? card.id : null,
			chart: c.closest('[data-chart]') ? c.closest('[data-chart]').dataset.chart : null,
		};
	}));
}

/*
 * The API's list, each with its place (`key`) and the label the page gives
 * it for a range (docs/DASHBOARD.md): the notes in [from, to] numbered 1, 2,
 * ... in order, the others labelled with their short date.
 */
let notes = [];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

async function loadNotes(from = isoOf(dayNum(AS_OF) - 89), to = AS_OF) {
	const body = await api('/api/v1/annotations');
	let n = 0;
	notes = body.annotations.map((a, key) => {
		const inRange = a.date >= from && a.date <= to;
		const num = inRange ? ++n : null;
		return { ...a, key, n: num, tag: inRange ? String(num) : `${Number(a.date.slice(8))} ${MONTHS[Number(a.date.slice(5, 7)) - 1]}` };
	});
	return notes;
}

/* the marker checks of one page: every time chart has exactly the notes of its range */
async function checkMarkers(page, where, periodCharts = {}) {
	const all = await charts(page);
	let timeCharts = 0;
	for (const c of all) {
		if (c.type === 'time') {
			timeCharts++;
			const lo = new Date(c.min).toISOString().slice(0, 10), hi = new Date(c.max).toISOString().slice(0, 10);
			const want = notes.filter((a) => a.date >= lo && a.date <= hi);
			assert.deepEqual(c.marks.map((m) => m.key).sort((a, b) => a - b), want.map((a) => a.key), `${where}: "${c.label}" markers`);
			for (const m of c.marks) {
				const a = notes[m.key];
				assert.equal(m.value, msOf(a.date), `${where}: marker ${a.tag} on its day`);
				assert.equal(m.label, a.tag, `${where}: marker label`);
			}
			for (const a of want) assert.ok(c.label.includes(`${a.n ? `${a.n}, ` : ''}`) && c.label.includes(a.text), `${where}: "${c.label}" names marker ${a.tag}`);
		} else if (periodCharts[c.card] || periodCharts[c.chart]) {
			/* a chart of periods: the note on the period holding its day */
			const buckets = periodCharts[c.card] || periodCharts[c.chart];
			assert.equal(c.labels.length, buckets.length, `${where}: ${c.card} periods`);
			const want = [];
			for (const a of notes) {
				const i = buckets.findIndex((b) => a.date >= b.start && a.date <= b.end);
				if (i >= 0) want.push({ key: a.key, value: i, label: a.tag });
			}
			assert.deepEqual(c.marks.sort((a, b) => a.key - b.key), want, `${where}: ${c.card}/${c.chart} markers`);
			timeCharts++;
		}
	}
	return timeCharts;
}

/* the department's heatmap (a table of periods): the notes on their periods' heads */
async function checkHeat(page, where) {
	/* the page's default view: the 90 days ending at as_of, by week */
	const u = new URL(page.url());
	assert.equal(u.searchParams.get('range'), '90d');
	assert.equal(u.searchParams.get('bucket'), 'week');
	const q = new URLSearchParams({ from: isoOf(dayNum(AS_OF) - 89), to: AS_OF, bucket: 'week' });
	const dept = await api(`/api/v1/departments/${encodeURIComponent(u.searchParams.get('dept'))}?${q}`);
	const buckets = dept.department.series;
	const heads = await page.$$eval('#closes table.heat thead th.h', (ths) => ths.map((th) => [...th.querySelectorAll('.heat-mark')].map((m) => m.textContent)));
	assert.equal(heads.length, buckets.length, `${where}: a head per period`);
	const want = buckets.map((b) => notes.filter((a) => a.date >= b.start && a.date <= b.end).map((a) => a.tag));
	assert.deepEqual(heads, want, `${where}: heatmap marks`);
	return 1;
}

/* the lists under the cards: each note of the card's charts, linked to its comparison */
async function checkLists(page, where) {
	const lists = await page.$$eval('.marker-list', (ls) => ls.map((l) => ({
		card: l.closest('.card') ? l.closest('.card').id : null,
		items: [...l.querySelectorAll('li')].map((li) => ({ key: Number(li.dataset.key), date: li.dataset.date, href: li.querySelector('a') && li.querySelector('a').getAttribute('href'), text: li.textContent, name: li.querySelector('a') && li.querySelector('a').getAttribute('aria-label') })),
	})));
	assert.ok(lists.length > 0, `${where}: a list of markers`);
	for (const l of lists) {
		for (const it of l.items) {
			const a = notes[it.key];
			assert.ok(a, `${where}: list item ${it.key}`);
			assert.equal(it.date, a.date);
			assert.ok(it.text.includes(a.text), `${where}: ${it.text}`);
			const u = new URL(it.href, env.base);
			assert.equal(u.pathname, '/compare');
			const want = periods(a.date);
			for (const [k, v] of Object.entries(want)) assert.equal(u.searchParams.get(k), v, `${where}: marker ${a.n} ${k}`);
			assert.ok(it.name.startsWith(`Marker ${a.n ? `${a.n}, ` : ''}`) && it.name.includes(a.text), `the link says what it is: ${it.name}`);
		}
	}
	return lists;
}

describe('annotations', () => {
	test('the API merges the config notes with posted ones', async () => {
		await post('/api/v1/annotations', { date: '2026-11-02', text: 'Reorg: Design and Manufacturing merged' });
		await post('/api/v1/annotations', { date: '2026-06-15', text: 'Outside the default range' });
		const list = await loadNotes();
		assert.deepEqual(list.map((a) => [a.date, a.source]), [
			['2026-06-15', 'api'], ['2026-09-10', 'config'], ['2026-10-01', 'config'], ['2026-11-02', 'api'],
		]);
	});

	test('markers on every time chart of every page, listed, named and linked to the comparison', async () => {
		await loadNotes();
		const ov = await api('/api/v1/overview?bucket=week');
		const st = await api('/api/v1/stages?bucket=month');
		const flow = await api(`/api/v1/flow?bucket=week&department=${encodeURIComponent(env.meta.departments[0].name)}`);
		const pages = [
			['/', { where: st.departments[0].series.map((s) => ({ start: s.start, end: s.end })), flow: ov.departments[0].series }],
			['/department?dept=Design', {}],
			['/employee', {}],
			['/stages', {}],
			['/flow', { netflow: flow.departments[0].buckets }],
		];
		for (const size of SIZES) {
			for (const theme of THEMES) {
				const { context, page, problems } = await openPage({ ...size, theme });
				for (const [url, periodCharts] of pages) {
					await visit(page, url);
					const where = `${url} ${size.width} ${theme}`;
					let n = await checkMarkers(page, where, periodCharts);
					if (url.startsWith('/department')) n += await checkHeat(page, where);
					assert.ok(n > 0, `${where}: has time charts`);
					await checkLists(page, where);
					if (url === '/' || url === '/flow')
						await page.screenshot({ path: path.join(ARTIFACTS, `annot-${url === '/' ? 'overview' : 'flow'}-${size.width}-${theme}.png`), fullPage: true });
				}
				assert.deepEqual(problems, [], `${size.width} ${theme}`);
				await context.close();
			}
		}
	});

	test('a note outside the range has no marker; a longer range brings it', async () => {
		await loadNotes();
		const { context, page } = await openPage();
		await visit(page, '/');
		const far = notes.find((a) => a.date === '2026-06-15');
		let all = await charts(page);
		assert.ok(all.filter((c) => c.type === 'time').every((c) => !c.marks.some((m) => m.key === far.key)));
		await visit(page, '/?range=365d&bucket=month');
		await loadNotes(isoOf(dayNum(AS_OF) - 364), AS_OF);
		all = await charts(page);
		const time = all.filter((c) => c.type === 'time');
		assert.ok(time.length > 0 && time.every((c) => c.marks.some((m) => m.key === far.key && m.label === '1')), 'the 365-day view marks it, as its first note');
		await checkMarkers(page, '365 days');
		await context.close();
	});

	test('one click on a marker opens the before/after comparison', async () => {
		await loadNotes();
		const { context, page, problems } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/');
		const note = notes.find((a) => a.date === '2026-10-01');
		/* the flag of the marker on the end-to-end trend chart */
		const at = await page.$eval('#trend canvas', (c, n) => {
			const ch = window.Chart.getChart(c);
			const a = ch.options.plugins.annotation.annotations[`marker${n}`];
			const r = c.getBoundingClientRect();
			return { x: r.left + ch.scales.x.getPixelForValue(a.value), y: r.top + ch.chartArea.top - 9 };
		}, note.key);
		await page.mouse.move(at.x, at.y);
		await page.waitForSelector('#marker-float:not([hidden])');
		assert.ok((await text(page, '#marker-float')).includes(note.text), 'hovering the flag shows the note');
		await Promise.all([page.waitForEvent('load'), page.mouse.click(at.x, at.y)]);
		await settle(page);
		const q = new URL(page.url()).searchParams;
		const want = periods(note.date);
		for (const [k, v] of Object.entries(want)) assert.equal(q.get(k), v, k);
		for (const k of Object.keys(want)) assert.equal(await page.$eval(`#${k}`, (e) => e.value), want[k], `the ${k} field`);
		/* the page's figures are the API's for those periods */
		const cmp = await api(`/api/v1/compare?${new URLSearchParams(want)}`);
		const rows = await page.$$eval('#table tbody tr, table.data tbody tr', (trs) => trs.length);
		assert.ok(rows >= cmp.departments.length, 'a row per department');
		/* and from the keyboard: the list's link */
		await visit(page, '/stages');
		const link = await page.$(`.marker-list li[data-key="${note.key}"] a`);
		assert.ok(link, 'the list links the marker');
		await link.focus();
		await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
		await settle(page);
		assert.equal(new URL(page.url()).searchParams.get('b_from'), note.date);
		assert.deepEqual(problems, []);
		await context.close();
	});
});

describe('new data while a page is open', () => {
	test('an import and a posted note are drawn without a reload', async () => {
		await loadNotes();
		const { context, page, problems } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/?kiosk=1');
		await page.evaluate(() => { window.__sameDocument = true; });
		const dept = env.meta.departments[0].name;
		const cell = async (col) => page.$$eval('#dept-table tbody tr', (trs, a) => {
			const tr = trs.find((t) => t.querySelector('th').textContent.trim() === a.dept);
			return Number(tr.children[a.col].textContent.replace(/[^0-9]/g, ''));
		}, { dept, col });
		const opened0 = await cell(1), closed0 = await cell(2);
		const v0 = (await api('/api/v1/meta')).data_version;
		/* k tickets of a new creator, opened and closed inside the range */
		const k = 7;
		const emp = env.meta.employees.find((e) => e.department === dept).name;
		const rows = ['ticket_id,creator,employee,department,opened_on,closed_on'];
		for (let i = 0; i < k; i++) rows.push(`LIVE-${i},Live Creator ${i},${emp},${dept},2026-11-10,2026-11-12`);
		const res = await post('/api/v1/import', `${rows.join('\n')}\n`, 'text/csv');
		assert.equal(res.inserted, k);
		assert.ok(res.data_version > v0);
		await page.waitForFunction((want) => {
			const trs = [...document.querySelectorAll('#dept-table tbody tr')];
			const tr = trs.find((t) => t.querySelector('th').textContent.trim() === want.dept);
			return tr && Number(tr.children[1].textContent.replace(/[^0-9]/g, '')) === want.opened;
		}, { dept, opened: opened0 + k }, { timeout: POLL_DEADLINE, polling: 500 });
		await settle(page);
		assert.equal(await cell(2), closed0 + k, 'closed counts the new closes');
		assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
		assert.equal(await page.$eval('#live-status', (e) => Number(e.dataset.version)), res.data_version);
		/* a note posted now appears as a marker, also without a reload */
		const posted = await post('/api/v1/annotations', { date: '2026-11-16', text: 'Live note' });
		await page.waitForFunction((v) => Number((document.getElementById('live-status') || {}).dataset?.version) >= v, posted.data_version, { timeout: POLL_DEADLINE, polling: 500 });
		await settle(page);
		await loadNotes();
		assert.ok(notes.some((a) => a.text === 'Live note'));
		await checkMarkers(page, 'after a posted note');
		const trend = (await charts(page)).find((c) => c.card === 'trend');
		assert.ok(trend.marks.some((m) => notes[m.key].text === 'Live note'), 'the new marker is on the trend');
		assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
		assert.deepEqual(problems, []);
		await context.close();
	});
});

describe('wall screen', () => {
	test('?kiosk=1 hides the navigation and the controls, and the links keep it', async () => {
		for (const size of SIZES) {
			for (const theme of THEMES) {
				const { context, page, problems } = await openPage({ ...size, theme });
				for (const url of ['/?kiosk=1', '/department?dept=Sales&kiosk=1', '/flow?kiosk=1']) {
					await visit(page, url);
					assert.equal(new URL(page.url()).searchParams.get('kiosk'), '1', `${url}: kept in the canonical URL`);
					for (const sel of ['.nav', '#toolbar', '#theme-toggle', '.card-tools'])
						assert.equal(await page.$$eval(sel, (els) => els.some((e) => e.offsetParent !== null || getComputedStyle(e).display !== 'none')), false, `${url}: ${sel} hidden`);
					assert.equal(await page.$eval('#asof', (e) => e.offsetParent !== null), true, `${url}: the freshness line stays`);
					const brand = await page.$eval('a.brand', (a) => a.getAttribute('href'));
					assert.equal(new URL(brand, env.base).searchParams.get('kiosk'), '1', 'links stay in kiosk mode');
				}
				await page.screenshot({ path: path.join(ARTIFACTS, `annot-kiosk-${size.width}-${theme}.png`) });
				/* without kiosk=1 the chrome is there */
				await visit(page, '/');
				assert.equal(await page.$eval('#toolbar', (e) => e.offsetParent !== null), true);
				assert.deepEqual(problems, []);
				await context.close();
			}
		}
	});
});

describe('print', () => {
	/* A4 landscape (the print stylesheet's @page), 12 mm margins: 273 mm = 1032 CSS px of content */
	const A4 = { width: 1032, height: 700 };

	test('print media: no chrome, whole cards, charts inside the page, colours kept, light charts', async () => {
		for (const theme of THEMES) {
			const { context, page, problems } = await openPage({ width: 1280, height: 800, theme });
			for (const url of ['/', '/department?dept=Design', '/flow', '/stages']) {
				await visit(page, url);
				await page.setViewportSize(A4);
				await page.emulateMedia({ media: 'print' });
				const where = `${url} ${theme}`;
				/* the page hears of print media (a matchMedia change event) and draws its charts again */
				await page.waitForFunction(() => window.Chart.defaults.color === '#4a5562', null, { timeout: 15000 })
					.catch(() => assert.fail(`${where}: the charts were not drawn again in the print colours`));
				await settle(page);
				for (const sel of ['.nav', '#toolbar', '#theme-toggle', '.card-tools', '.skip-link'])
					assert.equal(await page.$$eval(sel, (els) => els.every((e) => getComputedStyle(e).display === 'none')), true, `${where}: ${sel} not printed`);
				const layout = await page.evaluate(() => {
					const w = document.documentElement.clientWidth;
					const out = (el) => el.getBoundingClientRect().right > w + 0.5 || el.getBoundingClientRect().left < -0.5;
					return {
						cards: [...document.querySelectorAll('.card')].map((c) => ({ id: c.id, out: out(c), brk: getComputedStyle(c).breakInside })),
						canvases: [...document.querySelectorAll('canvas')].map((c) => ({ label: c.getAttribute('aria-label'), out: out(c), w: c.getBoundingClientRect().width, card: c.closest('.card').getBoundingClientRect().width })),
						swatch: [...document.querySelectorAll('.swatch')].map((s) => getComputedStyle(s).printColorAdjust),
						bg: getComputedStyle(document.body).backgroundColor,
						text: getComputedStyle(document.body).color,
						chartText: window.Chart.defaults.color,
					};
				});
				for (const c of layout.cards) {
					assert.equal(c.out, false, `${where}: card ${c.id} inside the page`);
					assert.equal(c.brk, 'avoid', `${where}: card ${c.id} not split`);
				}
				for (const c of layout.canvases) {
					assert.equal(c.out, false, `${where}: chart "${c.label}" inside the page`);
					assert.ok(c.w <= c.card, `${where}: chart "${c.label}" inside its card`);
				}
				assert.ok(layout.swatch.length > 0 && layout.swatch.every((v) => v === 'exact'), `${where}: swatches keep their colour`);
				assert.equal(layout.bg, 'rgb(255, 255, 255)', `${where}: white paper`);
				assert.equal(layout.text, 'rgb(24, 32, 42)', `${where}: dark text`);
				assert.equal(layout.chartText, '#4a5562', `${where}: the charts are drawn in the print colours`);
				await page.emulateMedia({ media: 'screen' });
				await page.setViewportSize({ width: 1280, height: 800 });
			}
			assert.deepEqual(problems, [], theme);
			await context.close();
		}
	});

	test('a page prints to a clean PDF', async () => {
		const pdftoppm = ['/usr/bin/pdftoppm', '/usr/local/bin/pdftoppm'].find((p) => fs.existsSync(p));
		for (const theme of THEMES) {
			const { context, page, problems } = await openPage({ width: 1280, height: 800, theme });
			for (const [url, name] of [['/', 'overview'], ['/department?dept=Design', 'department']]) {
				await visit(page, url);
				/* what chromium does when one prints (Ctrl+P): beforeprint, then print media */
				await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
				const file = path.join(ARTIFACTS, `annot-print-${name}-${theme}.pdf`);
				const pdf = await page.pdf({ path: file, format: 'A4', preferCSSPageSize: true });
				await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
				assert.equal(pdf.subarray(0, 5).toString(), '%PDF-', 'a PDF');
				const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
				assert.ok(pages >= 1 && pages <= 20, `${url} ${theme}: ${pages} pages`);
				/* landscape A4 pages: 842 × 595 pt (chromium rounds to its pixels) */
				assert.match(pdf.toString('latin1'), /\/MediaBox\s*\[\s*0 0 84[12]\.\d+ 59[56]\.\d+\s*\]/, 'A4 landscape pages');
				if (pdftoppm) execFileSync(pdftoppm, ['-png', '-r', '60', file, file.replace(/\.pdf$/, '')]);
			}
			assert.deepEqual(problems, [], theme);
			await context.close();
		}
	});
});
