#!/bin/sh
# Traffic generator for the laptop stack: realistic-looking requests so the Kibana dashboards
# fill up. Client addresses are public IPs of well-known networks in several countries, sent in
# X-Forwarded-For (nginx trusts it from the compose network, see deploy/nginx/nginx.conf).
# POSIX sh + curl only (runs in the curlimages/curl image, and anywhere with sh, od and curl).
#
#   TARGET_URL  base URL of nginx               (default http://nginx:8080)
#   INTERVAL    seconds to sleep between bursts  (default 1)
#   BURST       requests per burst              (default 5)
#   COUNT       stop after this many requests; 0 = run forever (default 0)
set -eu

TARGET_URL=${TARGET_URL:-http://nginx:8080}
INTERVAL=${INTERVAL:-1}
BURST=${BURST:-5}
COUNT=${COUNT:-0}

# "<first three octets>" of networks whose registrant country is unambiguous (last octet random).
NETWORKS='8.8.8
17.253.144
85.214.132
90.84.143
81.2.69
126.0.0
133.242.0
200.147.67
117.192.1
1.128.0
114.114.114
77.88.8
196.25.1
168.126.63
145.100.190
24.114.32
189.6.0
201.141.0
41.202.219
103.21.244'

USER_AGENTS='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36
Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0
Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15
Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1
Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36
Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36
Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68
Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36
Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)
curl/8.8.0'

# Weighted: the home page and assets dominate; a few redirects, 403/404/500/503.
PATHS='/
/
/
/index.html
/index.html
/favicon.ico
/api/products?page=1
/api/products?page=2&sort=price
/api/cart
/api/search?q=shoes
/login
/old/catalog
/admin/
/missing-page
/wp-login.php
/api/checkout
/api/crash
/50x.html'

METHODS='GET
GET
GET
GET
GET
GET
POST
HEAD'

REFERERS='-
-
https://www.google.com/
https://duckduckgo.com/
https://news.ycombinator.com/'

# rand N -> 0..N-1
rand() {
    r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
    echo $((r % $1))
}

# pick "<list>" -> one random line
pick() {
    n=$(printf '%s\n' "$1" | wc -l)
    i=$(( $(rand "$n") + 1 ))
    printf '%s\n' "$1" | sed -n "${i}p"
}

sent=0
echo "traffic: sending to ${TARGET_URL} (burst ${BURST} every ${INTERVAL}s, count ${COUNT})"
while [ "$COUNT" -eq 0 ] || [ "$sent" -lt "$COUNT" ]; do
    b=0
    while [ "$b" -lt "$BURST" ]; do
        ip="$(pick "$NETWORKS").$(( $(rand 253) + 1 ))"
        ua=$(pick "$USER_AGENTS")
        path=$(pick "$PATHS")
        method=$(pick "$METHODS")
        referer=$(pick "$REFERERS")
        if [ "$method" = "HEAD" ]; then
            set -- --head
        elif [ "$method" = "POST" ]; then
            set -- -X POST --data '{"qty":1}' -H 'Content-Type: application/json'
        else
            set --
        fi
        if [ "$referer" != "-" ]; then
            set -- "$@" -e "$referer"
        fi
        curl -s -o /dev/null --max-time 5 "$@" -A "$ua" -H "X-Forwarded-For: ${ip}" \
            "${TARGET_URL}${path}" || echo "traffic: request to ${path} failed" >&2
        sent=$((sent + 1))
        b=$((b + 1))
        if [ "$COUNT" -ne 0 ] && [ "$sent" -ge "$COUNT" ]; then
            break
        fi
    done
    if [ "$COUNT" -eq 0 ] || [ "$sent" -lt "$COUNT" ]; then
        sleep "$INTERVAL"
    fi
done
echo "traffic: sent ${sent} requests"
