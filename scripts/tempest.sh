#!/usr/bin/env bash
# OpenStack Tempest's volume API suite against this service: installs Debian's python3-tempest
# where it is missing (scripts/test-tools.sh), starts a server with its default settings on a
# fresh data dir, writes a tempest.conf with dynamic credentials (the bootstrap admin creates a
# project and user per test class), and runs every test of tempest.api.volume but the modules
# of features the service does not offer.
#
#   scripts/tempest.sh [OUT_DIR]
#
# OUT_DIR (default: a temporary dir) receives results.csv (test id, status), tempest.log,
# server.log and the run's console output; the exit status is tempest's. test/tempest/ holds
# exclude.txt, the tests that need Nova or Glance and have no skip guard, each with its reason.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$(mktemp -d -t vbs-tempest-XXXXXX)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

[ -x /usr/bin/tempest ] || bash "$here/scripts/test-tools.sh"

data="$out/data"
rm -rf "$data" "$out/workspace" "$out/home"
port="${VBS_TEMPEST_PORT:-$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}"
password="tempest-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
url="http://127.0.0.1:$port"

VBS_DATA_DIR="$data" VBS_PORT="$port" VBS_HOST=127.0.0.1 VBS_ADMIN_PASSWORD="$password" node "$here/dist/src/cli/main.js" serve >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
  sleep 0.2
done
max="$(curl -fsS "$url/v3/" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).versions[0].version))')"

# Tempest's dynamic admin is a new project's admin: a project administrator here. With
# [identity] admin_domain_scope Tempest also grants it the admin role on the Default domain
# (cloud administration), through a domain-scoped token of the configured admin, who therefore
# needs that role too: granted here, as an operator would.
auth="{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"},\"password\":\"$password\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"}}}}}"
token_reply="$(curl -fsS -D - -o "$out/admin-token.json" -H 'content-type: application/json' -d "$auth" "$url/identity/v3/auth/tokens")"
admin_token="$(printf '%s\n' "$token_reply" | tr -d '\r' | awk 'tolower($1) == "x-subject-token:" { print $2 }')"
read -r admin_user admin_role < <(node -e 'const t=require(process.argv[1]).token; console.log(t.user.id, t.roles.find((r)=>r.name==="admin").id)' "$out/admin-token.json")
curl -fsS -X PUT -H "X-Auth-Token: $admin_token" "$url/identity/v3/domains/default/users/$admin_user/roles/$admin_role"
rm -f "$out/admin-token.json"

cd "$out"
# Its workspace registry lives in OUT_DIR, not in the caller's home.
export HOME="$out/home"
/usr/bin/tempest init workspace >/dev/null
cd workspace
cat >etc/tempest.conf <<EOF
[DEFAULT]
log_file = $out/tempest.log

[auth]
use_dynamic_credentials = True
admin_username = admin
admin_password = $password
admin_project_name = admin
admin_domain_name = Default
default_credentials_domain_name = Default
create_isolated_networks = False

[identity]
uri_v3 = $url/identity/v3
admin_domain_scope = True
auth_version = v3
region = RegionOne

[identity-feature-enabled]
api_v2 = False
api_v3 = True

[service_available]
cinder = True
nova = False
glance = False
swift = False
neutron = False

[volume]
catalog_type = volumev3
region = RegionOne
min_microversion = 3.0
max_microversion = $max
build_timeout = 120
build_interval = 1
volume_size = 1
storage_protocol = file
vendor_name = Open Source

[volume-feature-enabled]
backup = True
snapshot = True
clone = True
manage_volume = False
manage_snapshot = False
extend_attached_volume = False
EOF

# Modules of features the service does not offer: consistency groups, QoS, encryption,
# manage/unmanage, retype, several back ends, and images.
skip='admin\.test_group_snapshots|admin\.test_group_type_specs|admin\.test_group_types|admin\.test_groups|admin\.test_qos|admin\.test_encrypted_volumes_extend|admin\.test_volume_manage|admin\.test_snapshot_manage|admin\.test_volume_retype|admin\.test_multi_backend|test_image_metadata'
excluded="$(awk '!/^#/ && NF { print $1 }' "$here/test/tempest/exclude.txt" | sed 's/[.[\]]/\\&/g' | paste -sd'|' -)"
exclude_regex="$skip${excluded:+|$excluded}"

status=0
/usr/bin/tempest run --regex "${VBS_TEMPEST_REGEX:-^tempest\.api\.volume\.}" --exclude-regex "$exclude_regex" --concurrency "${VBS_TEMPEST_CONCURRENCY:-2}" >"$out/console.txt" 2>&1 || status=$?
stestr last --subunit 2>/dev/null | subunit2csv >"$out/results.csv" || true
grep -E '^(Totals|=+$| - (Passed|Skipped|Failed|Expected Fail|Unexpected Success)|Sum of execute time)' "$out/console.txt" >&2 || tail -20 "$out/console.txt" >&2
echo "tempest: results in $out" >&2
exit "$status"
