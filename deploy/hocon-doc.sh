#!/usr/bin/env bash
# Writes docs/HOCON.md, the configuration reference, from the comments of hocon/reference.conf, so that the two
# cannot drift apart (a test in tests/UsbMesh.Deploy.Tests fails while they differ):
#
#   deploy/hocon-doc.sh > docs/HOCON.md
#
# It reads the shape reference.conf keeps: one setting or object opening per line, each preceded by its comment.
# Children of `usbmesh` become sections, deeper objects subsections, settings entries with their default.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

awk '
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }

# Markdown would read <...> as HTML and * as emphasis outside code spans; escape them there.
function escape(s,    parts, n, i, out) {
    n = split(s, parts, "`")
    out = ""
    for (i = 1; i <= n; i++) {
        if (i % 2 == 1) {
            gsub(/&/, "\\&amp;", parts[i]); gsub(/</, "\\&lt;", parts[i]); gsub(/>/, "\\&gt;", parts[i])
            gsub(/\*/, "\\*", parts[i])
        }
        out = out (i > 1 ? "`" : "") parts[i]
    }
    return out
}

# The comment lines gathered so far as Markdown: "#" alone separates paragraphs; a line indented by two spaces
# starts a list item, and a line indented further continues what is above it.
function description(    i, line, text, out, inList, inExample) {
    out = ""; inList = 0; inExample = 0
    for (i = 1; i <= ncomment; i++) {
        line = comment[i]
        if (trim(line) == "") { out = out "\n"; inList = 0; inExample = 0; continue }
        # Examples are HOCON: code, one line each, continued by lines indented further.
        if (line ~ /^Example: /) {
            if (inList) { out = out "\n"; inList = 0 }
            sub(/^Example: /, "", line)
            out = out "Example: `" trim(line) "`\n"; inExample = 1
            continue
        }
        if (inExample && line ~ /^   /) {
            out = substr(out, 1, length(out) - 1) "\\\n`" trim(line) "`\n"
            continue
        }
        inExample = 0
        if (line ~ /^  [^ ]/) {
            text = "- " escape(trim(line))
            if (!inList && out != "" && out !~ /\n\n$/) out = out "\n"
            inList = 1
        } else if (line ~ /^   /) {
            text = (inList ? "  " : "") escape(trim(line))
        } else {
            text = escape(line)
            if (inList) { out = out "\n"; inList = 0 }
        }
        out = out text "\n"
    }
    ncomment = 0
    return out
}

function path(key,    i, p) {
    p = ""
    for (i = 1; i <= depth; i++) p = p stack[i] "."
    return p key
}

function anchor(s) { s = tolower(s); gsub(/[^a-z0-9 -]/, "", s); gsub(/ /, "-", s); return s }

function emit(s) { body[++nbody] = s }

/^[ \t]*#/ {
    line = $0
    sub(/^[ \t]*# ?/, "", line)
    comment[++ncomment] = line
    next
}

/^[ \t]*$/ { next }

# An object opens: key {
/^[ \t]*[A-Za-z0-9_."-]+[ \t]*\{[ \t]*$/ {
    key = trim($0); sub(/[ \t]*\{$/, "", key); gsub(/"/, "", key)
    full = path(key)
    text = description()
    if (depth == 0) {
        intro = text
    } else if (depth == 1) {
        emit("## `" full "`\n"); toc[++ntoc] = full
        if (text != "") emit(text)
    } else {
        emit("### `" full "`\n")
        if (text != "") emit(text)
    }
    stack[++depth] = key
    next
}

/^[ \t]*\}[ \t]*$/ { depth--; ncomment = 0; next }

# A setting: key = value
/^[ \t]*[A-Za-z0-9_."-]+[ \t]*=/ {
    key = $0; sub(/=.*/, "", key); key = trim(key); gsub(/"/, "", key)
    value = $0; sub(/^[^=]*=[ \t]*/, "", value); value = trim(value)
    full = path(key)
    if (full in seen) {
        # A second assignment of the same setting (an environment variable that wins when it is set).
        body[seen[full]] = body[seen[full]] "; `" value "` when that resolves"
        ncomment = 0
        next
    }
    text = description()
    if (depth == 1) { emit("## `" full "`\n"); toc[++ntoc] = full }
    emit("**`" full "`** = `" value "`"); seen[full] = nbody
    emit("")
    if (text != "") emit(text)
    next
}

{ printf "reference.conf:%d: a line this script does not know: %s\n", NR, $0 > "/dev/stderr"; failed = 1 }

END {
    if (failed) exit 1
    print "# Configuration reference"
    print ""
    print "Every setting of a UsbMesh node, its default and what it means. This page is generated from the comments of"
    print "[`hocon/reference.conf`](../hocon/reference.conf) by `deploy/hocon-doc.sh > docs/HOCON.md`; edit the comments"
    print "there, not this page. How files, `--set` overrides and substitutions combine is in"
    print "[CONFIGURATION.md](CONFIGURATION.md); example nodes are in [`hocon/`](../hocon)."
    print ""
    printf "%s", intro
    print ""
    for (i = 1; i <= ntoc; i++) printf "- [`%s`](#%s)\n", toc[i], anchor(toc[i])
    print ""
    for (i = 1; i <= nbody; i++) print body[i]
}
' "$repo/hocon/reference.conf" | cat -s
