/*
 * theme.js - a classic (non-module) script loaded in <head> so the stored
 * theme is on <html> before the first paint: no flash of the wrong theme.
 * "light" or "dark" from localStorage; absent means follow the system.
 */
(function () {
	try {
		var t = localStorage.getItem('leadtime.theme');
		if (t === 'light' || t === 'dark')
			document.documentElement.setAttribute('data-theme', t);
	} catch (e) { /* storage disabled: follow the system */ }
})();
