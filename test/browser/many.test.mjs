// Many departments, long names, big teams (issue 13 points 10, 11, 12 and 14),
// on the data shape of many-data.mjs: twelve departments with long names given
// one per line in [pipeline], 300 employees each (every one with tickets).
//
// - point 10: twelve distinct department colours, each ≥ 3:1 against the card
//   and page backgrounds of both themes (read from the page); every category
//   of the department charts labelled, long ones cut with "…" and whole in the
//   tooltip; highlight on hover of a chart of twelve lines (legend and line,
//   driven by the mouse's position); the departments tables keep their
//   columns at 390 px; long names cut with "…" and whole in their title in
//   tables, axes, the leaderboard and the handoff heads; the employee search;
// - point 11: the daemon starts on a config whose [pipeline] lists one
//   department per line and which has a line of more than 200 bytes, and on
//   the one-line list of the same twelve (> 200 bytes), and serves them in
//   order;
// - point 12: a bookmark naming an unknown department, employee or creator,
//   or a range in the future, says so in a role="alert" notice;
// - point 14: arrow keys through a select make one history entry; the nav's
//   focus ring is not clipped; every chart's "View as table" holds its values.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
	ARTIFACTS, api, emulateMedia, env, evalAll, extraDaemon, openPage, query, settle, start, stop, visit,
} from './harness.mjs';
import { DEPTS, EMPLOYEES_PER_DEPT, buildMany, employeeName, manyCsv, pipelineConfig } from './many-data.mjs';

const NAMES = DEPTS.map(([n]) => n);
const LONG_LINE = `; ${'a comment longer than the 200 bytes the old reader allowed; '.repeat(12)}`;

before(async () => {
	await start({
		build(opts) {
			buildMany(opts);
			/* a line of more than 200 bytes inside [pipeline] (point 11) */
			const ini = fs.readFileSync(opts.cfg, 'utf8').replace(/^\[pipeline\]\n/m, `[pipeline]\n${LONG_LINE}\n`);
			fs.writeFileSync(opts.cfg, ini);
		},
	});
});

after(stop);

/* ---- colours ---- */

function rgbOf(css) {
	const m = /^#([0-9a-f]{6})$/i.exec(css.trim());
	if (m) {
		const n = parseInt(m[1], 16);
		return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
	}
	const r = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(css);
	assert.ok(r, `a colour: ${css}`);
	return [+r[1], +r[2], +r[3]];
}
const lin = (c) => {
	const s = c / 255;
	return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};
const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
function contrast(a, b) {
	const [x, y] = [lum(rgbOf(a)), lum(rgbOf(b))].sort((p, q) => q - p);
	return (x + 0.05) / (y + 0.05);
}
/* CIE76 ΔE in CIELAB (D65) */
function lab(css) {
	const [r, g, b] = rgbOf(css).map(lin);
	const X = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
	const Y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
	const Z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
	const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
	return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}
const deltaE = (a, b) => Math.hypot(...lab(a).map((v, i) => v - lab(b)[i]));

/* ---- in the page ---- */

/* the Chart.js chart of the card `id` (the first canvas, or the one whose aria-label matches) */
function chartInfo(page, cardId) {
	return page.evaluate((id) => {
		const c = [...document.querySelectorAll(`#${id} canvas`)].find((x) => x.isConnected);
		const ch = c && window.Chart.getChart(c);
		if (!ch) return null;
		const r = c.getBoundingClientRect();
		const out = { type: ch.config.type, labels: ch.data.labels || [], height: r.height, scales: {} };
		for (const [k, s] of Object.entries(ch.scales)) {
			out.scales[k] = { type: s.type, ticks: s.ticks.map((t) => t.label), left: s.left, right: s.right, width: s.width };
		}
		out.datasets = ch.data.datasets.map((d) => ({ label: d.label, border: d.borderColor, bg: d.backgroundColor }));
		return out;
	}, cardId);
}

/* the department names an axis shows, against the full names in order */
function checkAxisLabels(ticks, names, where) {
	assert.equal(ticks.length, names.length, `${where}: every category has its label (${ticks.length} of ${names.length})`);
	ticks.forEach((t, i) => {
		const s = Array.isArray(t) ? t.join(' ') : String(t);
		assert.ok(s.length > 0, `${where}: label ${i} is drawn`);
		if (s === names[i]) return;
		assert.ok(s.endsWith('…'), `${where}: "${s}" is "${names[i]}" cut with an ellipsis`);
		assert.ok(names[i].startsWith(s.slice(0, -1).trimEnd()), `${where}: "${s}" starts "${names[i]}"`);
	});
}

