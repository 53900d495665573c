// Speed as felt (issue 13 point 13): nothing jumps while a page loads, and
// the key figures paint before the charts.
//
// - Layout shift: a PerformanceObserver ('layout-shift', buffered), set up
//   before the page's first byte, records every shift; the page's
//   cumulative layout shift (the largest session window: shifts less than
//   1 s apart, at most 5 s long, those after user input left out) must be
//   ≤ 0.1 on every page at 1280x800 and 390x844, light and dark, and on
//   the overview and a department when the range has no data and when the
//   API fails.
// - Skeletons: with the API held back, the header, the toolbar, the key
//   figure tiles and the cards are in place, busy (aria-busy) and without
//   figures; when the data arrives they do not move.
// - Key figures first: the time from navigation to the key figures on
//   screen (the page's `leadtime:key-figures` mark; the test also sees the
//   figures' text appear and waits for the next paint) is measured and
//   written to test/artifacts/speed.json and printed as a table: reported,
//   never asserted (a timed assertion would be a flaky test).
// - LEADTIME_PERF_STORE=<store>: the same measurement against that store
//   (e.g. the 1M-ticket one of docs/BENCHMARKS.md "Speed as felt"), served
//   by a daemon of its own with as_of empty (today), several runs per page:
//   the first after the daemon started (cold caches) and the median of the
//   others (warm), with the time of each API request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ARTIFACTS, BIN, ROOT, SIZES, THEMES, env, openPage, settle, start, stop } from './harness.mjs';

/* each page, with where its key figures are (the first thing a reader looks for) */
const PAGES = [
	{ name: 'overview', url: '/', key: '#kpis .kpi .value' },
	{ name: 'department', url: '/department?dept=Design', key: '#kpis .kpi .value' },
	{ name: 'employee', url: '/employee', key: '#kpis .kpi .value' },
	{ name: 'stages', url: '/stages', key: '#bottleneck .kpi .value' },
	{ name: 'flow', url: '/flow', key: '#scatter canvas, #scatter .state.empty' },
	{ name: 'creator', url: '/creator', key: '#search .results, #search .state.empty' },
	{ name: 'compare', url: '/compare', key: '#cmptable table' },
	{ name: 'leaderboard', url: '/leaderboard', key: '#boards .board, #boards .state.empty' },
];
const LIMIT = 0.1;
const report = { when: new Date().toISOString(), cls: [], key_figures: [], perf_store: null };

before(async () => {
	await start();
});

after(async () => {
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	fs.writeFileSync(path.join(ARTIFACTS, 'speed.json'), `${JSON.stringify(report, null, '\t')}\n`);
	await stop();
});

/*
 * In the page, before its first script: the layout shifts and the moment
 * the key figures (css `key`, text with a digit or a dash, outside any
 * skeleton) are in the DOM and then painted (the next frame's end).
 */
function instrument(key) {
	const s = { shifts: [], dom: null, paint: null };
	window.__speed = s;
	const describe = (n) => {
		if (!n || n.nodeType !== 1) return n ? n.nodeName : null;
		const cls = typeof n.className === 'string' && n.className ? `.${n.className.trim().split(/\s+/).join('.')}` : '';
		return `${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}${cls}`;
	};
	const rect = (r) => (r ? [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)] : null);
	new PerformanceObserver((list) => {
		for (const e of list.getEntries()) {
			s.shifts.push({
				t: Math.round(e.startTime), value: e.value, input: e.hadRecentInput,
				sources: (e.sources || []).map((x) => ({ node: describe(x.node), from: rect(x.previousRect), to: rect(x.currentRect) })),
			});
		}
	}).observe({ type: 'layout-shift', buffered: true });
	const ready = () => [...document.querySelectorAll(key)].some((el) => !el.closest('.skel') && (el.tagName !== 'DIV' || /[\d—–-]/.test(el.textContent)));
	const check = () => {
		if (s.dom !== null || !document.documentElement || !ready()) return;
		s.dom = performance.now();
		/* the frame that renders them: its animation frame callbacks run just before its paint */
		requestAnimationFrame(() => { s.paint = performance.now(); });
	};
	new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
}

