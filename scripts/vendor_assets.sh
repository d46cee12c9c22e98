#!/usr/bin/env bash
# Refreshes the front-end libraries vendored in crates/maillage-web/assets/vendor/.
#
# The files are committed and embedded in the binary at build time, so neither the
# build nor the running server ever needs npm or the network: only whoever bumps a
# version runs this script (it needs `npm` and access to the npm registry).
set -euo pipefail

LEAFLET_VERSION=1.9.4
MARKERCLUSTER_VERSION=1.5.3

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor="$repo_root/crates/maillage-web/assets/vendor"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() { # fetch NAME VERSION -> prints the unpacked package directory
    local name="$1" version="$2"
    local dir="$work/$name"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$name@$version" >/dev/null)
    tar -xzf "$dir"/*.tgz -C "$dir"
    echo "$dir/package"
}

leaflet="$(fetch leaflet "$LEAFLET_VERSION")"
cluster="$(fetch leaflet.markercluster "$MARKERCLUSTER_VERSION")"

rm -rf "$vendor/leaflet" "$vendor/leaflet.markercluster"
mkdir -p "$vendor/leaflet/images" "$vendor/leaflet.markercluster"

# install -m 0644: some tarballs ship their files executable.
install -m 0644 "$leaflet/dist/leaflet.js" "$leaflet/dist/leaflet.css" "$vendor/leaflet/"
install -m 0644 "$leaflet/dist/images/"* "$vendor/leaflet/images/"
install -m 0644 "$leaflet/LICENSE" "$vendor/leaflet/LICENSE"

install -m 0644 "$cluster/dist/leaflet.markercluster.js" \
   "$cluster/dist/MarkerCluster.css" \
   "$cluster/dist/MarkerCluster.Default.css" \
   "$vendor/leaflet.markercluster/"
install -m 0644 "$cluster/MIT-LICENCE.txt" "$vendor/leaflet.markercluster/LICENSE"

# Record the digest of the tarballs actually unpacked (npm pack checked them against
# the registry's), so a reviewer can compare with `npm view NAME@VERSION dist.integrity`.
integrity() { echo "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }
leaflet_integrity="$(integrity "$work"/leaflet/*.tgz)"
cluster_integrity="$(integrity "$work"/leaflet.markercluster/*.tgz)"

cat > "$vendor/README.md" <<README
# Vendored front-end libraries

These files are copied verbatim from the npm registry by \`scripts/vendor_assets.sh\`
and embedded in the \`maillage\` binary at build time: no CDN and no npm at run time or
build time. To upgrade, change the versions in the script, run it, and commit the result.

| Library | Version | Licence | npm tarball integrity |
|---|---|---|---|
| [Leaflet](https://leafletjs.com/) | $LEAFLET_VERSION | BSD-2-Clause (\`leaflet/LICENSE\`) | \`$leaflet_integrity\` |
| [Leaflet.markercluster](https://github.com/Leaflet/Leaflet.markercluster) | $MARKERCLUSTER_VERSION | MIT (\`leaflet.markercluster/LICENSE\`) | \`$cluster_integrity\` |

Files:

- \`leaflet/\`: \`leaflet.js\`, \`leaflet.css\`, \`images/\` (marker and layer icons), \`LICENSE\`
- \`leaflet.markercluster/\`: \`leaflet.markercluster.js\`, \`MarkerCluster.css\`,
  \`MarkerCluster.Default.css\`, \`LICENSE\`
README

echo "vendored leaflet $LEAFLET_VERSION and leaflet.markercluster $MARKERCLUSTER_VERSION into $vendor"
