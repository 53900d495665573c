/*
 * theme.js - a classic (non-module) script loaded in <head> so the stored
 * theme is on <html> before the first paint: no flash of the wrong theme.
 * "light" or "dark" from localStorage; absent means follow the system.
 * It also marks a wall screen (?kiosk=1) on <html class="kiosk">.
 */
(function () {
	try {
		var t = localStorage.getItem('leadtime.theme');
		if (t === 'light' || t === 'dark')
			document.documentElement.setAttribute('data-theme', t);
	} catch (e) { /* storage disabled: follow the system */ }
	/* ?kiosk=1 (a wall screen): the chrome is hidden before the first
	 * paint, so nothing jumps when the page's scripts run */
	if (/[?&]kiosk=1(&|$)/.test(location.search))
		document.documentElement.classList.add('kiosk');
})();
