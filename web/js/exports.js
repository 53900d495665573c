/*
 * exports.js - the downloads of a card, in its head, always in the same
 * place and order: a CSV of each table the card draws from (the API's
 * format=csv of the very request the card was drawn from, so the file holds
 * the numbers on the screen, as the API rounds them) and a PNG of its charts
 * (every canvas of the card where it sits in the card, on the card's
 * background, under the card's title and the view, with the card's notes
 * under it; a heatmap drawn as a table, table.png-grid, is painted in
 * as it looks).  The PNG button hides while the card has no chart (loading,
 * empty, error: app.css).
 */
import { csvURL } from './api.js';
import { theme } from './charts.js';
import { h, icon } from './dom.js';

const ICON_DOWN = ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'];

/** The page's name for file names: "overview" for "/", else the path. */
function pageSlug() {
	return location.pathname.replace(/^\/+|\.html$/g, '') || 'overview';
}

/**
 * The downloads of card `id`: `req` is {path, params} of the JSON request
 * the card was drawn from; `tables` [{table, label}] the CSV tables of that
 * answer the card shows (a label tells several apart); `png` whether the
 * card draws charts.
 */
export function setExports(id, req, tables, { png = true } = {}) {
	const el = document.getElementById(id);
	if (!el) return;
	const head = el.querySelector('.card-head');
	const title = el.querySelector('h2').textContent;
	let tools = head.querySelector('.card-tools');
	if (!tools) {
		tools = h('div', { class: 'card-tools', role: 'group', 'aria-label': `Downloads: ${title}` });
		head.append(tools);
	}
	const p = req.params || {};
	const stem = [pageSlug(), id, p.from, p.to].filter(Boolean).join('-');
	const links = tables.map((t) => h('a', {
		class: 'tool',
		href: csvURL(req.path, p, t.table),
		download: '',
		dataset: { csv: t.table },
		'aria-label': `Download ${t.label ? `the ${t.label}` : 'the numbers'} of “${title}” as CSV`,
		title: `The numbers${t.label ? ` (${t.label})` : ''} as a CSV file`,
	}, icon(ICON_DOWN), 'CSV', t.label ? h('span', { class: 'tool-label' }, t.label) : null));
	const shot = png ? h('button', {
		type: 'button',
		class: 'tool png',
		'aria-label': `Download the chart of “${title}” as a PNG image`,
		title: 'The chart as a PNG image',
		onclick: () => downloadPNG(el, `${stem}.png`),
	}, icon(ICON_DOWN), 'PNG') : null;
	/* the "Tickets" tool (drill.js), then the "View as table" toggle (charttable.js), stay last */
	const kept = [...tools.querySelectorAll('.drill-tool, .table-toggle')];
	tools.replaceChildren(...links, ...(shot ? [shot] : []), ...kept);
}

/* text wrapped to `width` pixels: the lines */
function wrap(ctx, text, width) {
	const lines = [];
	let line = '';
	for (const word of text.split(/\s+/).filter(Boolean)) {
		const next = line ? `${line} ${word}` : word;
		if (line && ctx.measureText(next).width > width) {
			lines.push(line);
			line = word;
		} else line = next;
	}
	if (line) lines.push(line);
	return lines;
}

/* a note's words; a legend made of items (spans) reads "a · b · c"; figures (dl.figs-row) "name: value · …" */
function noteText(n) {
	if (n.matches('.figs-row')) {
		return [...n.children].map((d) => [...d.children].map((x) => x.textContent.trim()).join(': ')).join(' · ');
	}
	const items = [...n.childNodes].every((c) => c.nodeType === Node.ELEMENT_NODE || !c.textContent.trim());
	const text = items && n.children.length > 1
		? [...n.children].map((c) => c.textContent.trim()).filter(Boolean).reduce((acc, t) => (acc ? `${acc}${acc.endsWith(':') ? ' ' : ' · '}${t}` : t), '')
		: n.textContent;
	return text.replace(/\s+/g, ' ').trim();
}

const clear = (c) => !c || c === 'transparent' || /rgba\([^)]*,\s*0\)$/.test(c);

/* a box with the element's corner radius (pills, swatches) */
function box(ctx, x, y, w, hgt, cs) {
	const r = Math.min(parseFloat(cs.borderTopLeftRadius) || 0, hgt / 2, w / 2);
	ctx.beginPath();
	if (r > 0 && ctx.roundRect) ctx.roundRect(x, y, w, hgt, r);
	else ctx.rect(x, y, w, hgt);
}

/*
 * A table drawn as the page shows it (table.png-grid: the handoff matrix),
 * at offset (dx, dy): each element's background, borders and dashed
 * outline, then each text node where it sits, in its own font and colour
 * (upright column heads turned as on the screen).  Hidden parts (a phone's
 * dropped columns, visually-hidden words) are left out.
 */
