// many-data.mjs - the "many departments" data shape of issue 13 (points 10-12):
// twelve departments with long, realistic names given one per line in
// [pipeline] (point 11), 300 employees each with long names, 2,000 creators
// passing the whole pipeline.  Written as a CSV (a seeded generator, the
// same file on every run) and imported with `leadtimed import`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const DEPTS = [
	['Sales and Business Development', 14], ['Contract Review and Legal Affairs', 5],
	['Product Design and User Research', 30], ['Manufacturing Engineering', 25],
	['Quality Assurance and Certification', 10], ['Procurement, Sourcing and Supplier Management', 12],
	['Logistics, Warehousing and Distribution', 8], ['Marketing Campaign Operations', 20],
	['Customer Onboarding and Training', 15], ['Finance: Billing and Collections', 9],
	['Regulatory Compliance and Internal Audit', 18], ['After-Sales Service and Support', 7],
];
export const EMPLOYEES_PER_DEPT = 300;
export const CREATORS = 2000;

const FIRST = ['Maximiliane', 'Anna-Katharina', 'Oluwaseun', 'Bartholomew', 'Guadalupe', 'Kristoffer',
	'Anastasiya', 'Jean-Baptiste', 'Mariangela', 'Siddharth', 'Evangelina', 'Przemysław', 'Ngozi',
	'Christopher', 'Margarethe', 'Thiruvengadam', 'Leopoldine', 'Abdurrahman', 'Wilhelmina', 'Rosalind'];
const LAST = ['Vandenberghe-Oyelaran', 'Konstantinopoulou', 'Wittgenstein-Habsburg', 'Ramaswamy-Iyer',
	'Fitzgerald-Montgomery', 'Oyelowo-Adeyemi', 'Szczepańska-Kowalczyk', 'Castellanos de la Vega',
	'Abernathy-Whitmore', 'Nakamura-Takahashi', 'Van der Westhuizen', 'Papadimitriou-Lekka',
	'Hollingsworth-Blythe', 'Bhattacharyya', 'Montenegro-Albuquerque'];

/* the employee `e` (0..299) of department `d`: unique across the company */
export function employeeName(d, e) {
	const i = d * EMPLOYEES_PER_DEPT + e;
	return `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${String(i).padStart(4, '0')}`;
}

function rng(seed) {
	let s = seed >>> 0;
	return () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const iso = (n) => new Date(n * 86400000).toISOString().slice(0, 10);

/** The CSV text (as_of: the last day any ticket may carry). */
export function manyCsv(asOf) {
	const end = Math.round(Date.parse(`${asOf}T00:00:00Z`) / 86400000);
	const rand = rng(13);
	const rows = ['ticket_id,creator,employee,department,opened_on,closed_on'];
	/* each department's first 300 tickets go to its 300 employees in turn (a stride
	 * coprime to 300), so every employee has tickets; the rest go at random */
	const seen = DEPTS.map(() => 0);
	const pickEmployee = (d) => (seen[d] < EMPLOYEES_PER_DEPT ? (seen[d]++ * 7 + d) % EMPLOYEES_PER_DEPT
		: Math.floor(rand() * EMPLOYEES_PER_DEPT));
	let id = 0;
	for (let c = 0; c < CREATORS; c++) {
		const creator = `Creator ${FIRST[c % FIRST.length]} ${LAST[(c * 7) % LAST.length]} ${c}`;
		let day = end - 420 + Math.floor(rand() * 400);
		for (let d = 0; d < DEPTS.length && day <= end; d++) {
			const emp = employeeName(d, pickEmployee(d));
			const len = Math.max(0, Math.round(DEPTS[d][1] * (0.2 + 1.6 * rand())));
			const close = day + len;
			rows.push([`T${++id}`, creator, emp, DEPTS[d][0], iso(day), close <= end ? iso(close) : '']
				.map((v) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(','));
			if (close > end) break;
			day = close;
		}
	}
	return `${rows.join('\n')}\n`;
}

/** Rewrite the config's [pipeline] as one department per line. */
export function pipelineConfig(cfg) {
	let ini = fs.readFileSync(cfg, 'utf8');
	const lines = DEPTS.map(([n, sla]) => `${n} = ${sla}`).join('\n');
	ini = ini.replace(/^\[pipeline\][\s\S]*?(?=^\[)/m, `[pipeline]\n${lines}\n\n`);
	fs.writeFileSync(cfg, ini);
}

/** harness start({build}): the store of this data shape in `db`. */
export function buildMany({ bin, cfg, db, dir }) {
	pipelineConfig(cfg);
	const csv = path.join(dir, 'many.csv');
	fs.writeFileSync(csv, manyCsv('2026-11-22'));
	execFileSync(bin, ['import', '--config', cfg, '--db', db, csv], { stdio: 'pipe' });
}
