#!/usr/bin/env bash
# Installs the benchmark's peers from Debian packages. Never fails the caller: a peer that cannot be
# installed is recorded as unavailable (with the reason) in bench/.peers/status, and the benchmark
# reports "not available" for it.
#  - rsyslog + rsyslog-kafka: installed normally (apt-get); the benchmark runs rsyslogd in the
#    foreground with its own config, never the system service (which we stop/disable if apt started it).
#  - syslog-ng + syslog-ng-mod-rdkafka: conflicts with rsyslog as a package, so its .debs are fetched
#    with `apt-get download` and unpacked with `dpkg -x` into bench/.peers/syslog-ng (its non-conflicting
#    library dependencies are installed normally).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
peers="$here/.peers"
mkdir -p "$peers"
status="$peers/status"
: >"$status"
log="$peers/setup.log"
: >"$log"

note() { echo "$1" >>"$status"; echo "setup-peers: $1"; }

# `timeout` cannot run a shell function, so the privilege prefix is a plain word list.
if [ "$(id -u)" = 0 ]; then as_root=""; elif command -v sudo >/dev/null; then as_root="sudo -n"; else as_root="false"; fi

if ! command -v apt-get >/dev/null; then
    note "rsyslog=unavailable: no apt-get on this machine"
    note "syslog-ng=unavailable: no apt-get on this machine"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update_once() {
    if [ "$updated" = 0 ]; then
        timeout 180 $as_root apt-get update -qq >>"$log" 2>&1 || true
        updated=1
    fi
}

# --- rsyslog -------------------------------------------------------------------------------------
if command -v rsyslogd >/dev/null && [ -e /usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so ]; then
    note "rsyslog=ok"
else
    apt_update_once
    if timeout 300 $as_root apt-get install -y -qq --no-install-recommends rsyslog rsyslog-kafka >>"$log" 2>&1 \
        && [ -e /usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so ]; then
        note "rsyslog=ok"
    else
        note "rsyslog=unavailable: apt-get install rsyslog rsyslog-kafka failed (see bench/.peers/setup.log)"
    fi
fi
# The package may start the system daemon; the benchmark runs its own instance only.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $as_root systemctl stop rsyslog.service syslog.socket >>"$log" 2>&1 || true
fi
if [ -f /run/rsyslogd.pid ]; then
    $as_root kill "$(cat /run/rsyslogd.pid)" >>"$log" 2>&1 || true
fi

# --- syslog-ng (private prefix) ------------------------------------------------------------------
sng="$peers/syslog-ng"
if [ -x "$sng/usr/sbin/syslog-ng" ] && [ -e "$sng/usr/lib/syslog-ng/3.38/libkafka.so" ]; then
    note "syslog-ng=ok"
else
    apt_update_once
    debs="$peers/debs"
    rm -rf "$debs" "$sng"
    mkdir -p "$debs" "$sng"
    deps="libivykis0 libnet1 libjson-c5 libpcre3 libwrap0 libglib2.0-0 libcap2 libssl3 libsystemd0 librdkafka1"
    if ! timeout 300 $as_root apt-get install -y -qq --no-install-recommends $deps >>"$log" 2>&1; then
        note "syslog-ng=unavailable: apt-get install of its libraries failed (see bench/.peers/setup.log)"
    elif ! (cd "$debs" && timeout 180 apt-get download syslog-ng-core syslog-ng-mod-rdkafka >>"$log" 2>&1); then
        note "syslog-ng=unavailable: apt-get download syslog-ng-core syslog-ng-mod-rdkafka failed (see bench/.peers/setup.log)"
    else
        for d in "$debs"/*.deb; do dpkg -x "$d" "$sng"; done
        if [ -x "$sng/usr/sbin/syslog-ng" ] && [ -e "$sng/usr/lib/syslog-ng/3.38/libkafka.so" ]; then
            note "syslog-ng=ok"
        else
            note "syslog-ng=unavailable: unpacked packages lack usr/sbin/syslog-ng or the kafka module"
        fi
    fi
fi
exit 0