function paintGrid(ctx, table, dx, dy) {
	for (const el of [table, ...table.querySelectorAll('*')]) {
		if (el.closest('.visually-hidden')) continue;
		const r = el.getBoundingClientRect();
		if (!r.width || !r.height) continue;
		const cs = getComputedStyle(el);
		const x = r.left + dx, y = r.top + dy;
		if (!clear(cs.backgroundColor)) {
			ctx.fillStyle = cs.backgroundColor;
			box(ctx, x, y, r.width, r.height, cs);
			ctx.fill();
		}
		const bw = ['Top', 'Right', 'Bottom', 'Left'].map((k) => (cs[`border${k}Style`] === 'none' ? 0 : parseFloat(cs[`border${k}Width`]) || 0));
		if (bw.every((w) => w > 0)) {
			ctx.strokeStyle = cs.borderTopColor;
			ctx.lineWidth = bw[0];
			box(ctx, x + bw[0] / 2, y + bw[0] / 2, r.width - bw[0], r.height - bw[0], cs);
			ctx.stroke();
		} else {
			if (bw[2] > 0) { ctx.fillStyle = cs.borderBottomColor; ctx.fillRect(x, y + r.height - bw[2], r.width, bw[2]); }
			if (bw[3] > 0) { ctx.fillStyle = cs.borderLeftColor; ctx.fillRect(x, y, bw[3], r.height); }
		}
		if (cs.outlineStyle === 'dashed' && parseFloat(cs.outlineWidth) > 0) {
			const o = parseFloat(cs.outlineOffset) || 0, w = parseFloat(cs.outlineWidth);
			ctx.save();
			ctx.strokeStyle = cs.outlineColor;
			ctx.lineWidth = w;
			ctx.setLineDash([4, 3]);
			ctx.strokeRect(x - o - w / 2, y - o - w / 2, r.width + 2 * o + w, r.height + 2 * o + w);
			ctx.restore();
		}
	}
	const walk = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
	const range = document.createRange();
	for (let n = walk.nextNode(); n; n = walk.nextNode()) {
		const el = n.parentElement;
		const t = n.textContent.trim();
		if (!t || el.closest('.visually-hidden, caption')) continue;
		range.selectNodeContents(n);
		const r = range.getBoundingClientRect();
		if (!r.width || !r.height) continue;
		const cs = getComputedStyle(el);
		ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
		ctx.fillStyle = cs.color;
		ctx.textBaseline = 'middle';
		ctx.textAlign = 'center';
		ctx.save();
		ctx.translate(r.left + dx + r.width / 2, r.top + dy + r.height / 2);
		if (cs.writingMode.startsWith('vertical')) ctx.rotate(-Math.PI / 2);
		ctx.fillText(t, 0, 0);
		ctx.restore();
	}
	ctx.textAlign = 'left';
}

/**
 * The card's charts as one image: each canvas (and each table.png-grid) at
 * its place in the card, the small-multiple titles above theirs, the card's
 * title and the view (the toolbar's note) on top, the card's notes below.
 */
export function cardImage(cardEl) {
	const canvases = [...cardEl.querySelectorAll('.card-body canvas')].filter((c) => c.width && c.height);
	const grids = [...cardEl.querySelectorAll('.card-body table.png-grid')];
	if (!canvases.length && !grids.length) return null;
	const t = theme();
	const font = getComputedStyle(document.body).fontFamily;
	const rects = canvases.map((c) => c.getBoundingClientRect());
	const gridRects = grids.map((g) => g.getBoundingClientRect());
	const scale = canvases.length ? canvases[0].width / rects[0].width : (window.devicePixelRatio || 1);
	const labels = canvases.map((c) => {
		const m = c.closest('.multiple');
		const h3 = m && m.querySelector('h3');
		return h3 ? { text: h3.textContent, rect: h3.getBoundingClientRect() } : null;
	});
	const boxes = [...rects, ...gridRects, ...labels.filter(Boolean).map((l) => l.rect)];
	const left = Math.min(...boxes.map((r) => r.left)), top = Math.min(...boxes.map((r) => r.top));
	const width = Math.max(...boxes.map((r) => r.right)) - left;
	const height = Math.max(...boxes.map((r) => r.bottom)) - top;
	const pad = 16, headH = 46;
	const note = document.getElementById('range-note');
	const view = note ? note.textContent : '';
	const notes = [...cardEl.querySelectorAll('.card-body .figs-row, .card-body .insight, .card-body .legend-note')].map(noteText).filter(Boolean);
	const measure = document.createElement('canvas').getContext('2d');
	measure.font = `12px ${font}`;
	const noteLines = notes.flatMap((n) => wrap(measure, n, width));
	const out = document.createElement('canvas');
	out.width = Math.round((width + 2 * pad) * scale);
	out.height = Math.round((height + 2 * pad + headH + noteLines.length * 17) * scale);
	const ctx = out.getContext('2d');
	ctx.scale(scale, scale);
	ctx.fillStyle = t.surface;
	ctx.fillRect(0, 0, width + 2 * pad, height + 2 * pad + headH + noteLines.length * 17);
	ctx.textBaseline = 'alphabetic';
	ctx.fillStyle = t.text;
	ctx.font = `600 15px ${font}`;
	ctx.fillText(cardEl.querySelector('h2').textContent, pad, pad + 14);
	ctx.fillStyle = t.muted;
	ctx.font = `12px ${font}`;
	ctx.fillText(view, pad, pad + 34);
	const x0 = pad - left, y0 = pad + headH - top;
	ctx.fillStyle = t.text;
	ctx.font = `600 13px ${font}`;
	for (const l of labels) if (l) ctx.fillText(l.text, x0 + l.rect.left, y0 + l.rect.bottom - 4);
	canvases.forEach((c, i) => ctx.drawImage(c, x0 + rects[i].left, y0 + rects[i].top, rects[i].width, rects[i].height));
	for (const g of grids) paintGrid(ctx, g, x0, y0);
	ctx.textBaseline = 'alphabetic';
	ctx.fillStyle = t.muted;
	ctx.font = `12px ${font}`;
	noteLines.forEach((line, i) => ctx.fillText(line, pad, pad + headH + height + 16 + i * 17));
	return out;
}

function downloadPNG(cardEl, name) {
	const img = cardImage(cardEl);
	if (!img) return;
	img.toBlob((blob) => {
		if (!blob) return;
		const url = URL.createObjectURL(blob);
		const a = h('a', { href: url, download: name, hidden: true });
		document.body.append(a);
		a.click();
		a.remove();
		setTimeout(() => URL.revokeObjectURL(url), 10000);
	}, 'image/png');
}
