/*
 * charts.js - Chart.js defaults, the palette and the themes.
 *
 * Chart.js 4 and its plugins are classic UMD scripts loaded before the page
 * modules: `Chart` (with the boxplot controllers registered by
 * chartjs-chart-boxplot and the annotation plugin registered by its own
 * bundle) and the date-fns adapter for time axes.
 *
 * Colours: the Okabe–Ito palette (safe with the common colour-vision
 * deficiencies).  Each department keeps one colour on every chart, chosen by
 * its position in the pipeline.  Theme colours (text, grid) come from the CSS
 * custom properties, so a chart drawn after a theme switch matches the page.
 */

import { addMarkers, markerSentence, showMarkerList } from './annotations.js';

const Chart = window.Chart;

export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#7F7F7F'];
export const NEUTRAL = '#7F7F7F';

let deptNames = [];

/** Fix the department order (meta.departments, by position). */
export function setDepartments(depts) {
	deptNames = [...depts].sort((a, b) => a.position - b.position).map((d) => d.name);
}

export function deptIndex(name) {
	const i = deptNames.indexOf(name);
	return i < 0 ? OKABE_ITO.length - 1 : i % OKABE_ITO.length;
}

/** The department's fixed colour, optionally with alpha in [0, 1]. */
export function deptColor(name, a = 1) {
	return alpha(OKABE_ITO[deptIndex(name)], a);
}

/** Colour i of the categorical palette (for series that are not departments). */
export function seriesColor(i, a = 1) {
	return alpha(OKABE_ITO[i % OKABE_ITO.length], a);
}