/* CLS as the web defines it: the largest session window (gaps < 1 s, windows ≤ 5 s), input-driven shifts left out */
function cls(shifts) {
	let best = 0, cur = 0, first = -Infinity, prev = -Infinity;
	for (const s of shifts.filter((x) => !x.input)) {
		if (s.t - prev >= 1000 || s.t - first >= 5000) {
			cur = 0;
			first = s.t;
		}
		cur += s.value;
		prev = s.t;
		best = Math.max(best, cur);
	}
	return best;
}

/* the page's measurements once it settled: shifts, key figures, its API requests */
async function measure(page) {
	/* late shifts (a chart resizing after the data) count too */
	await page.waitForTimeout(400);
	return page.evaluate(() => {
		const s = window.__speed;
		const mark = performance.getEntriesByName('leadtime:key-figures')[0];
		const nav = performance.getEntriesByType('navigation')[0];
		const api = performance.getEntriesByType('resource').filter((r) => new URL(r.name).pathname.startsWith('/api/')).map((r) => ({
			url: new URL(r.name).pathname + new URL(r.name).search, start: Math.round(r.startTime), end: Math.round(r.responseEnd),
			ms: Math.round(r.responseEnd - r.startTime), wait: Math.round(r.responseStart - r.requestStart),
			transfer: r.transferSize, body: r.encodedBodySize, decoded: r.decodedBodySize,
		}));
		return {
			shifts: s.shifts, dom: s.dom, paint: s.paint, mark: mark ? mark.startTime : null,
			dcl: nav ? nav.domContentLoadedEventEnd : null, load: nav ? nav.loadEventEnd : null, api,
		};
	});
}

async function load(base, p, { width, height, theme } = SIZES[0], { route } = {}) {
	const o = await openPage({ width, height, theme });
	await o.context.addInitScript(instrument, p.key);
	if (route) await route(o.page);
	await o.page.goto(`${base}${p.url}`, { waitUntil: 'load' });
	await settle(o.page, { timeout: 60000 });
	const m = await measure(o.page);
	return { ...o, m };
}

const r1 = (x) => (x === null || x === undefined ? null : Math.round(x));
const worst = (shifts) => shifts.filter((s) => !s.input).sort((a, b) => b.value - a.value).slice(0, 3)
	.map((s) => `${s.value.toFixed(3)} at ${s.t} ms: ${s.sources.map((x) => `${x.node} ${JSON.stringify(x.from)}→${JSON.stringify(x.to)}`).join(', ')}`).join('\n  ');

function printTable(title, rows, cols) {
	const lines = [title, cols.map((c) => c[0]).join('\t'), ...rows.map((r) => cols.map((c) => c[1](r)).join('\t'))];
	console.log(lines.join('\n'));
}

describe('layout shift', () => {
	test('every page at both sizes and both themes: CLS ≤ 0.1', async () => {
		const bad = [];
		for (const p of PAGES) {
			for (const size of SIZES) {
				for (const theme of THEMES) {
					const { context, m, problems } = await load(env.base, p, { ...size, theme });
					const score = cls(m.shifts);
					report.cls.push({ page: p.name, size: `${size.width}x${size.height}`, theme, cls: Number(score.toFixed(4)), shifts: m.shifts.length });
					report.key_figures.push({
						page: p.name, size: `${size.width}x${size.height}`, theme,
						mark_ms: r1(m.mark), dom_ms: r1(m.dom), paint_ms: r1(m.paint), dcl_ms: r1(m.dcl), load_ms: r1(m.load),
					});
					if (score > LIMIT) bad.push(`${p.name} ${size.width}x${size.height} ${theme}: CLS ${score.toFixed(3)}\n  ${worst(m.shifts)}`);
					assert.deepEqual(problems, [], `${p.name}: no console error or failed request`);
					await context.close();
				}
			}
		}
		printTable('CLS (≤ 0.1) and key figures (ms after navigation: page mark / painted)', report.cls, [
			['page', (r) => r.page.padEnd(11)], ['size', (r) => r.size], ['theme', (r) => r.theme], ['CLS', (r) => r.cls.toFixed(3)],
			['mark', (r) => String(report.key_figures.find((k) => k.page === r.page && k.size === r.size && k.theme === r.theme).mark_ms)],
			['painted', (r) => String(report.key_figures.find((k) => k.page === r.page && k.size === r.size && k.theme === r.theme).paint_ms)],
		]);
		assert.deepEqual(bad, [], `layout shift over ${LIMIT}:\n${bad.join('\n')}`);
	});
});

