# Shared helpers for the machinectl-os init scripts (busybox sh).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

DATA_LABEL=boot2docker-data
DATA_MAGIC="boot2docker, please format-me"
DATA_MNT=/mnt/data

# marker TEXT: print "machinectl-os: TEXT (UPTIME s)" on the console (ttyS0)
# and in /var/log/boot.log.  Tests and benchmarks parse these lines.
marker() {
    local up
    read -r up _ </proc/uptime
    echo "machinectl-os: $* ($up s)" >/dev/console
    echo "machinectl-os: $* ($up s)" >>/var/log/boot.log
}

# say TEXT: informational console line without timing
say() {
    echo "machinectl-os: $*" >/dev/console
    echo "machinectl-os: $*" >>/var/log/boot.log
}
