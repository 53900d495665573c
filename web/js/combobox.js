/*
 * combobox.js - a searchable picker (the ARIA 1.2 combobox pattern with a
 * list popup), for lists too long for a <select>: the employee page's
 * thousands of employees (issue 13 point 10).
 *
 * An <input role="combobox" aria-autocomplete="list"> filters the items as
 * the reader types (every word must appear in the item's label or its
 * group, case and accents ignored) into a role="listbox" popup of at most
 * MAX_SHOWN options; a polite status says how many match.  Keyboard:
 * ArrowDown / ArrowUp open the list and move the active option
 * (aria-activedescendant: focus stays in the input), Home / End go to the
 * first / last option while the list is open, Enter picks the active
 * option, Escape closes the list (a second Escape clears the text), Tab
 * leaves.  A click on an option picks it.  Picking calls onPick(value).
 */
import { h } from './dom.js';

const MAX_SHOWN = 50;
let nBoxes = 0;

const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

/**
 * items: [{value, label, group}]; returns {el, input, setItems(items)}.
 */
export function combobox({ id, label, placeholder = '', items = [], onPick }) {
	const n = ++nBoxes;
	const listId = `${id}-list`;
	const statusId = `${id}-status`;
	const input = h('input', {
		type: 'text', id, role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
		'aria-controls': listId, autocomplete: 'off', spellcheck: 'false', placeholder, 'aria-describedby': statusId,
	});
	const list = h('ul', { id: listId, role: 'listbox', class: 'combo-list', 'aria-label': label, hidden: true });
	const status = h('span', { id: statusId, class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
	const el = h('div', { class: 'combo' }, input, list, status);
	let all = [];
	let shown = [];
	let active = -1;

	const setItems = (xs) => {
		all = xs.map((x) => ({ ...x, key: fold(`${x.label} ${x.group || ''}`) }));
	};
	setItems(items);

	function open() {
		input.setAttribute('aria-expanded', 'true');
		list.hidden = false;
	}
	function close() {
		input.setAttribute('aria-expanded', 'false');
		input.removeAttribute('aria-activedescendant');
		list.hidden = true;
		active = -1;
	}
	function setActive(i) {
		const opts = list.querySelectorAll('[role="option"]');
		if (!opts.length) return;
		active = Math.max(0, Math.min(opts.length - 1, i));
		opts.forEach((o, k) => o.setAttribute('aria-selected', String(k === active)));
		input.setAttribute('aria-activedescendant', opts[active].id);
		opts[active].scrollIntoView({ block: 'nearest' });
	}
	function render() {
		const words = fold(input.value).split(/\s+/).filter(Boolean);
		const matches = words.length ? all.filter((x) => words.every((w) => x.key.includes(w))) : all;
		shown = matches.slice(0, MAX_SHOWN);
		list.replaceChildren(...shown.map((x, k) => h('li', {
			role: 'option', id: `combo-${n}-${k}`, 'aria-selected': 'false', dataset: { value: x.value }, title: x.group ? `${x.label} · ${x.group}` : x.label,
		}, h('span', { class: 'combo-label' }, x.label), x.group ? h('span', { class: 'combo-group' }, x.group) : null)));
		if (!shown.length) list.append(h('li', { class: 'combo-none', role: 'presentation' }, 'No match'));
		status.textContent = !matches.length ? 'No match'
			: matches.length > shown.length ? `${matches.length} matches, the first ${shown.length} listed: type more to narrow them`
				: `${matches.length} ${matches.length === 1 ? 'match' : 'matches'}`;
		active = -1;
		input.removeAttribute('aria-activedescendant');
	}
	function pick(k) {
		const x = shown[k];
		if (!x) return;
		input.value = '';
		close();
		onPick(x.value);
	}

	input.addEventListener('input', () => {
		render();
		open();
	});
	input.addEventListener('focus', () => {
		if (!list.hidden) return;
		render();
	});
	input.addEventListener('keydown', (e) => {
		const isOpen = !list.hidden;
		if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
			e.preventDefault();
			if (!isOpen) {
				render();
				open();
				setActive(e.key === 'ArrowDown' ? 0 : shown.length - 1);
			} else setActive(active < 0 ? 0 : active + (e.key === 'ArrowDown' ? 1 : -1));
		} else if ((e.key === 'Home' || e.key === 'End') && isOpen && active >= 0) {
			e.preventDefault();
			setActive(e.key === 'Home' ? 0 : shown.length - 1);
		} else if (e.key === 'Enter') {
			if (isOpen && active >= 0) {
				e.preventDefault();
				pick(active);
			} else if (isOpen && shown.length === 1) {
				e.preventDefault();
				pick(0);
			}
		} else if (e.key === 'Escape') {
			if (isOpen) {
				e.preventDefault();
				close();
			} else if (input.value) {
				e.preventDefault();
				input.value = '';
			}
		}
	});
	input.addEventListener('blur', () => close());
	/* mousedown, not click: the input keeps focus (no blur closing the list first) */
	list.addEventListener('mousedown', (e) => {
		const li = e.target.closest('[role="option"]');
		if (!li) return;
		e.preventDefault();
		pick([...list.querySelectorAll('[role="option"]')].indexOf(li));
	});
	return { el, input, setItems };
}
