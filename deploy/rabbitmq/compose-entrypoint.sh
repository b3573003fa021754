#!/bin/sh
# Entry point of the rabbitmq service in deploy/compose.yaml.
#
# Why it exists: when RabbitMQ imports definitions at boot (load_definitions in
# rabbitmq.conf) it deliberately skips creating its default user, and the image's
# RABBITMQ_DEFAULT_USER/RABBITMQ_DEFAULT_PASS are ignored with it (checked here with a
# real node: after the import, `rabbitmqctl list_users` is empty). The `guest` user may
# only connect from localhost anyway. So this script writes the one user the workers use
# into the definitions folder, from the environment, next to the topology file, and then
# hands over to the image's own entry point. Nothing secret is stored in the repository.
#
# Environment: ONEFILE_RABBITMQ_USER, ONEFILE_RABBITMQ_PASSWORD (required);
# RABBITMQ_DEFINITIONS_DIR (default /etc/rabbitmq/definitions.d, as rabbitmq.conf says).
set -eu

user=${ONEFILE_RABBITMQ_USER:?set ONEFILE_RABBITMQ_USER}
password=${ONEFILE_RABBITMQ_PASSWORD:?set ONEFILE_RABBITMQ_PASSWORD}
dir=${RABBITMQ_DEFINITIONS_DIR:-/etc/rabbitmq/definitions.d}

# The values are written into JSON as they are: refuse what would need escaping.
case "$user$password" in
*[\"\\]* | *[[:cntrl:]]*)
    echo "compose-entrypoint: ONEFILE_RABBITMQ_USER/PASSWORD must not contain quotes, backslashes or control characters" >&2
    exit 1
    ;;
esac

mkdir -p "$dir"
file="$dir/20-users.json"
umask 077
# A plain "password" is accepted by the definitions import, which hashes it (SHA-256).
printf '{"users":[{"name":"%s","password":"%s","tags":"administrator"}],"permissions":[{"user":"%s","vhost":"/","configure":".*","write":".*","read":".*"}]}\n' \
    "$user" "$password" "$user" >"$file"
# The image's entry point starts RabbitMQ as the rabbitmq user, which must read the file.
if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then
    chown rabbitmq "$file"
fi

exec docker-entrypoint.sh "$@"