/* the page's frame: where each part is, in one evaluate */
function frame() {
	const box = (e) => {
		const r = e.getBoundingClientRect();
		return { top: Math.round(r.top), height: Math.round(r.height), left: Math.round(r.left), width: Math.round(r.width) };
	};
	const parts = [];
	const add = (name, e) => { if (e) parts.push({ name, ...box(e) }); };
	add('header', document.querySelector('.app-header'));
	add('toolbar', document.getElementById('toolbar'));
	const kp = document.querySelector('.kpis');
	add('key figures', kp);
	if (kp) [...kp.querySelectorAll(':scope > .kpi')].forEach((t, i) => add(`key figure ${i + 1}`, t));
	for (const c of document.querySelectorAll('main .card[id]')) add(`card #${c.id}`, c);
	return { parts, vh: window.innerHeight };
}

describe('skeletons', () => {
	test('before any answer: the frame is in the HTML, busy and without figures; the answers do not move it', async () => {
		const bad = [];
		for (const p of PAGES) {
			for (const size of SIZES) {
				const { context, page, problems } = await openPage({ ...size, theme: 'light' });
				let release;
				const gate = new Promise((r) => { release = r; });
				await page.route('**/api/v1/**', async (route) => {
					await gate;
					await route.continue();
				});
				await page.goto(`${env.base}${p.url}`, { waitUntil: 'load' });
				/* every script ran; the API has not answered */
				await page.waitForFunction(() => !!document.getElementById('theme-toggle') && !document.getElementById('theme-toggle').disabled);
				const held = await page.evaluate(() => {
					const kp = document.querySelector('.kpis');
					const tb = document.getElementById('toolbar');
					return {
						nav: [...document.querySelectorAll('.app-header nav a')].map((a) => a.getAttribute('aria-current')),
						toolbar: { busy: tb.getAttribute('aria-busy'), fields: tb.querySelectorAll('.field').length, enabled: tb.querySelectorAll('select:not([disabled]), input:not([disabled])').length },
						kpis: kp ? { busy: kp.getAttribute('aria-busy'), tiles: kp.querySelectorAll('.kpi').length, text: kp.textContent } : null,
						cards: [...document.querySelectorAll('main .card[id]')].map((c) => ({ id: c.id, busy: c.getAttribute('aria-busy'), skel: !!c.querySelector('.card-body > .skel') })),
						main: document.getElementById('main').getAttribute('aria-busy'),
					};
				});
				const where = `${p.name} ${size.width}x${size.height}`;
				assert.equal(held.nav.length, 8, `${where}: the navigation is in the HTML`);
				assert.equal(held.nav.filter((c) => c === 'page').length, 1, `${where}: one current page`);
				assert.equal(held.toolbar.busy, 'true', `${where}: the toolbar placeholder is busy`);
				assert.ok(held.toolbar.fields >= 3, `${where}: the toolbar placeholder has its fields`);
				assert.equal(held.toolbar.enabled, 0, `${where}: its fields are disabled until the real ones come`);
				if (p.key.includes('kpi')) {
					assert.ok(held.kpis, `${where}: key figure placeholders`);
					assert.equal(held.kpis.busy, 'true', `${where}: the key figures are busy`);
					assert.ok(held.kpis.tiles >= 4, `${where}: ${held.kpis.tiles} tiles`);
					assert.doesNotMatch(held.kpis.text, /\d/, `${where}: no figure is shown (or read out) before the data`);
				}
				for (const c of held.cards) {
					assert.equal(c.busy, 'true', `${where}: card #${c.id} is busy`);
					assert.ok(c.skel, `${where}: card #${c.id} has its placeholder`);
				}
				assert.equal(held.main, 'true', where);
				const before = await page.evaluate(frame);
				release();
				await settle(page);
				const after = await page.evaluate(frame);
				/* what was on screen stays where it was (a card's top within a line: its head may gain a row of tools) */
				for (const a of before.parts) {
					if (a.top >= before.vh) continue;
					const b = after.parts.find((x) => x.name === a.name);
					if (!b) {
						bad.push(`${where}: ${a.name} is gone`);
						continue;
					}
					const tol = a.name.startsWith('card') ? 20 : 2;
					if (Math.abs(b.top - a.top) > tol || Math.abs(b.left - a.left) > 2) bad.push(`${where}: ${a.name} moved from ${a.left},${a.top} to ${b.left},${b.top}`);
					if (a.name === 'header' || a.name === 'toolbar' || a.name === 'key figures') {
						if (Math.abs(b.height - a.height) > (a.name === 'key figures' ? 24 : 2)) bad.push(`${where}: ${a.name} is ${a.height} px tall before the data, ${b.height} after`);
					}
				}
				assert.deepEqual(problems, [], where);
				await context.close();
			}
		}
		assert.deepEqual(bad, [], bad.join('\n'));
	});

	test('the modules each page loads are preloaded from its HTML (no waterfall of imports)', async () => {
		for (const p of PAGES) {
			const { context, page } = await openPage();
			await page.goto(`${env.base}${p.url}`, { waitUntil: 'load' });
			await settle(page);
			const { loaded, preloaded, entry } = await page.evaluate(() => ({
				loaded: performance.getEntriesByType('resource').map((r) => new URL(r.name).pathname).filter((u) => u.startsWith('/js/')),
				preloaded: [...document.querySelectorAll('link[rel="modulepreload"]')].map((l) => new URL(l.href).pathname),
				entry: new URL(document.querySelector('script[type="module"]').src).pathname,
			}));
			const want = [...new Set(loaded)].filter((u) => u !== entry && u !== '/js/theme.js').sort();
			assert.deepEqual([...new Set(preloaded)].sort(), want, `${p.name}: <link rel="modulepreload"> for every module it imports, and only those`);
			await context.close();
		}
	});
});

