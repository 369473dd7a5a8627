#!/bin/sh
# Give one site controller its broker login and topics:
#   add-device.sh SITE DEVICE PASSWORD [DIR]
# DIR holds passwd and acl (default /etc/mosquitto/conf.d/kiosk). The device's config:
#   [sync] username = "SITE.DEVICE", password_file = ... (holding PASSWORD), port = 8883
# The broker uses that login as the device's client id (use_username_as_clientid).
# Then reload the broker: systemctl reload mosquitto (or kill -HUP).
set -eu

if [ $# -lt 3 ]; then
    echo "usage: add-device.sh SITE DEVICE PASSWORD [DIR]" >&2
    exit 2
fi
site=$1
device=$2
secret=$3
dir=${4:-/etc/mosquitto/conf.d/kiosk}

for id in "$site" "$device"; do
    case "$id" in
        '' | *[!a-z0-9_-]*)
            echo "add-device.sh: site and device ids are a-z, 0-9, '-' and '_' (not empty)" >&2
            exit 2
            ;;
    esac
done

user="$site.$device"
touch "$dir/passwd"
mosquitto_passwd -b "$dir/passwd" "$user" "$secret"

if grep -qx "user $user" "$dir/acl"; then
    exit 0  # already there: the password was updated
fi
prefix="hcc/v1/$site"
cat >> "$dir/acl" <<ACL

user $user
topic write $prefix/$device/events
topic write $prefix/$device/state
topic write $prefix/$device/cmd/result
topic read $prefix/$device/ack
topic read $prefix/$device/cmd
topic read $prefix/config
topic read $prefix/dossiers
topic read $prefix/procedures
ACL
