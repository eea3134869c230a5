#!/bin/sh
# nginx in the foreground under supervisord (deploy/scaled.py). When its master was
# killed (kill -9), its workers live on and keep the port: they are asked to leave (QUIT
# to the old process group, whose id is the old master's pid, left in the pid file),
# and the new nginx takes the port as soon as they let it go.
# Usage: deploy/run-nginx.sh WORKDIR
set -eu
workdir=$1
if [ -f "$workdir/nginx.pid" ]; then
  old=$(cat "$workdir/nginx.pid")
  if pgrep -g "$old" -f "nginx: worker" > /dev/null; then
    echo "Workers of a stopped nginx (process group $old) still run: asking them to end" >&2
    # They close their listening sockets at once, then end their requests in the
    # background (at most worker_shutdown_timeout); nginx below tries to bind for 2.5 s.
    kill -s QUIT -- "-$old" 2> /dev/null || true
  fi
fi
exec /usr/sbin/nginx -p "$workdir" -c "$workdir/nginx.conf" -g 'daemon off;'