export function alpha(hex, a) {
	if (a >= 1) return hex;
	const n = parseInt(hex.slice(1), 16);
	return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/** The current theme's colours, read from the CSS custom properties. */
export function theme() {
	const cs = getComputedStyle(document.documentElement);
	const v = (k) => cs.getPropertyValue(k).trim();
	return {
		dark: cs.getPropertyValue('color-scheme').trim() === 'dark',
		text: v('--text'),
		muted: v('--muted'),
		faint: v('--faint'),
		grid: v('--grid'),
		border: v('--border'),
		surface: v('--surface'),
		accent: v('--accent'),
		good: v('--good'),
		bad: v('--bad'),
		/* aging zones: below the 50th percentile, past the 50th, 70th, 85th, 95th */
		zones: ['--z0', '--z1', '--z2', '--z3', '--z4'].map(v),
	};
}

/** Apply the theme to Chart.js's global defaults; call before drawing. */
export function applyChartTheme() {
	if (!Chart) return;
	const t = theme();
	const d = Chart.defaults;
	d.font.family = getComputedStyle(document.body).fontFamily;
	d.font.size = 12;
	d.color = t.muted;
	d.borderColor = t.grid;
	d.animation = false;
	d.responsive = true;
	d.maintainAspectRatio = false;
	d.normalized = false; /* fastLine() turns it on where data is sorted and unique */
	d.plugins.legend.position = 'bottom';
	d.plugins.legend.labels.boxWidth = 10;
	d.plugins.legend.labels.boxHeight = 10;
	d.plugins.legend.labels.useBorderRadius = true;
	d.plugins.legend.labels.borderRadius = 2;
	d.plugins.legend.labels.padding = 14;
	d.plugins.legend.labels.color = t.text;
	d.plugins.tooltip.backgroundColor = t.dark ? '#f0f3f6' : '#1b2129';
	d.plugins.tooltip.titleColor = t.dark ? '#111' : '#fff';
	d.plugins.tooltip.bodyColor = t.dark ? '#222' : '#eef1f4';
	d.plugins.tooltip.padding = 10;
	d.plugins.tooltip.cornerRadius = 6;
	d.plugins.tooltip.boxPadding = 4;
	d.plugins.tooltip.usePointStyle = true;
	d.elements.line.borderWidth = 2;
	/* straight segments, and a gap where a period has no value: a curve
	 * or a bridge would draw values nobody measured */
	d.elements.line.tension = 0;
	d.spanGaps = false;
	d.elements.point.radius = 0;
	d.elements.point.hoverRadius = 4;
	d.elements.point.hitRadius = 6;
	d.elements.bar.borderRadius = 2;
	d.scale.grid.color = t.grid;
	d.scale.border.color = t.border;
	d.scale.ticks.color = t.muted;
	d.layout.padding = 2;
}

/* ---- registry: a page's charts, destroyed before it redraws ---- */

const live = new Set();

/**
 * A chart in `container` (its previous content is replaced).  `label` is the
 * canvas's accessible name: a sentence saying what the chart shows.
 */
export function makeChart(container, config, label) {
	const canvas = document.createElement('canvas');
	canvas.setAttribute('role', 'img');
	/* the notes of annotations.js on a time chart (a chart of periods
	 * passes config.markerBuckets) */
	const shown = addMarkers(config, theme());
	canvas.setAttribute('aria-label', (label || 'chart') + markerSentence(shown));
	container.replaceChildren(canvas);
	fitTicks(config, container.clientWidth, container.clientHeight);
	const chart = new Chart(canvas, config);
	live.add(chart);
	showMarkerList(container, shown);
	return chart;
}

/* Fewer tick labels on narrow charts, so they never run into each other. */
function fitTicks(config, width, height) {
	const scales = (config.options && config.options.scales) || {};
	const horizontal = config.options && config.options.indexAxis === 'y';
	for (const [id, sc] of Object.entries(scales)) {
		const isX = id.startsWith('x');
		if (!width || sc.type === 'category' && (isX !== horizontal)) continue;
		sc.ticks = sc.ticks || {};
		if (isX && !horizontal && sc.type === 'time' && sc.ticks.maxTicksLimit === undefined)
			sc.ticks.maxTicksLimit = Math.max(3, Math.floor(width / 78));
		if (!isX && !horizontal && height && height < 200 && sc.ticks.maxTicksLimit === undefined)
			sc.ticks.maxTicksLimit = 4;
	}
}

/** Destroy the charts inside root (default: all). */
export function destroyCharts(root = null) {
	for (const c of [...live]) {
		if (!root || root.contains(c.canvas)) {
			c.destroy();
			live.delete(c);
		}
	}
}

/* ---- axes ---- */

/** A time x axis from `from` to `to` (epoch ms), with a unit suited to the span. */
export function timeAxis(minMs, maxMs, { unit = null, stacked = false, offset = false } = {}) {
	const span = (maxMs - minMs) / 86400000;
	const u = unit || (span > 400 ? 'month' : span > 120 ? 'month' : span > 45 ? 'week' : 'day');
	return {
		type: 'time',
		min: minMs,
		max: maxMs,
		offset,
		stacked,
		time: {
			unit: u,
			isoWeekday: true,
			tooltipFormat: 'd MMM yyyy',
			displayFormats: { day: 'd MMM', week: 'd MMM', month: span > 400 ? 'MMM yy' : 'MMM', quarter: 'QQQ yyyy', year: 'yyyy' },
		},
		/* major ticks (a new month, a new year) carry the larger unit: "2026" between "Dec" and "Feb" */
		ticks: {
			maxRotation: 0, autoSkip: true, autoSkipPadding: 14, source: 'auto',
			major: { enabled: true },
			font: (c) => (c.tick && c.tick.major ? { weight: '600' } : undefined),
		},
		grid: { display: false },
	};
}

export function valueAxis(title, { min = 0, suggestedMax, stacked = false, position = 'left', grid = true, ticks = {} } = {}) {
	return {
		type: 'linear',
		position,
		min,
		suggestedMax,
		stacked,
		beginAtZero: true,
		title: title ? { display: true, text: title, color: theme().muted, font: { size: 11.5 } } : { display: false },
		grid: { display: grid, drawTicks: false },
		border: { display: false },
		ticks: { padding: 6, maxTicksLimit: 6, precision: 0, ...ticks },
	};
}

export function categoryAxis(opts = {}) {
	return { type: 'category', grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 8 }, ...opts };
}

/** Options for long line series: no parsing, decimation, no points. */
export function fastLine() {
	return {
		parsing: false,
		normalized: true,
		spanGaps: false,
		plugins: { decimation: { enabled: true, algorithm: 'lttb', samples: 400, threshold: 600 } },
	};
}

/** An annotation line (chartjs-plugin-annotation) with a label. */
export function refLine(axis, value, text, color, { dash = [5, 4], position = 'end' } = {}) {
	const t = theme();
	return {
		type: 'line',
		scaleID: axis,
		value,
		borderColor: color || t.muted,
		borderWidth: 1.5,
		borderDash: dash,
		label: text
			? {
				display: true,
				content: text,
				position,
				backgroundColor: t.surface,
				color: color || t.muted,
				font: { size: 11, weight: '600' },
				padding: { x: 5, y: 2 },
				borderRadius: 4,
			}
			: { display: false },
	};
}

/** Is Chart.js loaded (the vendor scripts answered)? */
export function chartsAvailable() {
	return typeof Chart === 'function';
}
