#!/bin/sh
# packaging/systemd-check.sh DEB - the .deb under a real systemd, on a
# machine whose own PID 1 is not systemd (a container, a sandbox VM).
#
# Installs DEB into a throwaway copy of this machine's root (an overlay
# whose upper layer is a tmpfs: nothing on the host changes), boots that
# copy with systemd-nspawn (its own network namespace, so port 8080 is its
# own) with every enabled unit but leadtimed.service disabled, and checks
# the service as systemd runs it: active, its user, no capabilities,
# NoNewPrivs, a seccomp filter, /healthz, a page and the Chart.js bundle,
# systemctl reload and stop.  Prints the report; exit 0 when all passed.
#
# Needs root, systemd-nspawn (Debian's systemd-container), overlayfs, curl.
# On a machine that runs systemd, `apt install ./DEB` is the test.
set -eu

[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 leadtime_VERSION_ARCH.deb" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (mounts, nspawn)" >&2; exit 2; }
command -v systemd-nspawn >/dev/null ||
	{ echo "$0: needs systemd-nspawn (apt install systemd-container)" >&2; exit 2; }
if [ -z "${LT_INNER:-}" ]; then
	work=$(mktemp -d /tmp/lt-systemd-check.XXXXXX)
	mkdir "$work/out"
	cp "$1" "$work/out/leadtime.deb"
	rc=0
	LT_INNER=1 LT_WORK=$work timeout 600 unshare --mount --propagation private "$0" "$1" || rc=$?
	cat "$work/out/result.txt" 2>/dev/null || echo "$0: no report (rc $rc)" >&2
	grep -qx 'RESULT: ok' "$work/out/result.txt" 2>/dev/null || rc=1
	rm -rf "$work"
	exit $rc
fi

# ---- inside a private mount namespace ----
work=$LT_WORK
out=$work/out
mkdir "$work/ovl"
mount -t tmpfs tmpfs "$work/ovl"
mkdir "$work/ovl/upper" "$work/ovl/work" "$work/ovl/root"
mount -t overlay overlay \
	-o "lowerdir=/,upperdir=$work/ovl/upper,workdir=$work/ovl/work" "$work/ovl/root"
root=$work/ovl/root

# a cgroup of our own when no systemd manages this machine's
cg=
if [ "$(cat /proc/1/comm)" != systemd ]; then
	cg=lt-systemd-check-$$
	for h in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup; do
		if [ -f "$h/cgroup.procs" ] && mkdir "$h/$cg" 2>/dev/null; then
			echo $$ > "$h/$cg/cgroup.procs"
		fi
	done
fi
nspawn() {
	systemd-nspawn -q -D "$root" --register=no --keep-unit --private-network \
		--bind="$out:/out" "$@"
}

rm -rf "$root/var/lib/leadtime" "$root/var/lib/private/leadtime"
nspawn --pipe dpkg -i /out/leadtime.deb > "$out/dpkg.log" 2>&1 ||
	{ cat "$out/dpkg.log" > "$out/result.txt"; echo "RESULT: dpkg -i failed" >> "$out/result.txt"; exit 1; }
for w in "$root"/etc/systemd/system/*.wants/*; do
	case $w in */leadtimed.service) ;; *) rm -f "$w" ;; esac
done

cat > "$out/check.sh" <<'EOF'
#!/bin/sh
# runs in the container after leadtimed.service has started (or failed)
exec > /out/result.txt 2>&1
fail=0
check() { # description command...
	d=$1; shift
	if "$@" >/dev/null 2>&1; then echo "ok   $d"; else echo "FAIL $d"; fail=1; fi
}
port=$(sed -n 's/^port *= *\([0-9]*\).*/\1/p' /etc/leadtime/config.ini)
base=http://127.0.0.1:${port:-8080}
pid=$(systemctl show -p MainPID --value leadtimed.service)
echo "PID 1: $(cat /proc/1/comm); $(systemctl --version | head -n 1)"
systemctl show -p ActiveState -p SubState -p Type -p User -p DynamicUser leadtimed.service
check "leadtimed.service is active (running)" test "$(systemctl show -p SubState --value leadtimed.service)" = running
check "it runs as user leadtime" test "$(stat -c %U /proc/$pid)" = leadtime
check "with no capabilities" grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/$pid/status
check "with NoNewPrivs" grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/$pid/status
check "under a seccomp filter" grep -q '^Seccomp:[[:space:]]*2$' /proc/$pid/status
check "GET /healthz: ok" sh -c "curl -fsS $base/healthz | grep -qx ok"
check "GET /: the dashboard" sh -c "curl -fsS -o /tmp/page.html $base/ && grep -q '<html' /tmp/page.html"
asset=$(grep -o 'vendor/chart-[0-9.]*\.min\.js' /tmp/page.html | head -n 1)
check "GET /$asset: Chart.js" sh -c "curl -fsS $base/$asset | head -c 200 | grep -q Chart.js"
check "the store belongs to leadtime" test "$(stat -L -c %U /var/lib/leadtime/leadtime.db)" = leadtime
check "systemctl reload" systemctl reload leadtimed.service
check "active after the reload" systemctl is-active leadtimed.service
check "GET /healthz after the reload" sh -c "curl -fsS $base/healthz | grep -qx ok"
check "systemctl stop" systemctl stop leadtimed.service
check "stopped with exit 0" test "$(systemctl show -p ExecMainStatus --value leadtimed.service)" = 0
check "result success" test "$(systemctl show -p Result --value leadtimed.service)" = success
echo "== journalctl -u leadtimed"
journalctl -u leadtimed.service --no-pager -o short-monotonic | tail -n 25
echo "== systemd-analyze security"
systemd-analyze security leadtimed.service --no-pager 2>&1 | tail -n 1
[ $fail = 0 ] && echo "RESULT: ok" || echo "RESULT: failed"
systemctl poweroff
EOF
chmod 0755 "$out/check.sh"
cat > "$root/etc/systemd/system/lt-check.service" <<'EOF'
[Unit]
Description=check leadtimed.service under systemd
Wants=leadtimed.service
After=leadtimed.service
[Service]
Type=oneshot
ExecStart=/out/check.sh
EOF
ln -sf ../lt-check.service "$root/etc/systemd/system/multi-user.target.wants/lt-check.service"

rc=0
nspawn --console=pipe -b > "$out/boot.log" 2>&1 || rc=$?
if [ -n "$cg" ]; then
	for h in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup; do
		[ -d "$h/$cg" ] || continue
		echo $$ > "$h/cgroup.procs"
		find "$h/$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done
fi
exit $rc
