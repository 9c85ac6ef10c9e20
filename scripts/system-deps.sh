#!/usr/bin/env bash
# The system packages the project needs, in one list, grouped by what needs them:
#   scripts/system-deps.sh GROUP...     (groups: venv test bench local image)
# Checks each package's program or file, so a run with everything present takes
# milliseconds. What is missing is installed with apt-get on Debian/Ubuntu as root
# (apt-get update only then); anywhere else it stops and prints the command to run.
set -euo pipefail

# group -> Debian packages
declare -A GROUPS_OF=(
    [venv]="python3-venv"
    [test]="nodejs npm postgresql chromium wrk haproxy openssl"
    [bench]="postgresql wrk"
    [local]="nodejs npm postgresql haproxy openssl"
    [image]="docker.io debootstrap"
)

# Debian package -> how to tell it is there
present() {
    case $1 in
        python3-venv) python3 -c 'import ensurepip' 2>/dev/null ;;
        nodejs) command -v node >/dev/null ;;
        postgresql) compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null ||
            command -v postgres >/dev/null ;;
        chromium) [[ -x ${CHROMIUM:-/usr/bin/chromium} ]] ;;
        docker.io) command -v dockerd >/dev/null ;;
        *) command -v "$1" >/dev/null ;;
    esac
}

# Debian package -> Homebrew formula ("" where macOS needs none or has none)
brew_name() {
    case $1 in
        python3-venv) echo "" ;;
        nodejs) echo node ;;
        postgresql) echo postgresql@15 ;;
        chromium) echo "--cask chromium" ;;
        docker.io) echo docker ;;
        *) echo "$1" ;;
    esac
}

if (($# == 0)); then
    echo "usage: $0 GROUP... (groups: ${!GROUPS_OF[*]})" >&2
    exit 2
fi
missing=()
for group in "$@"; do
    [[ -v GROUPS_OF[$group] ]] || { echo "$0: no group '$group' (groups: ${!GROUPS_OF[*]})" >&2; exit 2; }
    for package in ${GROUPS_OF[$group]}; do
        [[ " ${missing[*]} " == *" $package "* ]] || present "$package" || missing+=("$package")
    done
done
((${#missing[@]})) || exit 0

if command -v apt-get >/dev/null && [[ -r /etc/os-release ]] && grep -qiE '^ID(_LIKE)?=.*(debian|ubuntu)' /etc/os-release; then
    if [[ $(id -u) != 0 ]]; then
        echo "missing system packages; run:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    echo "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts its own PostgreSQL and HAProxy services on install; nothing here uses
    # them (every test and the harness run their own servers on free ports).
    exit 0
fi

echo "missing system packages (Debian names): ${missing[*]}" >&2
if command -v brew >/dev/null; then
    formulae=()
    casks=()
    for package in "${missing[@]}"; do
        name=$(brew_name "$package")
        if [[ $name == --cask* ]]; then casks+=("${name#--cask }"); elif [[ -n $name ]]; then formulae+=("$name"); fi
    done
    echo "run:" >&2
    ((${#formulae[@]})) && echo "  brew install ${formulae[*]}" >&2
    ((${#casks[@]})) && echo "  brew install --cask ${casks[*]}" >&2
else
    echo "install them with your system's package manager, then run this again" >&2
fi
exit 1