describe('layout shift when there is nothing to show, or an error', () => {
	const cases = [
		{ what: 'a range before the data', q: 'range=custom&from=2001-01-01&to=2001-03-31' },
		{ what: 'an API error', fail: true },
	];
	for (const c of cases) {
		test(`${c.what}: CLS ≤ 0.1 on the overview, a department and the stages`, async () => {
			const bad = [];
			for (const p of PAGES.filter((x) => ['overview', 'department', 'stages', 'employee'].includes(x.name))) {
				for (const size of SIZES) {
					const url = c.q ? `${p.url}${p.url.includes('?') ? '&' : '?'}${c.q}` : p.url;
					const route = c.fail ? async (page) => {
						await page.route(/\/api\/v1\/(overview|departments|stages|employees)/, (r) => r.fulfill({
							status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'test: the server failed' } }),
						}));
					} : null;
					const o = await openPage({ ...size, theme: 'light' });
					await o.context.addInitScript(instrument, p.key);
					if (route) await route(o.page);
					await o.page.goto(`${env.base}${url}`, { waitUntil: 'load' });
					await settle(o.page, { timeout: 60000 });
					const m = await measure(o.page);
					const score = cls(m.shifts);
					report.cls.push({ page: p.name, size: `${size.width}x${size.height}`, theme: 'light', case: c.what, cls: Number(score.toFixed(4)), shifts: m.shifts.length });
					if (score > LIMIT) bad.push(`${p.name} ${size.width}x${size.height} (${c.what}): CLS ${score.toFixed(3)}\n  ${worst(m.shifts)}`);
					const state = await o.page.evaluate(() => ({
						busy: document.querySelectorAll('[aria-busy="true"]').length,
						shown: document.querySelectorAll('.state.error, .state.empty').length,
						kpiText: (document.querySelector('.kpis') || { textContent: '' }).textContent,
					}));
					assert.equal(state.busy, 0, `${p.name}: nothing left busy`);
					assert.ok(state.shown > 0, `${p.name}: the cards say why they are empty`);
					if (c.fail) assert.match(state.kpiText, /not loaded/, `${p.name}: the key figures say they were not loaded`);
					await o.context.close();
				}
			}
			assert.deepEqual(bad, [], `layout shift over ${LIMIT}:\n${bad.join('\n')}`);
		});
	}
});