async function poll(page, fn, arg, what, timeout = 8000) {
	try {
		await page.waitForFunction(fn, arg, { timeout, polling: 50 });
	} catch (e) {
		assert.fail(`${what} (within ${timeout} ms)`);
	}
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/* ---- the data set ---- */

describe('the store: twelve departments, 300 employees each, all with tickets', () => {
	test('meta lists the twelve departments of [pipeline] in order, with their SLA days and every employee', async () => {
		assert.deepEqual(env.meta.departments.map((d) => d.name), NAMES);
		assert.deepEqual(env.meta.departments.map((d) => d.sla_days), DEPTS.map(([, s]) => s));
		assert.deepEqual(env.meta.departments.map((d) => d.position), NAMES.map((_, i) => i + 1));
		/* every employee of the data set has tickets: the CSV names each, the store knows each */
		const csv = manyCsv('2026-11-22');
		const inCsv = new Set(csv.split('\n').slice(1).filter(Boolean).map((r) => r.split(',')[2]));
		const known = new Set(env.meta.employees.map((e) => e.name));
		for (let d = 0; d < DEPTS.length; d++) {
			for (let e = 0; e < EMPLOYEES_PER_DEPT; e++) {
				const name = employeeName(d, e);
				assert.ok(inCsv.has(name), `${name} has tickets in the data set`);
				assert.ok(known.has(name), `${name} is in meta`);
			}
		}
		assert.equal(env.meta.employees.length, DEPTS.length * EMPLOYEES_PER_DEPT);
	});

	test('point 11: the one-line lists of the twelve (lines > 200 bytes) start and serve them in order', async () => {
		const departments = NAMES.map((n) => n.replace(/,/g, '')).join(', ');
		const sla = DEPTS.map(([, s]) => s).join(', ');
		assert.ok(Buffer.byteLength(`departments = ${departments}`) > 200, 'a line over 200 bytes');
		const names = NAMES.map((n) => n.replace(/,/g, ''));
		const rows = ['ticket_id,creator,employee,department,opened_on,closed_on',
			...names.map((n, i) => `X${i},Someone ${i},Person ${i},${n},2026-10-0${1 + (i % 9)},2026-11-0${1 + (i % 9)}`)];
		const other = await extraDaemon({ asOf: '2026-11-22', ini: { departments, sla_days: sla }, csv: `${rows.join('\n')}\n` });
		try {
			assert.deepEqual(other.meta.departments.map((d) => d.name), names);
			assert.deepEqual(other.meta.departments.map((d) => d.sla_days), DEPTS.map(([, s]) => s));
		} finally {
			await other.stop();
		}
		/* and the per-line form written by many-data.mjs is what the main daemon started on */
		const tmp = fs.mkdtempSync(path.join(ARTIFACTS, '.many-'));
		try {
			const cfg = path.join(tmp, 'c.ini');
			fs.writeFileSync(cfg, '[pipeline]\ndepartments = A\nsla_days = 1\n\n[thresholds]\n');
			pipelineConfig(cfg);
			const body = fs.readFileSync(cfg, 'utf8');
			for (const [n, s] of DEPTS) assert.ok(body.includes(`\n${n} = ${s}\n`), `${n} on a line of its own`);
		} finally {
			fs.rmSync(tmp, { recursive: true, force: true });
		}
	});
});

/* ---- point 10 ---- */

describe('point 10: many departments, long names', () => {
	test('twelve distinct department colours, each ≥ 3:1 against the card and the page in both themes', async () => {
		const { context, page } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/');
		for (const theme of ['light', 'dark']) {
			await emulateMedia(page, { colorScheme: theme });
			const got = await page.evaluate(() => {
				const cs = getComputedStyle(document.documentElement);
				const card = document.querySelector('.card');
				const c = document.querySelector('#deptlt canvas');
				const ch = window.Chart.getChart(c);
				const sw = [...document.querySelectorAll('#dept-table tbody .swatch')].map((s) => getComputedStyle(s).backgroundColor);
				return {
					vars: Array.from({ length: 12 }, (_, i) => cs.getPropertyValue(`--dept-${i}`).trim()),
					card: getComputedStyle(card).backgroundColor,
					page: getComputedStyle(document.body).backgroundColor,
					lines: ch.data.datasets.map((d) => ({ label: d.label, colour: d.borderColor })),
					swatches: sw,
				};
			});
			/* what the page draws: the twelve lines of "Median days to close" and the table's swatches */
			assert.deepEqual(got.lines.map((l) => l.label), NAMES, theme);
			const used = got.lines.map((l) => l.colour);
			assert.equal(new Set(used.map((c) => rgbOf(c).join())).size, 12, `${theme}: twelve different line colours: ${used.join(' ')}`);
			used.forEach((c, i) => assert.deepEqual(rgbOf(c), rgbOf(got.vars[i]), `${theme}: line ${i} in --dept-${i}`));
			got.swatches.forEach((c, i) => assert.deepEqual(rgbOf(c), rgbOf(got.vars[i]), `${theme}: swatch ${i} in --dept-${i}`));
			for (const [i, c] of used.entries()) {
				for (const [what, bg] of [['card', got.card], ['page', got.page]]) {
					const r = contrast(c, bg);
					assert.ok(r >= 3, `${theme}: ${NAMES[i]} ${c} on the ${what} ${bg}: ${r.toFixed(2)}:1 < 3:1`);
				}
			}
			let min = Infinity;
			for (let i = 0; i < used.length; i++) for (let j = i + 1; j < used.length; j++) min = Math.min(min, deltaE(used[i], used[j]));
			assert.ok(min >= 15, `${theme}: the closest two colours are ΔE ${min.toFixed(1)} apart (< 15)`);
		}
		await context.close();
	});

	for (const width of [1280, 390]) {
		test(`every department is labelled on the department charts, long names cut with "…" and whole on hover, at ${width} px`, async () => {
			const { context, page, problems } = await openPage({ width, height: width > 400 ? 800 : 844 });
			await visit(page, '/');
			/* the overview's "Where the backlog sits": a bar per department, the chart a row per bar high */
			const glance = await chartInfo(page, 'glance');
			assert.deepEqual(glance.labels, NAMES);
			checkAxisLabels(glance.scales.y.ticks, NAMES, `backlog bars at ${width}`);
			assert.ok(glance.height >= NAMES.length * 18, `the chart grows with the count: ${glance.height} px for 12 bars`);
			/* the aging chart's rows */
			const wip = await chartInfo(page, 'wip');
			checkAxisLabels(wip.scales.y.ticks, NAMES, `aging rows at ${width}`);
			/* the labels fit their axis (Chart.js cuts what is longer than its box) */
			const fits = await page.evaluate(() => ['glance', 'wip'].map((id) => {
				const ch = window.Chart.getChart(document.querySelector(`#${id} canvas`));
				const s = ch.scales.y;
				const ctx = ch.ctx;
				ctx.save();
				ctx.font = window.Chart.helpers.toFont(s.options.ticks.font).string;
				const widest = Math.max(...s.ticks.map((t) => ctx.measureText(String(t.label)).width));
				ctx.restore();
				return { id, widest, box: s.width };
			}));
			for (const f of fits) assert.ok(f.widest <= f.box + 1, `${f.id}: the widest label (${f.widest.toFixed(0)} px) fits its axis (${f.box.toFixed(0)} px)`);
			/* stages: the time in each stage */
			await visit(page, '/stages');
			const journey = await chartInfo(page, 'journey');
			checkAxisLabels(journey.scales.y.ticks, NAMES, `stage bars at ${width}`);
			/* the tooltip of a cut bar names the department whole (a real hover, by the bar's position) */
			await visit(page, '/');
			const cut = glance.scales.y.ticks.findIndex((t, i) => t !== NAMES[i]);
			if (width === 390) assert.ok(cut >= 0, 'at 390 px some department names are cut');
			if (cut >= 0) {
				/* the longest of the cut bars, the mouse near its end */
				const pos = await page.evaluate((names) => {
					const c = document.querySelector('#glance canvas');
					c.scrollIntoView({ block: 'center' });
					const ch = window.Chart.getChart(c);
					const r = c.getBoundingClientRect();
					let best = null;
					ch.getDatasetMeta(0).data.forEach((bar, k) => {
						const len = Math.abs(bar.x - bar.base);
						if (ch.scales.y.ticks[k].label !== names[k] && (!best || len > best.len)) best = { k, len, x: r.left + (bar.base + bar.x) / 2, y: r.top + bar.y };
					});
					return best;
				}, NAMES);
				assert.ok(pos && pos.len > 6, 'a cut bar long enough to hover');
				await page.mouse.move(pos.x, pos.y);
				await poll(page, (name) => {
					const tt = window.Chart.getChart(document.querySelector('#glance canvas')).tooltip;
					return tt && tt.opacity > 0 && (tt.title || []).join(' ') === name;
				}, NAMES[pos.k], `the tooltip of the cut bar ${pos.k} names "${NAMES[pos.k]}" whole`);
			}
			assert.deepEqual(problems, []);
			await context.close();
		});
	}

	test('twelve lines: hovering a legend entry or a line highlights it and fades the others', async () => {
		const { context, page } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/');
		const focusIs = (want) => {
			const ch = window.Chart.getChart(document.querySelector('#deptlt canvas'));
			if (!ch) return false;
			const faded = (c) => /rgba\(.*,\s*0\.1\d*\)$/.test(String(c));
			if (want === null) return ch.$ltFocus === null && ch.data.datasets.every((d) => !faded(d.borderColor));
			return ch.$ltFocus === want && ch.data.datasets.every((d, i) => (i === want) !== faded(d.borderColor));
		};
		/* the legend is a list after the chart (twelve entries); the mouse over entry 5 */
		const entries = await evalAll(page, '#deptlt .html-legend li', (els) => els.map((e) => {
			e.scrollIntoView({ block: 'center' });
			return e.textContent.trim();
		}));
		assert.deepEqual(entries, NAMES);
		const li = await page.evaluate(() => {
			const e = document.querySelectorAll('#deptlt .html-legend li')[5];
			e.scrollIntoView({ block: 'center' });
			const r = e.getBoundingClientRect();
			return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
		});
		await page.mouse.move(li.x, li.y);
		await poll(page, focusIs, 5, 'hovering legend entry 5 highlights line 5 and fades the eleven others');
		await page.mouse.move(2, 2);
		await poll(page, focusIs, null, 'leaving the legend restores every line');
		/* the mouse on a point of line 2: the line nearest the mouse is highlighted */
		const pt = await page.evaluate(() => {
			const c = document.querySelector('#deptlt canvas');
			c.scrollIntoView({ block: 'center' });
			const ch = window.Chart.getChart(c);
			const r = c.getBoundingClientRect();
			/* the point of all lines farthest from any other line's point */
			let best = null;
			ch.data.datasets.forEach((d, i) => ch.getDatasetMeta(i).data.forEach((p, k) => {
				if (d.data[k] === null || d.data[k] === undefined || (typeof d.data[k] === 'object' && d.data[k].y === null)) return;
				let near = Infinity;
				ch.data.datasets.forEach((e, j) => {
					if (j === i) return;
					for (const q of ch.getDatasetMeta(j).data) if (Number.isFinite(q.y)) near = Math.min(near, Math.hypot(q.x - p.x, q.y - p.y));
				});
				if (Number.isFinite(p.x) && Number.isFinite(p.y) && (!best || near > best.near)) best = { i, near, x: r.left + p.x, y: r.top + p.y };
			}));
			return best;
		});
		assert.ok(pt && pt.near > 4, 'a point apart from the other lines');
		await page.mouse.move(pt.x, pt.y);
		await poll(page, focusIs, pt.i, `the mouse on a point of line ${pt.i} highlights it`);
		await page.mouse.move(2, 2);
		await poll(page, focusIs, null, 'leaving the chart restores every line');
		await context.close();
	});

	test('at 390 px the departments tables keep their columns, scroll inside their card, the page does not', async () => {
		const { context, page, problems } = await openPage({ width: 390, height: 844 });
		for (const [url, sel] of [['/', '#dept-table'], ['/stages', '#stage-table, #stagetable table'], ['/stages', '#handoff-matrix']]) {
			await visit(page, url);
			const t = await evalAll(page, sel, (els) => els.slice(0, 1).map((table) => {
				const cols = [...table.tHead.rows[table.tHead.rows.length - 1].cells].filter((c) => getComputedStyle(c).display !== 'none');
				const wrap = table.closest('.table-wrap');
				const card = table.closest('.card').getBoundingClientRect();
				const w = wrap.getBoundingClientRect();
				return {
					cols: cols.map((c) => ({ text: c.textContent.trim(), width: c.getBoundingClientRect().width })),
					wrapOverflow: getComputedStyle(wrap).overflowX,
					wrapInCard: w.left >= card.left - 0.5 && w.right <= card.right + 0.5,
					scrolls: wrap.scrollWidth > wrap.clientWidth,
					page: document.documentElement.scrollWidth,
				};
			})[0]);
			assert.ok(t, `${url}: ${sel}`);
			assert.ok(t.cols.length >= 4, `${url} ${sel}: ${t.cols.length} columns shown`);
			for (const c of t.cols) assert.ok(c.width >= 28, `${url} ${sel}: column "${c.text}" is ${c.width.toFixed(0)} px wide`);
			if (t.scrolls) assert.match(t.wrapOverflow, /auto|scroll/, `${url} ${sel}: a wide table scrolls inside its card`);
			assert.ok(t.wrapInCard, `${url} ${sel}: the table's box stays inside its card`);
			assert.ok(t.page <= 390, `${url}: the page itself does not scroll sideways (${t.page} px)`);
		}
		await visit(page, '/department');
		const page390 = await page.evaluate(() => document.documentElement.scrollWidth);
		assert.ok(page390 <= 390, `/department: no sideways scroll (${page390} px)`);
		assert.deepEqual(problems, []);
		await context.close();
	});

	test('long names end in "…" and carry their whole name: tables, leaderboard, handoff heads', async () => {
		const { context, page } = await openPage({ width: 390, height: 844 });
		const names = new Set([...NAMES, ...env.meta.employees.map((e) => e.name)]);
		const cases = [
			['/', '#dept-table tbody th[scope="row"]'],
			['/stages', '#handoff-matrix thead th.to .vt'],
			['/stages', '#handoff-matrix tbody th[scope="row"]'],
			['/leaderboard', '.rank .who'],
			['/department', 'table.data tbody th[scope="row"]'],
		];
		let at = null;
		for (const [url, sel] of cases) {
			if (at !== url) await visit(page, url);
			at = url;
			const got = await evalAll(page, sel, (els) => els.filter((e) => e.getClientRects().length).map((e) => {
				const cs = getComputedStyle(e);
				/* the element that cuts: itself or a child that overflows it */
				const cutter = [e, ...e.querySelectorAll('*')].find((x) => getComputedStyle(x).textOverflow === 'ellipsis' && x.scrollWidth > x.clientWidth + 1
					|| getComputedStyle(x).textOverflow === 'ellipsis' && x.scrollHeight > x.clientHeight + 1 && getComputedStyle(x).writingMode.startsWith('vertical'));
				const titled = e.closest('[title]') || e.querySelector('[title]');
				return { text: e.textContent.replace(/\s+/g, ' ').trim(), cut: !!cutter, overflow: cs.overflow, title: titled ? titled.getAttribute('title') : null };
			}));
			assert.ok(got.length >= 10, `${url} ${sel}: ${got.length} names`);
			const cut = got.filter((g) => g.cut);
			assert.ok(cut.length > 0, `${url} ${sel}: some long names are cut with an ellipsis at 390 px`);
			/* every cut name, and every department or employee name, has its whole text as its title */
			for (const g of got) {
				if (g.cut || names.has(g.text)) assert.equal(g.title, g.text, `${url} ${sel}: "${g.text}" has its whole name as its title`);
			}
		}
		await context.close();
	});

	test('the employee\'s comparison with the department fits its card with the longest first name', async () => {
		const { context, page } = await openPage({ width: 1280, height: 800 });
		const longest = [...env.meta.employees].sort((a, b) => b.name.split(' ')[0].length - a.name.split(' ')[0].length)[0];
		for (const width of [1280, 390]) {
			await page.setViewportSize({ width, height: 800 });
			await visit(page, `/employee?emp=${longest.id}`);
			const w = await page.$eval('#vsdept .table-wrap', (e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
			assert.ok(w.scroll <= w.client, `${longest.name} at ${width}: the table fits (${w.scroll} > ${w.client})`);
		}
		await context.close();
	});

	test('the employee picker is searchable: typing filters, Enter picks, the URL follows', async () => {
		const { context, page, problems } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/employee');
		const target = env.meta.employees.find((e) => e.name === employeeName(7, 123));
		const before = query(page).get('emp');
		assert.notEqual(before, String(target.id));
		await page.click('#emp-search');
		const words = target.name.split(' ');
		await page.keyboard.type(`${words[0].slice(0, 5).toLowerCase()} ${words.at(-1)}`);
		await poll(page, () => {
			const o = document.querySelectorAll('#emp-search-list [role="option"]');
			return !document.getElementById('emp-search-list').hidden && o.length > 0 && o.length < 50;
		}, null, 'the list filters to a few matches');
		const opts = await evalAll(page, '#emp-search-list [role="option"]', (els) => els.map((e) => e.querySelector('.combo-label').textContent));
		assert.ok(opts.includes(target.name), `${target.name} among ${opts.join(', ')}`);
		for (const o of opts) assert.ok(o.includes(words.at(-1)), `every match has the typed words: ${o}`);
		const k = opts.indexOf(target.name);
		for (let i = 0; i <= k; i++) await page.keyboard.press('ArrowDown');
		assert.equal(await page.$eval('#emp-search', (e) => document.getElementById(e.getAttribute('aria-activedescendant')).dataset.value), String(target.id));
		await page.keyboard.press('Enter');
		await poll(page, (id) => new URL(location.href).searchParams.get('emp') === id, String(target.id), 'Enter picks: the URL names the employee');
		await settle(page);
		assert.equal(await page.$eval('#emp', (e) => e.value), String(target.id));
		assert.match(await page.$eval('h1', (e) => e.textContent), new RegExp(words[0]));
		await shot(page, 'many-employee-search');
		assert.deepEqual(problems, []);
		await context.close();
	});
});

/* ---- point 12 ---- */

describe('point 12: a bookmark naming what is not there says so', () => {
	const notice = (page) => page.evaluate(() => {
		const n = document.getElementById('notice');
		return n && !n.hidden && n.getClientRects().length ? { role: n.getAttribute('role'), text: n.textContent.replace(/\s+/g, ' ').trim() } : null;
	});

	test('unknown department, employee, creator; a range in the future', async () => {
		const { context, page } = await openPage({ width: 1280, height: 800 });
		/* a department */
		for (const url of ['/department', '/flow']) {
			await visit(page, `${url}?dept=${encodeURIComponent('Rocket Science and Applied Astrology')}`);
			const n = await notice(page);
			assert.ok(n, `${url}: a notice`);
			assert.equal(n.role, 'alert');
			assert.ok(n.text.includes('Rocket Science and Applied Astrology'), `${url}: names the department asked for: ${n.text}`);
			const shown = query(page).get('dept') || await page.$eval('#dept', (e) => e.value);
			assert.ok(n.text.includes(shown), `${url}: and the one shown instead (${shown}): ${n.text}`);
		}
		/* a known department: no notice */
		await visit(page, `/department?dept=${encodeURIComponent(NAMES[3])}`);
		assert.equal(await notice(page), null, 'no notice for a known department');
		/* an employee */
		await visit(page, '/employee?emp=987654');
		let n = await notice(page);
		assert.ok(n && n.role === 'alert', 'employee: an alert');
		assert.ok(n.text.includes('987654'), n.text);
		const shownEmp = env.meta.employees.find((e) => String(e.id) === query(page).get('emp'));
		assert.ok(shownEmp && n.text.includes(shownEmp.name), `names the employee shown instead: ${n.text}`);
		/* a creator */
		await visit(page, `/creator?creator=${encodeURIComponent('Creator Nobody Anybody 99999')}`);
		n = await notice(page);
		assert.ok(n && n.role === 'alert', 'creator: an alert');
		assert.ok(n.text.includes('Creator Nobody Anybody 99999'), n.text);
		/* a range in the future */
		await visit(page, '/?range=custom&from=2027-03-01&to=2027-03-31');
		n = await notice(page);
		assert.ok(n && n.role === 'alert', 'a future range: an alert');
		assert.match(n.text, /future/, n.text);
		assert.match(n.text, /22 Nov 2026/, `says where the data ends: ${n.text}`);
		await shot(page, 'many-notice-future');
		/* a range running past the data's end */
		await visit(page, '/?range=custom&from=2026-10-01&to=2027-01-31');
		n = await notice(page);
		assert.ok(n && n.role === 'alert', 'a range past the end: an alert');
		assert.match(n.text, /past the data/, n.text);
		/* the next change of view clears it */
		await visit(page, '/?range=30d');
		assert.equal(await notice(page), null, 'no notice for a range inside the data');
		await context.close();
	});
});

/* ---- point 14 ---- */

describe('point 14: keyboard', () => {
	test('arrowing through a select adds at most one history entry; Back returns to the view before', async () => {
		const { context, page } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/department?dept=Marketing%20Campaign%20Operations');
		const start = await page.evaluate(() => history.length);
		const first = query(page).get('dept');
		await page.focus('#dept');
		for (let i = 0; i < 4; i++) {
			await page.keyboard.press('ArrowDown');
			await settle(page);
		}
		const now = query(page).get('dept');
		assert.equal(now, NAMES[NAMES.indexOf(first) + 4], `four steps down: ${now}`);
		const grown = (await page.evaluate(() => history.length)) - start;
		assert.ok(grown <= 1, `four key steps made ${grown} history entries`);
		/* Tab ends the run: the next steps push one more entry, not four */
		await page.keyboard.press('Tab');
		await page.focus('#dept');
		await page.keyboard.press('ArrowUp');
		await settle(page);
		await page.keyboard.press('ArrowUp');
		await settle(page);
		assert.ok((await page.evaluate(() => history.length)) - start <= 2);
		await page.goBack();
		await settle(page);
		await page.goBack();
		await settle(page);
		assert.equal(query(page).get('dept'), first, 'two Backs return to the view before the key steps');
		await context.close();
	});

	for (const width of [1280, 390]) {
		test(`the nav's focus ring is not clipped, at ${width} px`, async () => {
			const { context, page } = await openPage({ width, height: width > 400 ? 800 : 844 });
			await visit(page, '/');
			const links = await page.$$eval('.nav a', (as) => as.length);
			await page.evaluate(() => document.activeElement && document.activeElement.blur());
			let seen = 0;
			for (let i = 0; i < 30 && seen < links; i++) {
				await page.keyboard.press('Tab');
				const ring = await page.evaluate(() => {
					const a = document.activeElement;
					if (!a || !a.matches('.nav a')) return null;
					const cs = getComputedStyle(a);
					const nav = a.closest('.nav');
					const r = a.getBoundingClientRect();
					const n = nav.getBoundingClientRect();
					const out = parseFloat(cs.outlineOffset) + parseFloat(cs.outlineWidth);
					const bl = parseFloat(getComputedStyle(nav).borderLeftWidth) || 0;
					const bt = parseFloat(getComputedStyle(nav).borderTopWidth) || 0;
					/* the nav clips at its padding box (overflow-x: auto) */
					const clip = { left: n.left + bl, top: n.top + bt, right: n.left + bl + nav.clientWidth, bottom: n.top + bt + nav.clientHeight };
					return {
						text: a.textContent, style: cs.outlineStyle, width: parseFloat(cs.outlineWidth),
						ring: { left: r.left - out, top: r.top - out, right: r.right + out, bottom: r.bottom + out }, clip,
					};
				});
				if (!ring) continue;
				seen++;
				assert.notEqual(ring.style, 'none', `${ring.text}: a visible focus ring`);
				assert.ok(ring.width >= 2, `${ring.text}: a ring of ${ring.width} px`);
				for (const side of ['left', 'top']) assert.ok(ring.ring[side] >= ring.clip[side] - 0.5, `${ring.text}: the ring's ${side} (${ring.ring[side]}) inside the nav (${ring.clip[side]})`);
				for (const side of ['right', 'bottom']) assert.ok(ring.ring[side] <= ring.clip[side] + 0.5, `${ring.text}: the ring's ${side} (${ring.ring[side]}) inside the nav (${ring.clip[side]})`);
			}
			assert.equal(seen, links, 'Tab reached every nav link');
			await context.close();
		});
	}

	test('every chart has "View as table", and its table holds the chart\'s values (against the API)', async () => {
		const { context, page, problems } = await openPage({ width: 1280, height: 800 });
		for (const url of ['/', '/department', '/employee', '/stages', '/flow', '/leaderboard', '/compare']) {
			await visit(page, url);
			const cards = await evalAll(page, '.card', (els) => els.map((c) => ({
				id: c.id, charts: [...c.querySelectorAll('canvas')].filter((x) => window.Chart.getChart(x)).length, toggle: !!c.querySelector('.table-toggle'),
			})));
			for (const c of cards) if (c.charts) assert.ok(c.toggle, `${url} #${c.id}: a "View as table" toggle`);
		}
		/* the overview's backlog bars against the overview request the page made */
		await visit(page, '/');
		const seen = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /\/api\/v1\/overview\?/.test(n)));
		assert.ok(seen.length, 'the page asked for /api/v1/overview');
		const last = new URL(seen.at(-1));
		const exact = await api(`${last.pathname}${last.search}`);
		await page.click('#glance .table-toggle');
		await poll(page, () => document.querySelector('#glance .chart-tables:not([hidden]) table tbody tr'), null, 'the backlog table opens');
		assert.equal(await page.$eval('#glance .table-toggle', (b) => b.getAttribute('aria-expanded')), 'true');
		const rows = await evalAll(page, '#glance .chart-tables table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
		assert.deepEqual(rows.map((r) => r[0]), NAMES, 'a row per department, in order, named whole');
		const num = (t) => Number(t.replace(/,/g, ''));
		rows.forEach((r, i) => {
			const d = exact.departments.find((x) => x.name === NAMES[i]);
			assert.equal(num(r[1]), d.totals.backlog_end, `${NAMES[i]}: open at the end of the range`);
		});
		/* the twelve lines' table: a row per period, a column per department, the API's medians */
		await page.click('#deptlt .table-toggle');
		await poll(page, () => document.querySelector('#deptlt .chart-tables:not([hidden]) table tbody tr'), null, 'the medians table opens');
		const t = await evalAll(page, '#deptlt .chart-tables table', (ts) => ts.map((tb) => ({
			head: [...tb.tHead.rows[0].cells].map((c) => c.textContent.trim()),
			rows: [...tb.tBodies[0].rows].map((tr) => [...tr.cells].map((c) => c.textContent.trim())),
		}))[0]);
		assert.deepEqual(t.head.slice(1), NAMES);
		let checked = 0;
		for (const [i, name] of NAMES.entries()) {
			const series = exact.departments.find((x) => x.name === name).series || [];
			assert.equal(t.rows.length, series.length, `${name}: a row per period`);
			series.forEach((b, k) => {
				const v = b.lead_time ? b.lead_time.p50 : null;
				const cell = t.rows[k][i + 1];
				if (typeof v !== 'number') return assert.equal(cell, '–', `${name} ${b.start}: no median`);
				assert.ok(Math.abs(num(cell) - v) < 0.006, `${name} ${b.start}: ${cell} is the API's ${v}`);
				checked++;
			});
		}
		assert.ok(checked >= 100, `${checked} medians checked against the API`);
		/* closing hides it */
		await page.click('#deptlt .table-toggle');
		assert.equal(await page.$eval('#deptlt .chart-tables', (r) => r.hidden), true);
		assert.deepEqual(problems, []);
		await context.close();
	});
});

/* ---- what the review of the screenshots found ---- */

describe('the screenshots review', () => {
	test('count key figures say "1 ticket", not "1 tickets", on every department page', async () => {
		const { context, page } = await openPage({ width: 1280, height: 800 });
		let singular = 0;
		for (const name of NAMES) {
			await visit(page, `/department?dept=${encodeURIComponent(name)}`);
			const vals = await evalAll(page, '[data-kpi] .value', (els) => els.map((e) => [e.closest('[data-kpi]').dataset.kpi, e.textContent.replace(/\s+/g, ' ').trim()]));
			for (const [kpi, v] of vals) {
				if (!['closed', 'opened', 'backlog', 'rework'].includes(kpi)) continue;
				const m = /^([\d,]+) (\w+)/.exec(v);
				assert.ok(m, `${name} ${kpi}: ${v}`);
				const n = Number(m[1].replace(/,/g, ''));
				assert.equal(m[2], n === 1 ? 'ticket' : 'tickets', `${name} ${kpi}: ${v}`);
				if (n === 1) singular++;
			}
		}
		/* the data set has departments with one open ticket at the end (Sales): the singular is exercised */
		assert.ok(singular > 0, 'some count of 1 was shown');
		await context.close();
	});

	test('stages: past six departments the handoff matrix and the pairs take the whole width and show every column', async () => {
		const { context, page } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/stages');
		const r = await page.evaluate(() => {
			const main = document.getElementById('main').getBoundingClientRect().width;
			const box = (id) => document.getElementById(id).getBoundingClientRect();
			const wrap = (sel) => { const t = document.querySelector(sel); const w = t.closest('.table-wrap') || t.parentElement; return [t.scrollWidth, w.clientWidth]; };
			return { main, ho: box('handoffs').width, pairs: box('pairs').width, matrix: wrap('#handoff-matrix'), stage: wrap('#stage-table') };
		});
		assert.ok(r.ho > r.main * 0.9 && r.pairs > r.main * 0.9, `whole width: ${JSON.stringify(r)}`);
		assert.ok(r.matrix[0] <= r.matrix[1] + 1, `the matrix fits its card: ${r.matrix}`);
		assert.ok(r.stage[0] <= r.stage[1] + 1, `the stage statistics fit their card: ${r.stage}`);
		await context.close();
	});

	test('overview: the stacked "Where the time goes" legend shows each department\'s colour in both themes; the oldest open fit their card', async () => {
		const { context, page } = await openPage({ width: 1280, height: 800 });
		await visit(page, '/');
		for (const theme of ['light', 'dark']) {
			await emulateMedia(page, { colorScheme: theme });
			const got = await page.evaluate(() => {
				const cs = getComputedStyle(document.documentElement);
				const items = [...document.querySelectorAll('#where .html-legend li')];
				const wrap = document.querySelector('#oldest-table').closest('.table-wrap');
				return {
					vars: Array.from({ length: 12 }, (_, i) => cs.getPropertyValue(`--dept-${i}`).trim()),
					legend: items.map((li) => [li.textContent, getComputedStyle(li.querySelector('.swatch')).backgroundColor]),
					oldest: [wrap.scrollWidth, wrap.clientWidth],
					cut: [...document.querySelectorAll('#oldest-table td .cut')].map((e) => [e.textContent, e.title, e.scrollWidth > e.clientWidth]),
				};
			});
			const depts = got.legend.filter(([label]) => NAMES.includes(label));
			/* the last department starts the campaign: it has no share of the way there */
			assert.deepEqual(depts.map(([l]) => l), NAMES.slice(0, -1), `${theme}: a legend entry per department on the path`);
			depts.forEach(([l, c], i) => assert.deepEqual(rgbOf(c), rgbOf(got.vars[i]), `${theme}: ${l}'s swatch ${c} is --dept-${i} ${got.vars[i]}`));
			assert.ok(got.oldest[0] <= got.oldest[1] + 1, `${theme}: the oldest open fit their card: ${got.oldest}`);
			assert.ok(got.cut.length > 0 && got.cut.every(([t, title]) => t === title && NAMES.includes(t)), 'each department cell carries its whole name');
			assert.ok(got.cut.some(([, , cut]) => cut), 'some long name is cut');
		}
		await context.close();
	});

	test('employee page: a median or SLA share of fewer than min_closed closes is greyed with its n, in the key figures and the comparison', async () => {
		const q = 'from=2026-08-25&to=2026-11-22';
		const dep = await api(`/api/v1/departments/${encodeURIComponent(NAMES[0])}?${q}`);
		const min = env.meta.min_closed;
		assert.ok(min > 1, `min_closed ${min}`);
		const fewEmp = dep.employees.find((e) => e.totals.lead_time.n > 0 && e.totals.lead_time.n < min);
		const enough = dep.employees.find((e) => e.totals.lead_time.n >= min);
		assert.ok(fewEmp && enough, 'the store has both');
		const { context, page } = await openPage({ width: 1280, height: 800 });
		for (const [e, grey] of [[fewEmp, true], [enough, false]]) {
			await visit(page, `/employee?emp=${e.id}&${q}`);
			const got = await page.evaluate(() => ({
				kpis: Object.fromEntries([...document.querySelectorAll('#kpis [data-kpi]')].map((k) => {
					const v = k.querySelector('.value');
					return [k.dataset.kpi, [v.classList.contains('few'), v.textContent.replace(/\s+/g, ' ').trim()]];
				})),
				rows: Object.fromEntries([...document.querySelectorAll('#vsdept-table tbody tr')].map((tr) => {
					const td = tr.querySelector('td[data-col="employee"]');
					return [tr.dataset.row, [td.classList.contains('few'), td.textContent]];
				})),
			}));
			const n = e.totals.lead_time.n;
			for (const k of ['p50', 'sla']) {
				assert.equal(got.kpis[k][0], grey, `${e.name} (n ${n}) key figure ${k}: ${got.kpis[k][1]}`);
				assert.equal(got.kpis[k][1].endsWith(` n ${n}`), grey, `${e.name} key figure ${k} shows n: ${got.kpis[k][1]}`);
			}
			for (const k of ['p50', 'mean', 'p90', 'sla']) assert.equal(got.rows[k][0], grey, `${e.name} (n ${n}) row ${k}: ${got.rows[k][1]}`);
			/* counts are not statistics of a sample: never greyed */
			for (const k of ['closed', 'opened']) assert.equal(got.kpis[k][0], false, k);
		}
		await context.close();
	});

	test('flow: the outlier fences name no negative number of days', async () => {
		const { context, page } = await openPage({ width: 1280, height: 800 });
		let negative = 0;
		for (const name of NAMES.slice(0, 4)) {
			await visit(page, `/flow?dept=${encodeURIComponent(name)}`);
			const t = await page.evaluate(() => document.getElementById('outliers').textContent.replace(/\s+/g, ' '));
			assert.doesNotMatch(t, /below -/, `${name}: ${t}`);
			assert.match(t, /above \d/, `${name}: the upper fence is named: ${t}`);
			if (!/below \d/.test(t)) negative++;
		}
		assert.ok(negative > 0, 'some department has a lower fence under 0 (the case this checks)');
		await context.close();
	});

	test('leaderboard on a phone: a board\'s lists follow its name (no empty head)', async () => {
		const { context, page } = await openPage({ width: 390, height: 844 });
		await visit(page, '/leaderboard');
		const gaps = await evalAll(page, '.board', (els) => els.map((b) => {
			const head = b.querySelector('.card-head h3').getBoundingClientRect();
			const first = b.querySelector('.lists').getBoundingClientRect();
			return first.top - head.bottom;
		}));
		assert.equal(gaps.length, NAMES.length);
		for (const g of gaps) assert.ok(g < 40, `gap between a board's name and its lists: ${g} px`);
		await context.close();
	});
});

/* ---- screenshots ---- */

describe('screenshots', () => {
	/* every page at 390 px light and 1280 px dark (MANY_SHOTS=1: both sizes in both themes, a full-page
	 * screenshot of each to test/artifacts/many-<page>-<size>-<theme>.png) */
	const all = process.env.MANY_SHOTS === '1';
	const views = all
		? [390, 1280].flatMap((width) => ['light', 'dark'].map((theme) => ({ width, height: width > 400 ? 800 : 844, theme })))
		: [{ width: 390, height: 844, theme: 'light' }, { width: 1280, height: 800, theme: 'dark' }];
	test(`overview, department, employee, leaderboard, flow and stages${all ? ', screenshots' : ''}: no sideways scroll, no error`, async () => {
		const pages = [['overview', '/'], ['department', '/department'], ['employee', '/employee'], ['leaderboard', '/leaderboard'], ['flow', '/flow'], ['stages', '/stages']];
		for (const { theme, ...size } of views) {
			const { context, page, problems } = await openPage({ ...size, theme });
			for (const [name, url] of pages) {
				await visit(page, url);
				const w = await page.evaluate(() => document.documentElement.scrollWidth);
				assert.ok(w <= size.width, `${name} at ${size.width} ${theme}: no sideways scroll (${w} px)`);
				if (all) await shot(page, `many-${name}-${size.width}x${size.height}-${theme}`);
			}
			assert.deepEqual(problems, [], `${size.width} ${theme}`);
			await context.close();
		}
	});
});
