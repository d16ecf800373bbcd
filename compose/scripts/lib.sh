# Shared by the entrypoint scripts in this folder (POSIX sh + awk, as found in
# the busybox-based prom/* images, Grafana's Alpine image and our Debian one).
# Sourced, never run. Nothing here prints a value it handles.

die() {
  echo "tern: $*" >&2
  exit 1
}

# require_name VAR: VAR is set and is a plain label value (server names and
# roles: letters, digits, '.', '_', '-'), so it is safe inside YAML quotes.
require_name() {
  eval "_value=\${$1-}"
  [ -n "$_value" ] || die "$1 is empty; set it in compose/.env"
  case $_value in
    *[!A-Za-z0-9._-]*) die "$1 may hold only letters, digits, '.', '_' and '-'" ;;
  esac
}

# require_url VAR: VAR is set, starts with http:// or https:// and holds no
# whitespace, quote or backslash (it is written into a quoted YAML string).
require_url() {
  eval "_value=\${$1-}"
  [ -n "$_value" ] || die "$1 is empty; set it in compose/.env"
  case $_value in
    http://* | https://*) ;;
    *) die "$1 must start with http:// or https://" ;;
  esac
  case $_value in
    *[[:space:]\"\\]*) die "$1 must not contain spaces, quotes or backslashes" ;;
  esac
}

# optional_word VAR: VAR is empty or holds no whitespace, quote or backslash.
optional_word() {
  eval "_value=\${$1-}"
  case $_value in
    *[[:space:]\"\\]*) die "$1 must not contain spaces, quotes or backslashes" ;;
  esac
}

# render TEMPLATE OUTPUT NAME...: writes TEMPLATE to OUTPUT with every ${NAME}
# replaced by that environment variable's value, taken literally (no regular
# expression, no '&'). Other ${...} (relabel replacements such as ${1}) stay.
# Prometheus and tern-shipper do not expand variables in their configuration
# files, hence this step. Check the values first (require_*).
render() {
  _template=$1
  _output=$2
  shift 2
  for _name in "$@"; do
    export "${_name?}"
  done
  awk -v names="$*" '
    BEGIN { count = split(names, list, " ") }
    {
      line = $0
      for (i = 1; i <= count; i++) {
        key = "${" list[i] "}"
        value = ENVIRON[list[i]]
        done = ""
        while ((at = index(line, key)) > 0) {
          done = done substr(line, 1, at - 1) value
          line = substr(line, at + length(key))
        }
        line = done line
      }
      print line
    }' "$_template" >"$_output.tmp" || die "cannot render $_template"
  mv "$_output.tmp" "$_output"
}

# write_secret FILE VAR: writes VAR's value (possibly empty) to FILE, readable
# by this user only, without a trailing newline. The value never reaches a
# command line: printf is a shell builtin.
write_secret() {
  eval "_value=\${$2-}"
  (umask 077 && printf '%s' "$_value" >"$1") || die "cannot write $1"
}