/* ---- a big store (opt-in): LEADTIME_PERF_STORE=<store> ---- */

async function serveStore(store) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadtime-perf-'));
	let ini = fs.readFileSync(path.join(ROOT, 'config.ini'), 'utf8');
	for (const [k, v] of Object.entries({ seed_demo: 'false', as_of: '' })) ini = ini.replace(new RegExp(`^(${k}\\s*=).*$`, 'm'), `$1 ${v}`);
	const cfg = path.join(dir, 'config.ini');
	fs.writeFileSync(cfg, ini);
	const child = spawn(BIN, ['serve', '--config', cfg, '--db', store, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
	let log = '';
	const base = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`leadtimed did not start:\n${log}`)), 120000);
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (chunk) => {
			log += chunk;
			const m = /on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
			if (m) {
				clearTimeout(timer);
				resolve(m[1]);
			}
		});
		child.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`leadtimed exited (${code}):\n${log}`));
		});
	});
	/* the first answer: the store is loaded */
	for (let i = 0; i < 600; i++) {
		const r = await fetch(`${base}/api/v1/meta`).catch(() => null);
		if (r && r.ok) break;
		await new Promise((res) => setTimeout(res, 100));
	}
	return {
		base,
		async stop() {
			if (child.exitCode === null) {
				const done = new Promise((r) => child.once('exit', r));
				child.kill('SIGTERM');
				await done;
			}
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}

const median = (xs) => {
	const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
	if (!v.length) return null;
	const m = Math.floor(v.length / 2);
	return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

describe('a big store (LEADTIME_PERF_STORE)', { skip: !process.env.LEADTIME_PERF_STORE && 'set LEADTIME_PERF_STORE=<store> to measure one' }, () => {
	test('time to the key figures, cold and warm (reported, not asserted)', async () => {
		const store = path.resolve(process.env.LEADTIME_PERF_STORE);
		assert.ok(fs.existsSync(store), `no store at ${store}`);
		const runs = Math.max(2, Number(process.env.LEADTIME_PERF_RUNS) || 5);
		const srv = await serveStore(store);
		const out = { store, runs, cpus: os.cpus().length, pages: [] };
		report.perf_store = out;
		try {
			for (const p of PAGES) {
				const all = [];
				for (let i = 0; i < runs; i++) {
					/* run 1: the daemon has not answered this page's requests yet (its caches are cold); the others: warm */
					const { context, m } = await load(srv.base, p);
					all.push(m);
					await context.close();
				}
				const key = (m) => m.mark ?? m.paint;
				const warm = all.slice(1);
				const row = {
					page: p.name,
					cold_ms: r1(key(all[0])),
					warm_median_ms: r1(median(warm.map(key))),
					warm_ms: warm.map((m) => r1(key(m))),
					dom_warm_median_ms: r1(median(warm.map((m) => m.dom))),
					cls_max: Number(Math.max(...all.map((m) => cls(m.shifts))).toFixed(4)),
					api_cold: all[0].api,
					api_warm: warm[warm.length - 1].api,
				};
				out.pages.push(row);
			}
		} finally {
			await srv.stop();
		}
		printTable(`Key figures on ${store} (ms after navigation; ${runs} runs: the first cold, the median of the others warm)`, out.pages, [
			['page', (r) => r.page.padEnd(11)], ['cold', (r) => String(r.cold_ms)], ['warm median', (r) => String(r.warm_median_ms)],
			['slowest API (cold)', (r) => { const a = [...r.api_cold].sort((x, y) => y.ms - x.ms)[0]; return a ? `${a.ms} ms ${a.url.slice(0, 60)}` : '-'; }],
		]);
	});
});
