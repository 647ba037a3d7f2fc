#!/usr/bin/env bash
# Vendors the portal's third-party CSS, JS, fonts and map data into static/vendor/.
# The portal runs on government intranets with no CDN, so everything a page loads must be
# served by the portal itself. Packages come from npm at pinned versions; only the files
# the pages use are copied, and static/vendor/VERSIONS.txt records what came from where.
# Re-run after changing a version below, then commit static/vendor/.
set -euo pipefail

BOOTSTRAP_VERSION=5.3.9
BOOTSTRAP_ICONS_VERSION=1.13.2
HTMX_VERSION=2.0.11
ECHARTS_VERSION=5.6.0
# echarts 5 no longer ships map data; 4.9.0 is the last release with the province GeoJSON.
ECHARTS_MAPS_VERSION=4.9.0

# Source maps larger than this are left out (and their sourceMappingURL comment removed,
# so browsers don't ask for them and ManifestStaticFilesStorage doesn't fail on them).
MAX_MAP_BYTES=$((1024 * 1024))

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# install_pkgs DIR SPEC...: all specs in one call (a later --no-save install would prune the
# earlier ones); a prefix of its own per echarts version so the two can coexist.
install_pkgs() {
    local dir="$1"
    shift
    mkdir -p "$dir"
    npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
        --prefix "$dir" "$@" >/dev/null
}

echo "Installing pinned packages into $tmp ..."
install_pkgs "$tmp/a" "bootstrap@$BOOTSTRAP_VERSION" "bootstrap-icons@$BOOTSTRAP_ICONS_VERSION" \
    "htmx.org@$HTMX_VERSION" "echarts@$ECHARTS_VERSION"
install_pkgs "$tmp/b" "echarts@$ECHARTS_MAPS_VERSION"
NM="$tmp/a/node_modules"
NM_OLD="$tmp/b/node_modules"

# Check that npm gave us exactly the versions pinned above.
check_version() { # check_version NODE_MODULES PACKAGE EXPECTED
    local got
    got="$(node -p "require('$1/$2/package.json').version")"
    if [[ "$got" != "$3" ]]; then
        echo "error: $2 is $got, expected $3" >&2
        exit 1
    fi
}
check_version "$NM" bootstrap "$BOOTSTRAP_VERSION"
check_version "$NM" bootstrap-icons "$BOOTSTRAP_ICONS_VERSION"
check_version "$NM" htmx.org "$HTMX_VERSION"
check_version "$NM" echarts "$ECHARTS_VERSION"
check_version "$NM_OLD" echarts "$ECHARTS_MAPS_VERSION"

rm -rf "$DEST"
mkdir -p "$DEST"
COPIED=()

copy() { # copy SRC REL: copy SRC to static/vendor/REL
    mkdir -p "$(dirname "$DEST/$2")"
    cp "$1" "$DEST/$2"
    COPIED+=("$2")
}

# copy_with_map SRC REL: like copy, plus the file's source map when it is small enough.
copy_with_map() {
    local src="$1" rel="$2" map_name
    copy "$src" "$rel"
    map_name="$(grep -oE 'sourceMappingURL=[^ *]+' "$src" | tail -n 1 | cut -d= -f2 || true)"
    [[ -z "$map_name" ]] && return 0
    local map_src
    map_src="$(dirname "$src")/$map_name"
    if [[ -f "$map_src" && "$(stat -c %s "$map_src")" -le "$MAX_MAP_BYTES" ]]; then
        copy "$map_src" "$(dirname "$rel")/$map_name"
    else
        # Drop the dangling reference: /*# sourceMappingURL=... */ or //# sourceMappingURL=...
        sed -i -E -e 's@/\*# sourceMappingURL=[^*]*\*/@@' -e 's@//# sourceMappingURL=.*$@@' "$DEST/$rel"
    fi
}

copy_with_map "$NM/bootstrap/dist/css/bootstrap.min.css" bootstrap/css/bootstrap.min.css
copy_with_map "$NM/bootstrap/dist/js/bootstrap.bundle.min.js" bootstrap/js/bootstrap.bundle.min.js

# bootstrap-icons.min.css loads url("fonts/bootstrap-icons.woff2?...") relative to itself.
copy "$NM/bootstrap-icons/font/bootstrap-icons.min.css" bootstrap-icons/bootstrap-icons.min.css
for font in "$NM"/bootstrap-icons/font/fonts/*.woff2 "$NM"/bootstrap-icons/font/fonts/*.woff; do
    copy "$font" "bootstrap-icons/fonts/$(basename "$font")"
done

copy_with_map "$NM/htmx.org/dist/htmx.min.js" htmx/htmx.min.js
copy_with_map "$NM/echarts/dist/echarts.min.js" echarts/echarts.min.js

copy "$NM_OLD/echarts/map/json/province/yunnan.json" echarts-maps/yunnan.json
# echarts names Shaanxi (陕西) "shanxi1"; Shanxi (山西) is "shanxi".
copy "$NM_OLD/echarts/map/json/province/shanxi1.json" echarts-maps/shaanxi.json

# Licences travel with the code.
copy "$NM/bootstrap/LICENSE" bootstrap/LICENSE
copy "$NM/bootstrap-icons/LICENSE" bootstrap-icons/LICENSE
copy "$NM/htmx.org/LICENSE" htmx/LICENSE
copy "$NM/echarts/LICENSE" echarts/LICENSE
copy "$NM_OLD/echarts/LICENSE" echarts-maps/LICENSE

{
    echo "# Vendored by scripts/vendor_static.sh from the npm registry; do not edit by hand."
    echo "bootstrap@$BOOTSTRAP_VERSION"
    echo "bootstrap-icons@$BOOTSTRAP_ICONS_VERSION"
    echo "htmx.org@$HTMX_VERSION"
    echo "echarts@$ECHARTS_VERSION"
    echo "echarts@$ECHARTS_MAPS_VERSION (map/json/province/yunnan.json -> echarts-maps/yunnan.json,"
    echo "    map/json/province/shanxi1.json -> echarts-maps/shaanxi.json)"
    echo
    echo "# Files (bytes, sha256, path under static/vendor/)"
    (cd "$DEST" && for rel in "${COPIED[@]}"; do
        printf '%9d  %s  %s\n' "$(stat -c %s "$rel")" "$(sha256sum "$rel" | cut -c1-64)" "$rel"
    done)
} >"$DEST/VERSIONS.txt"

total="$(du -sh "$DEST" | cut -f1)"
echo "Vendored ${#COPIED[@]} files into static/vendor/ ($total); see static/vendor/VERSIONS.txt."
