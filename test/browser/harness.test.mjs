// Tests of harness.mjs itself (issue 12 point 4): the helpers must not
// measure a page that is about to change.  Each page here is written by the
// test (page.setContent) and does what the dashboard does when the theme
// changes: it replaces its canvas with a freshly drawn one and blanks the
// old one (Chart.js's destroy() leaves a 300x150 canvas), either all the
// time (a redraw between any two round trips) or in its media-query
// listener.  What the page shows is checked independently of the helper
// under test, from the colour of the connected canvas.
//
// Before the fix (canvasInk through page.$$eval, settle() returning at once
// on an idle page, emulateMedia not awaited) these failed: see
// docs/DESIGN.md, "Flaky tests and how the suite avoids them".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { AS_OF, canvasInk, emulateMedia, evalAll, openPage, settle, start, stop } from './harness.mjs';

before(async () => {
	/* a small store: these tests use the browser, not the data */
	await start({
		build: ({ bin, cfg, db }) => execFileSync(bin, ['generate', '--config', cfg, '--db', db, '--creators', '20', '--seed', '1', '--as-of', AS_OF], { stdio: 'pipe' }),
	});
});

after(stop);

/* The page's canvas is W x H, filled with one colour; draw() replaces it
   (the old one blanked to 300x150 and detached, as Chart.js destroys it). */
const W = 200;
const H = 100;
const PAGE = `<!doctype html><meta charset="utf-8">
<div id="main" aria-busy="false"><div id="box"></div></div>
<script>
const mq = matchMedia('(prefers-color-scheme: dark)');
window.redraws = 0;
function draw(colour) {
	const c = document.createElement('canvas');
	c.width = ${W};
	c.height = ${H};
	c.setAttribute('aria-label', 'test chart');
	const g = c.getContext('2d');
	g.fillStyle = colour || (mq.matches ? '#000000' : '#ffffff');
	g.fillRect(0, 0, c.width, c.height);
	const old = document.querySelector('#box canvas');
	document.getElementById('box').replaceChildren(c);
	if (old) { old.width = 300; old.height = 150; }
	window.redraws++;
}
draw();
/* a redraw in every task while thrashing (MessageChannel: no timer clamp) */
let thrashing = false;
const loop = new MessageChannel();
loop.port1.onmessage = () => { if (thrashing) { draw('#3366cc'); loop.port2.postMessage(0); } };
window.thrash = (on) => { thrashing = on; if (on) loop.port2.postMessage(0); };
</script>`;

/* the connected canvas, read in one evaluate: its size and its middle pixel */
function shown(page) {
	return page.evaluate(() => {
		const cs = [...document.querySelectorAll('#box canvas')];
		const c = cs[0];
		const px = [...c.getContext('2d').getImageData(c.width >> 1, c.height >> 1, 1, 1).data];
		return { count: cs.length, width: c.width, height: c.height, px };
	});
}

const BLACK = [0, 0, 0, 255];
const WHITE = [255, 255, 255, 255];

describe('harness.mjs', () => {
	test('canvasInk measures the canvases in the page, never ones a redraw has just replaced', async () => {
		const { context, page, problems } = await openPage({ theme: 'light' });
		try {
			await page.setContent(PAGE);
			await page.evaluate(() => window.thrash(true));
			const before = await page.evaluate(() => window.redraws);
			for (let i = 0; i < 40; i++) {
				const inks = await canvasInk(page);
				assert.equal(inks.length, 1, 'one canvas in the page');
				assert.deepEqual([inks[0].width, inks[0].height], [W, H], `measure ${i}: a replaced (detached, blanked) canvas was measured`);
				assert.equal(inks[0].inked, W * H, `measure ${i}: every pixel of the drawn canvas`);
				assert.equal(inks[0].label, 'test chart');
			}
			const redraws = (await page.evaluate(() => window.redraws)) - before;
			await page.evaluate(() => window.thrash(false));
			assert.ok(redraws > 40, `the page redrew between the measures (${redraws} redraws)`);
			/* evalAll: found and read together, connected elements only */
			for (let i = 0; i < 20; i++) {
				await page.evaluate(() => window.thrash(true));
				const sizes = await evalAll(page, 'canvas', (cs, want) => cs.map((c) => c.width === want), W);
				await page.evaluate(() => window.thrash(false));
				assert.deepEqual(sizes, [true]);
			}
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('emulateMedia returns once the page has handled the change (its listener redrew the chart)', async () => {
		const { context, page, problems } = await openPage({ theme: 'light' });
		try {
			await page.setContent(PAGE);
			await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => window.draw()));
			assert.deepEqual((await shown(page)).px, WHITE);
			/* each switch must be seen at once: a measure before the next rendering update would find the old colour */
			for (let i = 0; i < 10; i++) {
				const dark = i % 2 === 0;
				const redraws = await page.evaluate(() => window.redraws);
				await emulateMedia(page, { colorScheme: dark ? 'dark' : 'light' });
				const s = await shown(page);
				assert.deepEqual(s.px, dark ? BLACK : WHITE, `switch ${i} to ${dark ? 'dark' : 'light'}: the chart was not redrawn yet`);
				assert.deepEqual([s.count, s.width, s.height], [1, W, H]);
				assert.equal(await page.evaluate(() => window.redraws), redraws + 1, 'one redraw per switch');
			}
			/* no change (already light): returns without waiting for an event that never comes */
			await emulateMedia(page, { colorScheme: 'light' });
			await emulateMedia(page, { colorScheme: 'light' });
			assert.deepEqual((await shown(page)).px, WHITE);
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});

	test('settle waits for a pending theme change and the reload it starts (page.emulateMedia called directly)', async () => {
		const { context, page, problems } = await openPage({ theme: 'light' });
		try {
			await page.setContent(PAGE);
			/* a page without a redraw(): the change reloads, busy meanwhile (ui.js: run(getState())) */
			await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
				const main = document.getElementById('main');
				main.setAttribute('aria-busy', 'true');
				setTimeout(() => {
					window.draw();
					main.setAttribute('aria-busy', 'false');
				}, 150);
			}));
			for (let i = 0; i < 6; i++) {
				const dark = i % 2 === 0;
				await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
				await settle(page);
				assert.deepEqual((await shown(page)).px, dark ? BLACK : WHITE, `switch ${i}: settle() returned before the page reloaded`);
			}
			assert.deepEqual(problems, []);
		} finally {
			await context.close();
		}
	});
});
