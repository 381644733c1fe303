#!/usr/bin/env python3
"""Writes generated/FAMILY/NAME.case: the Sprig/Helm function cases of tests/functions.rs.

Every case runs with missingkey=zero (Helm's option) over VALUES (JSON: every number float64, as
Helm's values), unless it gives its own data. Run `python3 gen.py`; it rewrites generated/ only.
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "generated")

VALUES = {
    "s": "hello", "S": "Hello World", "empty": "", "sp": "  padded  ", "ml": "line1\nline2",
    "n": 3, "zero": 0, "neg": -2, "f": 1.5, "big": 1000000, "bigf": 1234567.5, "tiny": 0.00001,
    "t": True, "fl": False, "nil": None,
    "l": ["a", "b", "c"], "el": [], "ln": [1, 2, 3], "lmix": ["a", None, "", 0, 1, False, "b"],
    "ldup": ["a", "b", "a", 1, 1, "c"],
    "m": {"b": 2, "a": 1, "c": "x"}, "em": {},
    "nested": {"a": {"b": {"c": "deep"}}, "x": 1},
    "img": {"repository": "nginx", "tag": "1.25", "pullPolicy": "IfNotPresent"},
    "res": {"limits": {"cpu": "100m", "memory": "128Mi"}, "requests": {}},
    "ver": "v1.21.3-eks-123", "ver2": "1.19.0",
}

cases = []  # (family, name, template, data or None)


def case(family, name, tmpl, data=None, missingkey="zero"):
    cases.append((family, name, tmpl, data, missingkey))


def many(family, prefix, templates):
    for i, t in enumerate(templates):
        case(family, f"{prefix}-{i:02d}", t)


# --- strings
many("strings", "trim", [
    '{{ trim .sp }}|', '{{ trim "\\t x \\n" }}|', '{{ trimAll "$" "$$5.00$" }}', '{{ trimPrefix "he" .s }}',
    '{{ trimSuffix "lo" .s }}', '{{ trimSuffix "-" "a-b-" }}', '{{ trimSuffix "x" "" }}|', '{{ trim .nil }}',
    '{{ trimSuffix "-" .nil }}', '{{ trim 3 }}', '{{ "a-" | trimSuffix "-" }}', '{{ nospace " a b  c " }}',
])
many("strings", "case", [
    '{{ lower .S }}', '{{ upper .S }}', '{{ title "hello wide_world foo-bar" }}', '{{ untitle "Hello World" }}',
    '{{ upper "ß straße" }}', '{{ lower .nil }}', '{{ title "" }}|', '{{ title "o\'neil 3rd" }}',
])
many("strings", "trunc", [
    '{{ trunc 3 .s }}', '{{ trunc 63 .s }}', '{{ trunc -2 .s }}', '{{ trunc 0 .s }}|', '{{ trunc -10 .s }}',
    '{{ trunc 5 "" }}|', '{{ .s | trunc 2 }}', '{{ trunc .n .s }}', '{{ trunc 2 .nil }}',
    '{{ printf "%s-%s" "release-name-that-is-long" "chart" | trunc 20 | trimSuffix "-" }}',
])
many("strings", "contains", [
    '{{ contains "ell" .s }}', '{{ contains "" .s }}', '{{ contains "z" .s }}', '{{ hasPrefix "he" .s }}',
    '{{ hasSuffix "lo" .s }}', '{{ hasPrefix "x" "" }}', '{{ contains "a" .nil }}', '{{ .s | contains "h" }}',
    '{{ if contains "eks" .ver }}eks{{ end }}', '{{ hasSuffix "" "" }}',
])
many("strings", "replace", [
    '{{ replace "l" "L" .s }}', '{{ replace "" "-" "abc" }}', '{{ replace "x" "y" "" }}|', '{{ .S | replace " " "_" }}',
    '{{ replace "." "-" "1.2.3" }}', '{{ replace "l" "L" .nil }}', '{{ repeat 3 "ab" }}', '{{ repeat 0 "ab" }}|',
    '{{ substr 1 3 .s }}', '{{ substr 0 99 .s }}', '{{ substr -1 2 .s }}', '{{ plural "one" "many" 1 }} {{ plural "one" "many" 2 }}',
])
many("strings", "quote", [
    '{{ quote .s }}', '{{ quote .n }}', '{{ quote .f }}', '{{ quote .nil }}|', '{{ quote "a\\"b" }}',
    '{{ quote "tab\\there" }}', '{{ quote .t }}', '{{ quote .l }}', '{{ quote .m }}', '{{ quote "a" "b" .nil 3 }}',
    '{{ squote .s }}', '{{ squote .nil }}|', '{{ squote .n "x" }}', '{{ quote }}|', '{{ quote .big }}',
    '{{ quote "é✓" }}', '{{ .s | quote }}', '{{ quote .missing }}|', '{{ cat "a" .nil "b" 3 }}', '{{ cat }}|',
])
many("strings", "indent", [
    '{{ indent 2 .ml }}', '{{ nindent 4 .ml }}', '{{ indent 0 .s }}', '{{ nindent 2 "" }}|', '{{ indent 2 "a\\n\\nb\\n" }}|',
    '{{ .ml | nindent 2 }}', '{{ indent .n .s }}', '{{ indent 2 .nil }}', '{{ indent 2 3 }}', 'x:{{ toYaml .img | nindent 2 }}',
    'spec:\n  {{- toYaml .res | nindent 2 }}', '{{ indent -1 .s }}',
])
many("strings", "join", [
    '{{ join "," .l }}', '{{ join "," .ln }}', '{{ join "," .lmix }}', '{{ join "," .el }}|', '{{ join "," .nil }}|',
    '{{ join "," .s }}', '{{ join "-" (list 1 "a" 2.5 true) }}', '{{ .l | join " " }}', '{{ join "," .m }}',
    '{{ split "," "a,b,,c" }}', '{{ (split "." "1.2.3")._1 }}', '{{ splitList "," "a,b,,c" }}', '{{ splitList "" "abc" }}',
    '{{ splitList "," "" }}', '{{ len (splitList "," "") }}', '{{ splitn "," 2 "a,b,c" }}', '{{ toStrings .ln }}',
    '{{ toStrings .lmix }}', '{{ toStrings .s }}', '{{ toStrings .nil }}', '{{ sortAlpha (list "b" "a" "C" 1) }}',
    '{{ split "," .nil }}',
])
many("strings", "tostring", [
    '{{ toString .n }}', '{{ toString .f }}', '{{ toString .big }}', '{{ toString .bigf }}', '{{ toString .nil }}',
    '{{ toString .t }}', '{{ toString .l }}', '{{ toString .m }}', '{{ toString 3 }}', '{{ toString .tiny }}',
    '{{ toString .em }}', '{{ typeOf (toString 1) }}',
])

# --- hashes and encodings
many("encoding", "hash", [
    '{{ sha256sum .s }}', '{{ sha256sum "" }}', '{{ sha1sum .s }}', '{{ adler32sum .s }}', '{{ sha256sum .nil }}',
    '{{ toYaml .img | sha256sum }}', '{{ sha256sum (toJson .m) }}', '{{ sha1sum "é" }}',
])
many("encoding", "b64", [
    '{{ b64enc .s }}', '{{ b64enc "" }}|', '{{ b64dec "aGVsbG8=" }}', '{{ b64dec "aGVsbG8" }}', '{{ b64dec "!!!" }}',
    '{{ b64enc "é\\n" }}', '{{ b64enc .nil }}', '{{ .s | b64enc | b64dec }}', '{{ b64dec "YQ==" }}', '{{ b64dec "YWI=" }}',
])

# --- defaults
many("defaults", "default", [
    '{{ default "d" .missing }}', '{{ default "d" .nil }}', '{{ default "d" .empty }}', '{{ default "d" .s }}',
    '{{ default "d" .zero }}', '{{ default "d" .fl }}', '{{ default true .fl }}', '{{ default "d" .el }}',
    '{{ default "d" .em }}', '{{ default "d" .l }}', '{{ default 5 .n }}', '{{ default "d" }}', '{{ .missing | default "x" }}',
    '{{ default .s .nil }}', '{{ default (dict "a" 1) .missing }}', '{{ default "d" .t }}', '{{ default "d" nil }}',
    '{{ default "d" .neg }}', '{{ .img.tag | default "latest" }}', '{{ .img.nope | default "latest" }}',
])
many("defaults", "empty", [
    '{{ empty .missing }}', '{{ empty .nil }}', '{{ empty .empty }}', '{{ empty .s }}', '{{ empty .zero }}',
    '{{ empty .fl }}', '{{ empty .el }}', '{{ empty .em }}', '{{ empty .m }}', '{{ empty 0 }}', '{{ empty 0.0 }}',
    '{{ empty .f }}', '{{ empty .lmix }}', '{{ empty nil }}', '{{ if empty .img.nope }}none{{ end }}',
])
many("defaults", "coalesce", [
    '{{ coalesce .nil .empty .s }}', '{{ coalesce .nil .zero }}', '{{ coalesce }}', '{{ coalesce .missing "x" }}',
    '{{ coalesce .em .m }}', '{{ all .s .n }}', '{{ all .s .zero }}', '{{ any .empty .nil }}', '{{ any .empty .n }}',
    '{{ all }}', '{{ any }}',
])
many("defaults", "ternary", [
    '{{ ternary "y" "n" true }}', '{{ ternary "y" "n" false }}', '{{ ternary "y" "n" .t }}', '{{ ternary "y" "n" .fl }}',
    '{{ true | ternary "a" "b" }}', '{{ ternary 1 2 (eq .s "hello") }}', '{{ ternary "y" "n" .n }}',
    '{{ ternary "y" "n" .missing }}', '{{ ternary .nil "n" true }}',
])

# --- lists
many("lists", "list", [
    '{{ list }}', '{{ list 1 "a" nil 2.5 }}', '{{ list .l .m }}', '{{ len (list 1 2) }}', '{{ typeOf (list) }}',
    '{{ tuple 1 2 }}', '{{ list .nil }}',
])
many("lists", "append", [
    '{{ append .l "d" }}', '{{ append .el 1 }}', '{{ prepend .l "z" }}', '{{ append .l .nil }}', '{{ append .nil 1 }}',
    '{{ append .s 1 }}', '{{ append .m 1 }}', '{{ $a := append .l "x" }}{{ .l }} {{ $a }}', '{{ concat .l .ln }}',
    '{{ concat .l .el (list "z") }}', '{{ concat }}', '{{ concat .l .s }}', '{{ concat .l .nil }}',
    '{{ push .l "p" }}',
])
many("lists", "firstlast", [
    '{{ first .l }}', '{{ first .el }}', '{{ last .l }}', '{{ last .el }}', '{{ rest .l }}', '{{ rest .el }}',
    '{{ initial .l }}', '{{ initial .el }}', '{{ first .nil }}', '{{ first .s }}', '{{ last .m }}', '{{ reverse .l }}',
    '{{ reverse .el }}', '{{ first (list) }}|', '{{ rest (list 1) }}', '{{ initial (list 1) }}',
])
many("lists", "uniq", [
    '{{ uniq .ldup }}', '{{ uniq .el }}', '{{ without .ldup "a" 1 }}', '{{ without .l }}', '{{ has "a" .l }}',
    '{{ has "z" .l }}', '{{ has 1 .ln }}', '{{ has 1.0 .ln }}', '{{ has "a" .nil }}', '{{ has "a" .s }}',
    '{{ compact .lmix }}', '{{ compact .el }}', '{{ compact .s }}', '{{ uniq .nil }}', '{{ has .nil (list nil) }}',
    '{{ without .lmix nil "" }}',
])
many("lists", "slice", [
    '{{ until 5 }}', '{{ until 0 }}', '{{ until -3 }}', '{{ untilStep 0 10 3 }}', '{{ untilStep 10 0 -4 }}',
    '{{ untilStep 0 10 0 }}', '{{ untilStep 0 10 -1 }}', '{{ seq 5 }}', '{{ seq 2 5 }}', '{{ seq 5 2 }}',
    '{{ seq 0 2 10 }}', '{{ seq 10 -3 0 }}', '{{ seq }}|', '{{ seq 0 }}', '{{ range until 3 }}[{{ . }}]{{ end }}',
    '{{ chunk 2 .l }}', '{{ slice .l 1 }}', '{{ slice .l 1 2 }}', '{{ until .n }}', '{{ seq 1 0 5 }}|',
])

# --- dicts
many("dicts", "dict", [
    '{{ dict }}', '{{ dict "a" 1 "b" "x" }}', '{{ dict "a" }}', '{{ dict 1 2 }}', '{{ dict "a" .nil }}',
    '{{ dict "k" .m }}', '{{ (dict "a" 1).a }}', '{{ dict .nil 1 }}', '{{ dict "b" 1 "a" 2 "b" 3 }}',
])
many("dicts", "get", [
    '{{ get .m "a" }}', '{{ get .m "zz" }}|', '{{ get .nil "a" }}|', '{{ get .em "a" }}|', '{{ get .s "a" }}',
    '{{ hasKey .m "a" }}', '{{ hasKey .m "zz" }}', '{{ hasKey .nil "a" }}', '{{ hasKey .em "" }}', '{{ hasKey .l "a" }}',
    '{{ if hasKey .img "tag" }}{{ .img.tag }}{{ end }}', '{{ hasKey .m .nil }}', '{{ get .m 1 }}',
])
many("dicts", "keys", [
    '{{ keys .img | sortAlpha }}', '{{ keys .em }}', '{{ keys (dict "a" 1) }}', '{{ keys .m .img | sortAlpha }}',
    '{{ values (dict "a" 1) }}', '{{ values .em }}', '{{ keys }}', '{{ keys .nil }}',
    '{{ pick .img "tag" "repository" "nope" }}', '{{ pick .img }}', '{{ omit .img "tag" }}', '{{ omit .img }}',
    '{{ pick .nil "a" }}', '{{ omit .nil "a" }}', '{{ pluck "a" .m (dict "a" 5) .em }}', '{{ pluck "a" }}',
    '{{ values .m | len }}',
])
many("dicts", "mutation", [
    '{{ $_ := set .m "d" 4 }}{{ .m }}', '{{ $x := .m }}{{ $_ := set $x "z" 1 }}{{ .m.z }}',
    '{{ $_ := unset .m "a" }}{{ .m }}', '{{ set .m "a" 9 }}', '{{ unset .m "zz" }}', '{{ set .nil "a" 1 }}',
    '{{ unset .nil "a" }}', '{{ $d := dict "a" (dict "b" 1) }}{{ $_ := set $d.a "c" 2 }}{{ $d }}',
    '{{ $d := dict }}{{ $_ := set $d "self" "x" }}{{ $d }}', '{{ $t := .img }}{{ $_ := set $t "labelSelector" (dict "app" "x") }}{{ toYaml .img }}',
    '{{ $_ := unset . "s" }}{{ hasKey . "s" }}', '{{ $l := .l }}{{ $_ := append $l "x" }}{{ .l }}',
    '{{ set .m "b" .nil }}', '{{ set .s "a" 1 }}',
])
many("dicts", "merge", [
    '{{ merge (dict "a" 1) (dict "a" 2 "b" 3) }}', '{{ mergeOverwrite (dict "a" 1) (dict "a" 2 "b" 3) }}',
    '{{ merge (dict "a" "") (dict "a" "x") }}', '{{ merge (dict "a" 0) (dict "a" 5) }}',
    '{{ merge (dict "a" false) (dict "a" true) }}', '{{ mergeOverwrite (dict "a" 1) (dict "a" "") }}',
    '{{ mergeOverwrite (dict "a" 1) (dict "a" nil) }}', '{{ merge (dict "a" 1) (dict "a" nil) }}',
    '{{ merge (dict "a" (dict "x" 1)) (dict "a" (dict "y" 2)) }}', '{{ mergeOverwrite (dict "a" (dict "x" 1)) (dict "a" (dict "x" 3 "y" 2)) }}',
    '{{ merge (dict "a" "s") (dict "a" (dict "x" 1)) }}', '{{ mergeOverwrite (dict "a" "s") (dict "a" (dict "x" 1)) }}',
    '{{ mergeOverwrite (dict "a" (dict "x" 1)) (dict "a" "s") }}', '{{ merge (dict "a" (list 1)) (dict "a" (list 2)) }}',
    '{{ mergeOverwrite (dict "a" (list 1)) (dict "a" (list 2 3)) }}', '{{ mergeOverwrite (dict "a" (list 1)) (dict "a" (list)) }}',
    '{{ merge (dict) (dict "a" (list 1)) }}', '{{ merge (dict "b" 1) (dict "a" (list 1)) }}',
    '{{ merge (dict "a" (dict)) (dict "a" (dict "x" 1)) }}', '{{ merge (dict "a" (dict)) (dict "a" (dict)) }}',
    '{{ merge .nil (dict "a" 1) }}', '{{ merge (dict "a" 1) .nil }}', '{{ merge (dict "a" 1) }}',
    '{{ merge (dict "a" 1) (dict "b" 2) (dict "b" 3 "c" 4) }}', '{{ mergeOverwrite (dict "a" 1) (dict "b" 2) (dict "b" 3 "c" 4) }}',
    '{{ $d := dict "a" 1 }}{{ $_ := merge $d (dict "z" 9) }}{{ $d }}', '{{ $s := dict "n" (dict "k" 1) }}{{ $m := merge (dict) $s }}{{ $_ := set $m.n "k2" 2 }}{{ $s }}',
    '{{ $d := merge (dict) .img (dict "tag" "x") }}{{ $d }} {{ .img }}', '{{ mergeOverwrite .img (dict "tag" "2.0") }}{{ .img.tag }}',
    '{{ merge .s (dict) }}', '{{ merge (dict "a" (dict "b" (dict "c" 1))) (dict "a" (dict "b" (dict "d" 2))) }}',
    '{{ mergeOverwrite (dict "a" 0) (dict "a" false) }}', '{{ merge (dict "a" nil) (dict "a" 2) }}',
    '{{ toYaml (mergeOverwrite (dict) .res (dict "requests" (dict "cpu" "1"))) }}',
])
many("dicts", "dig", [
    '{{ dig "a" "b" "c" "def" .nested }}', '{{ dig "a" "x" "def" .nested }}', '{{ dig "x" "def" .nested }}',
    '{{ dig "x" "def" .nested | typeOf }}', '{{ dig "a" "def" .nested }}', '{{ dig "x" "b" "def" .nested }}',
    '{{ dig "a" "def" }}', '{{ dig "a" "def" .s }}', '{{ dig "x" "c" "def" .nested }}', '{{ dig 1 "def" .nested }}',
    '{{ dig "a" "def" .nil }}', '{{ dig "x" .nil .nested }}',
])
many("dicts", "deepcopy", [
    '{{ $c := deepCopy .m }}{{ $_ := set $c "a" 99 }}{{ .m.a }} {{ $c.a }}', '{{ deepCopy .l }}', '{{ deepCopy .s }}',
    '{{ deepCopy .nil }}', '{{ $c := deepCopy .nested }}{{ $_ := set $c.a "n" 1 }}{{ .nested.a }}',
])

# --- reflection
many("reflect", "kind", [
    '{{ kindOf .s }}', '{{ kindOf .n }}', '{{ kindOf .l }}', '{{ kindOf .m }}', '{{ kindOf .nil }}', '{{ kindOf .t }}',
    '{{ kindOf 3 }}', '{{ kindIs "map" .m }}', '{{ kindIs "slice" .l }}', '{{ kindIs "string" .n }}',
    '{{ kindIs "invalid" .nil }}', '{{ kindIs "float64" .n }}', '{{ kindIs "int" 3 }}', '{{ if kindIs "map" .img }}map{{ end }}',
    '{{ typeOf .s }}', '{{ typeOf .n }}', '{{ typeOf .l }}', '{{ typeOf .m }}', '{{ typeOf .nil }}', '{{ typeOf 3 }}',
    '{{ typeIs "string" .s }}', '{{ typeIs "float64" .n }}', '{{ typeIsLike "string" .s }}', '{{ deepEqual .l (list "a" "b" "c") }}',
    '{{ deepEqual 1 1.0 }}', '{{ kindOf .missing }}',
])

# --- numbers
many("numbers", "cast", [
    '{{ int .n }}', '{{ int .f }}', '{{ int "42" }}', '{{ int "010" }}', '{{ int "0x1F" }}', '{{ int "1.0" }}',
    '{{ int "1.5" }}', '{{ int "abc" }}', '{{ int .nil }}', '{{ int .t }}', '{{ int "  3" }}', '{{ int "-7" }}',
    '{{ int64 .big }}', '{{ int64 "9" }}', '{{ float64 "1.5" }}', '{{ float64 .n }}', '{{ float64 3 }}', '{{ float64 "x" }}',
    '{{ float64 .nil }}', '{{ atoi "42" }}', '{{ atoi "4.2" }}', '{{ atoi "010" }}', '{{ atoi "-3" }}', '{{ atoi "" }}',
    '{{ atoi .nil }}', '{{ int "1_000" }}', '{{ int "0b101" }}', '{{ int "1.00" }}', '{{ int .neg }}', '{{ typeOf (int .n) }}',
    '{{ int "+5" }}', '{{ float64 "1e3" }}', '{{ int .bigf }}',
])
many("numbers", "arith", [
    '{{ add 1 2 }}', '{{ add .n .n }}', '{{ add .f 1 }}', '{{ add }}', '{{ add "3" 4 }}', '{{ add1 .n }}', '{{ sub 5 .n }}',
    '{{ mul 2 3 4 }}', '{{ mul .f 2 }}', '{{ div 7 2 }}', '{{ div -7 2 }}', '{{ mod 7 3 }}', '{{ mod -7 3 }}',
    '{{ div 1 0 }}', '{{ mod 1 0 }}', '{{ max 1 5 3 }}', '{{ min 1 5 3 }}', '{{ max .n .f }}', '{{ min .neg }}',
    '{{ add .nil 1 }}', '{{ ceil 1.2 }}', '{{ floor 1.8 }}', '{{ ceil .n }}', '{{ floor "2.5" }}', '{{ round 2.5 0 }}',
    '{{ round 1.2345 2 }}', '{{ round -2.5 0 }}', '{{ round 1.25 1 0.3 }}', '{{ maxf 1 2.5 }}', '{{ minf 1 2.5 }}',
    '{{ add 1 .s }}', '{{ mul 1000000 1000000 }}', '{{ sub .n 0.5 }}',
])

# --- regex
many("regex", "regex", [
    '{{ regexMatch "^h.*o$" .s }}', '{{ regexMatch "x" .s }}', '{{ regexFind "l+" .s }}', '{{ regexFind "z" .s }}|',
    '{{ regexFindAll "[a-c]" "abcabc" -1 }}', '{{ regexFindAll "[a-c]" "abcabc" 2 }}', '{{ regexReplaceAll "l+" .s "L" }}',
    '{{ regexReplaceAll "(h)(e)" .s "${2}$1" }}', '{{ regexReplaceAll "(?P<x>l)" .s "[$x]" }}',
    '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}', '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}',
    '{{ regexReplaceAllLiteral "l" .s "$1" }}', '{{ regexSplit "[,;]" "a,b;c" -1 }}', '{{ regexSplit "," "a,b,c" 2 }}',
    '{{ regexQuoteMeta "a.b*c" }}', '{{ regexMatch "[" .s }}', '{{ regexMatch "^[a-z0-9-]+$" "my-app-1" }}',
    '{{ regexReplaceAll "[^a-z0-9-]" "My_App.1" "-" | lower }}', '{{ regexMatch "x" .nil }}', '{{ regexFind "(?i)HEL" .s }}',
])

# --- semver
many("semver", "compare", [
    '{{ semverCompare ">=1.20-0" .ver }}', '{{ semverCompare ">=1.20" .ver }}', '{{ semverCompare ">=1.16-0" .ver2 }}',
    '{{ semverCompare "<1.19" .ver2 }}', '{{ semverCompare "^1.2.3" "1.9.0" }}', '{{ semverCompare "^1.2.3" "2.0.0" }}',
    '{{ semverCompare "~1.2.3" "1.2.9" }}', '{{ semverCompare "~1.2.3" "1.3.0" }}', '{{ semverCompare "1.2.x" "1.2.7" }}',
    '{{ semverCompare "1.2 - 1.4.5" "1.4.0" }}', '{{ semverCompare "<1.0 || >=2" "2.1.0" }}', '{{ semverCompare ">1.2, <2" "1.5.0" }}',
    '{{ semverCompare "!=1.2.3" "1.2.3" }}', '{{ semverCompare "=1.2.3" "v1.2.3" }}', '{{ semverCompare ">= 1.21.0-0" "1.21.0-rc.1" }}',
    '{{ semverCompare ">=1.21.0-rc.2" "1.21.0-rc.10" }}', '{{ semverCompare "*" "1.0.0" }}', '{{ semverCompare "^0.2.3" "0.2.9" }}',
    '{{ semverCompare "^0.2.3" "0.3.0" }}', '{{ semverCompare "^0.0.3" "0.0.4" }}', '{{ semverCompare "bad constraint!" "1.0.0" }}',
    '{{ semverCompare ">1.0" "not-a-version" }}', '{{ semverCompare ">=1.8-0" "v1.25.16-gke.1000" }}',
    '{{ semverCompare "<1.22-0" "1.21.14-eks-fb459a0" }}', '{{ semverCompare ">1.2" "1.2.5" }}', '{{ semverCompare "<=1.2" "1.2.9" }}',
    '{{ semverCompare ">=1.2.x" "1.3.0" }}', '{{ semverCompare ">=1.0.0-alpha" "1.0.0-beta" }}', '{{ semverCompare "~1" "1.9.0" }}',
    '{{ semverCompare "1.2.3-beta.02" "1.2.3" }}',
])
many("semver", "version", [
    '{{ semver "1.2.3" }}', '{{ (semver "v1.2.3-rc.1+b5").Prerelease }}', '{{ (semver "1.2.3").Major }}', '{{ (semver "1.2").Minor }}',
    '{{ semver "x" }}', '{{ (semver .ver).Patch }}', '{{ (semver "1.2.3+meta").Metadata }}', '{{ (semver "v1.2").Original }}',
])

# --- random (seeded: only shapes are compared)
many("random", "rand", [
    '{{ len (randAlphaNum 10) }}', '{{ len (randAlpha 5) }}', '{{ len (randNumeric 7) }}', '{{ len (randAscii 3) }}',
    '{{ regexMatch "^[0-9]+$" (randNumeric 12) }}', '{{ regexMatch "^[a-zA-Z0-9]+$" (randAlphaNum 20) }}',
    '{{ len uuidv4 }}', '{{ regexMatch "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$" uuidv4 }}',
    '{{ randAlphaNum 0 }}|', '{{ len (shuffle "abcdef") }}', '{{ typeOf now }}', '{{ randAlphaNum .nil }}',
])
many("dates", "date", [
    '{{ date "2006-01-02" 0 }}', '{{ date "2006-01-02T15:04:05Z07:00" 1700000000 }}', '{{ dateInZone "Jan 2, 2006 at 3:04pm (MST)" 1700000000 "UTC" }}',
    '{{ date "Mon Monday Jan January 01 1 02 2 _2 06 15 03 3 04 4 05 5 PM pm -0700 -07:00 Z07:00 002" 1700000000 }}',
    '{{ htmlDate 86400 }}', '{{ date "15:04:05.000" 1700000000 }}', '{{ dateInZone "2006-01-02 15:04" 1234567890 "UTC" }}',
])

# Sprig's time parsing, durations and dateModify (Go's time.Parse layouts, ParseDuration,
# Duration.String). `now` and `ago` differ by clock (the oracle's is real, ours fixed): their
# cases check shapes or differences that do not depend on the clock.
many("dates", "todate", [
    '{{ toDate "2006-01-02" "2024-02-29" }}', '{{ toDate "2006-01-02" "2023-02-29" }}', '{{ toDate "2006-01-02" "nope" }}',
    '{{ toDate "2006-01-02T15:04:05Z07:00" "2023-11-14T22:13:20+02:00" }}', '{{ toDate "2006-01-02T15:04:05Z07:00" "2023-11-14T22:13:20Z" }}',
    '{{ toDate "2006-01-02 15:04:05.000 MST" "2020-05-06 07:08:09.123 PST" }}', '{{ toDate "Jan _2 2006 3:04pm" "Mar  5 2021 11:30pm" }}',
    '{{ toDate "2006-01-02T15:04:05.999999999Z07:00" "2020-01-01T00:00:00.5-07:30" }}', '{{ toDate "02 Jan 06 15:04 -0700" "01 Feb 99 12:00 +0000" }}',
    '{{ toDate "Monday, 02-Jan-06 15:04:05 MST" "Sunday, 05-Mar-23 01:02:03 GMT+3" }}', '{{ toDate "2006-002" "2024-060" }}',
    '{{ toDate "2006-01-02 15:04:05" "2020-01-01 10:11:12.987654" }}', '{{ (toDate "2006-01-02" "2021-06-15").Unix }}',
    '{{ toDate "2006-01-02" "2021-06-15" | date "Mon Jan 2 15:04:05 2006" }}', '{{ (toDate "2006-01-02T15:04Z07:00" "2021-06-15T10:00+05:30").Format "15:04 -07:00 MST" }}',
    '{{ toDate "2006-01-02" "2021-06-15" | unixEpoch }}', '{{ toDate "2006-01-02" "2021-06-15" | typeOf }}', '{{ toDate "15:04" "25:00" }}',
    '{{ toDate "2006-01-02" "2021-13-01" }}', '{{ toDate "2006-01-02" "2021-01-01 extra" }}', '{{ toDate "" "" }}', '{{ toDate .nil "2021" }}',
    '{{ toDate "2006" .n }}', '{{ toDate "2006" }}', '{{ toDate "Jan 2006" "jan 2021" }}', '{{ toDate "2006-01-02 -07" "2021-01-01 -03" }}',
    '{{ mustToDate "2006-01-02" "2021-06-15" }}', '{{ mustToDate "2006-01-02" "2021-06-31" }}', '{{ mustToDate "2006-01-02" "x" }}',
    '{{ mustToDate "2006-01-02" "2021-01-01 extra" }}', '{{ mustToDate "15:04:05" "12:60:00" }}', '{{ mustToDate "2006-01-02 MST" "2021-01-01 é" }}',
    '{{ mustToDate .nil "x" }}', '{{ toDate "2006-01-02 3PM" "2021-01-01 12AM" }}', '{{ toDate "06" "68" }}|{{ toDate "06" "69" }}',
    '{{ toDate "2006-01-02T15:04:05Z07:00" "2021-01-01T00:00:00+00:00" }}', '{{ toDate "2006-01-02 MST" "2021-01-01 CEST" }}',
])
many("dates", "datemodify", [
    '{{ toDate "2006-01-02" "2021-06-15" | dateModify "1h30m" }}', '{{ toDate "2006-01-02" "2021-06-15" | dateModify "-48h" }}',
    '{{ toDate "2006-01-02" "2021-06-15" | dateModify "1.5h" }}', '{{ toDate "2006-01-02" "2021-06-15" | dateModify "nope" }}',
    '{{ toDate "2006-01-02" "2021-06-15" | date_modify "90s" }}', '{{ toDate "2006-01-02" "2021-06-15" | dateModify "1ms" }}',
    '{{ toDate "2006-01-02" "2021-06-15" | dateModify "-1ns" }}', '{{ toDate "2006-01-02" "2021-06-15" | dateModify "" }}',
    '{{ toDate "2006-01-02" "2021-06-15" | mustDateModify "2h" }}', '{{ toDate "2006-01-02" "2021-06-15" | mustDateModify "2x" }}',
    '{{ toDate "2006-01-02" "2021-06-15" | must_date_modify "2" }}', '{{ toDate "2006-01-02" "2021-06-15" | mustDateModify "" }}',
    '{{ toDate "2006-01-02" "2021-06-15" | mustDateModify "9999999999h" }}', '{{ dateModify "1h" .nil }}', '{{ dateModify "1h" "2021" }}',
    '{{ dateModify "1h" 5 }}', '{{ mustDateModify "1h" .s }}', '{{ dateModify .n (now) }}',
    '{{ toDate "2006-01-02T15:04Z07:00" "2021-06-15T10:00+05:30" | dateModify "1h" }}', '{{ dateModify "1h" (toDate "2006" "2021") | date "2006-01-02 15:04" }}',
    '{{ toDate "2006-01-02" "2021-06-15" | dateModify "1h2m3.004005006s" }}', '{{ toDate "2006-01-02" "2021-06-15" | dateModify "1µs" }}',
    '{{ toDate "2006-01-02" "2021-06-15" | dateModify "+.5m" }}', '{{ toDate "2006-01-02" "2021-06-15" | dateModify "1h-1m" }}',
    '{{ toDate "2006-01-02" "2021-06-15" | mustDateModify "1hh" }}',
])
many("dates", "duration", [
    '{{ duration "95" }}', '{{ duration "0" }}', '{{ duration "-3661" }}', '{{ duration "86400" }}', '{{ duration "1.5" }}',
    '{{ duration "x" }}', '{{ duration "" }}', '{{ duration .nil }}', '{{ duration .n }}', '{{ duration .f }}', '{{ duration (int64 95) }}',
    '{{ duration (add 3600 1) }}', '{{ duration (mul 60 60 24 400) }}', '{{ duration "+7" }}', '{{ duration "99999999999999999999" }}',
    '{{ duration (list 1) }}', '{{ duration }}', '{{ duration (sub 0 45) }}',
    '{{ durationRound "2h10m" }}', '{{ durationRound "400h" }}', '{{ durationRound "800h" }}', '{{ durationRound "9000h" }}',
    '{{ durationRound "-3m" }}', '{{ durationRound "59s" }}', '{{ durationRound "1s" }}', '{{ durationRound "61s" }}', '{{ durationRound "24h" }}',
    '{{ durationRound "25h" }}', '{{ durationRound "bad" }}', '{{ durationRound "" }}', '{{ durationRound .nil }}', '{{ durationRound .f }}',
    '{{ durationRound (int64 3600000000001) }}', '{{ durationRound (mul 1000000000 90) }}', '{{ durationRound "1.5h" }}',
    '{{ durationRound "500ms" }}', '{{ durationRound "-9000h" }}',
    '{{ regexMatch "^[0-9]+y$" (durationRound (toDate "2006" "1990")) }}', '{{ regexMatch "^-[0-9]+y$" (durationRound (toDate "2006" "2990")) }}',
])
many("dates", "ago", [
    '{{ ago .s }}', '{{ ago .nil }}', '{{ ago .f }}', '{{ ago "x" }}', '{{ ago (now) }}',
    '{{ regexMatch "^[0-9]+h[0-9]+m[0-9]+s$" (ago 0) }}', '{{ regexMatch "^[0-9]+h[0-9]+m[0-9]+s$" (ago (int64 86400)) }}',
    '{{ regexMatch "^-[0-9]+h[0-9]+m[0-9]+s$" (ago (toDate "2006" "2990")) }}', '{{ regexMatch "^[0-9]+h[0-9]+m[0-9]+s$" (ago (toDate "2006-01-02" "2001-02-03")) }}',
    '{{ ago }}', '{{ ago (now | dateModify "-1h") }}', '{{ ago (now | dateModify "90m") }}', '{{ ago (now | dateModify "-1.4s") }}',
    '{{ ago (now | dateModify "-1.5s") }}', '{{ ago (now | dateModify "-499ms") }}', '{{ typeOf now }}',
    '{{ durationRound (now | dateModify "-49h") }}', '{{ durationRound (now | dateModify "-2h") }}',
])

# Sprig's decimal floating-point functions (shopspring/decimal, 16-digit quotients).
many("numbers", "decimal", [
    '{{ addf 0.1 0.2 }}', '{{ addf 1 2 3.5 }}', '{{ addf }}', '{{ addf .f .n }}', '{{ addf "1.5" "x" .nil }}', '{{ addf 1e308 1e308 }}',
    '{{ addf 1e300 1e-300 }}', '{{ addf 0.1 0.7 }}', '{{ addf -0.1 0.1 }}', '{{ addf 9007199254740993 1 }}', '{{ addf .t 1 }}',
    '{{ add1f 0.1 }}', '{{ add1f .f }}', '{{ add1f "2.5" }}', '{{ add1f .nil }}', '{{ add1f -1 }}', '{{ add1f 1e16 }}',
    '{{ subf 0.3 0.1 }}', '{{ subf 1 }}', '{{ subf 10 1 2 3.3 }}', '{{ subf 0 0 }}', '{{ subf .nil 1 }}', '{{ subf }}',
    '{{ mulf 1.1 3 }}', '{{ mulf 0.1 0.1 }}', '{{ mulf 1e200 1e200 }}', '{{ mulf 2 }}', '{{ mulf -1 0 }}', '{{ mulf 1.5 "2" .n }}',
    '{{ mulf 1e-200 1e-200 }}', '{{ mulf 123456789.123 987654321.987 }}',
    '{{ divf 1 3 }}', '{{ divf 2 3 }}', '{{ divf -2 3 }}', '{{ divf 10 4 }}', '{{ divf 1 0 }}', '{{ divf 0 5 }}', '{{ divf 1e300 1e-10 }}',
    '{{ divf 1 3 3 }}', '{{ divf 5 }}', '{{ divf 1 7 }}', '{{ divf 1e-20 3 }}', '{{ divf 0.3 0.1 }}', '{{ divf -1 -3 }}', '{{ divf 1 -6 }}',
    '{{ addf (float64 "NaN") 1 }}', '{{ mulf 1 (float64 "Inf") }}', '{{ subf (float64 "-Inf") }}', '{{ addf .l }}', '{{ addf .m 1 }}',
    '{{ addf 0.1 0.2 | typeOf }}', '{{ divf 22 7 | printf "%.3f" }}', '{{ addf 5e-324 5e-324 }}', '{{ divf 5e-324 2 }}', '{{ addf 1.7976931348623157e308 1e292 }}',
])

# Sprig's urlParse and urlJoin (Go's net/url).
URLS = [
    "https://user:pa%20ss@example.com:8080/a%2Fb/c?x=1&y=2#frag%20x", "http://example.com", "mailto:someone@example.com",
    "/relative/path?q=1", "relative/path", "//host/p", "http://[::1]:80/x", "http://[fe80::1%25en0]:8080/", "file:///etc/hosts",
    "HTTP://Example.COM/Path", "http://example.com/a b", "http://example.com/?", "http://example.com/#", "*", "", "?q", "#f",
    "http://u@h", "http://u:@h", "http://:p@h", "http://a%41@h/", "http://h:badport/", "http://h:/", ":foo", "a:b/c",
    "cache_object:foo/bar", "http://a b.com/", "http://%41.com/", "http://%zz/", "http://h/%zz", "http://h/p#%zz", "http://h/p#a%20b!()*",
    "http://h/p?q=a b", "http://[::1/", "http://h\tx/", "s3://bucket/key/with spaces", "redis://:secret@redis:6379/0",
    "postgres://user@db.example.com:5432/mydb?sslmode=require", "http://[::1]:namedport", "http://x@y@z/", "http://u:p:q@h/",
    "http://ü.com/ü", "http://h/a;b,c", "http://h/a%3Fb", "git+ssh://git@github.com/org/repo.git", "http:opaque?x#y", "http:/abs",
]
for i, u in enumerate(URLS):
    case("urls", f"parse-{i:02d}", "{{ $u := urlParse .u }}{{ range $k, $v := $u }}{{ $k }}={{ $v }};{{ end }}", {"u": u})
    case("urls", f"roundtrip-{i:02d}", "{{ urlParse .u | urlJoin }}", {"u": u})
many("urls", "join", [
    '{{ urlJoin (dict "scheme" "https" "host" "example.com" "path" "/a b" "query" "x=1" "fragment" "f g") }}',
    '{{ urlJoin (dict "scheme" "https" "host" "example.com" "path" "rel") }}', '{{ urlJoin (dict "path" "a:b/c") }}',
    '{{ urlJoin (dict "host" "h" "userinfo" "u:p") }}', '{{ urlJoin (dict "host" "h" "userinfo" "u") }}',
    '{{ urlJoin (dict "host" "h" "userinfo" "u:p@x") }}', '{{ urlJoin (dict "host" "h" "userinfo" "bad user") }}',
    '{{ urlJoin (dict "host" "h" "userinfo" "a/b") }}', '{{ urlJoin (dict "scheme" "mailto" "opaque" "x@y.com" "query" "s=1") }}',
    '{{ urlJoin (dict) }}|', '{{ urlJoin (dict "host" 3) }}', '{{ urlJoin (dict "scheme" .nil) }}', '{{ urlJoin (dict "path" (list 1)) }}',
    '{{ urlJoin (dict "query" .m) }}', '{{ urlJoin (dict "fragment" true) }}', '{{ urlJoin .nil }}', '{{ urlJoin .missing }}', '{{ urlJoin .s }}',
    '{{ urlJoin (dict "host" "ü.example" "path" "/ü") }}', '{{ urlJoin (dict "scheme" "http" "path" "/p") }}',
    '{{ urlJoin (dict "host" "h" "path" "*") }}', '{{ urlJoin (dict "path" "*") }}', '{{ urlJoin (dict "scheme" "s" "host" "h" "userinfo" "%zz") }}',
    '{{ urlJoin (dict "host" "[::1]:80" "path" "x") }}', '{{ urlJoin (dict "host" "h" "path" "/a?b#c") }}', '{{ urlJoin (dict "fragment" "a#b") }}',
    '{{ urlParse .nil }}', '{{ urlParse 3 }}', '{{ (urlParse "http://h:8/p").hostname }}', '{{ urlParse }}',
    '{{ urlParse "http://x.com/p" | typeOf }}', '{{ urlJoin (dict "scheme" "http" "host" "h" "userinfo" "a b:c") }}',
])

# --- toYaml
YAML_DATA = {
    "str": "hello", "quoted": ["yes", "no", "on", "off", "y", "n", "true", "False", "null", "~", "", "1.0", "1", "0x1F",
                               "1e3", "12:30", "2001-12-14", "2001-12-14T21:59:43.10-05:00", ".5", "+1", "-1", "0o17",
                               "1_000", ".inf", "-.inf", ".nan", "<<", "=", "0b101", "007", "1.", "-", "---", "a: b",
                               "#c", "a #c", "a#c", "- x", "*x", "&x", "!x", "|", ">", "%x", "@x", "`x", "?", "? x",
                               ":x", "x:", "[a]", "{a}", "a,b", "\"q\"", "'q'", " lead", "trail ", "tab\tx", "é", "😀",
                               "\u00a0nbsp", "a\u0085b", "ctl\u0001"],
    "multi": ["a\nb", "a\nb\n", "a\nb\n\n", "\nlead", " lead\nx", "trail \nx", "a\n\nb", "x\ty\nz", "a\r\nb", "only\n"],
    "floats": [1.5, 1, 1000000, 1e21, 1.5e-7, 0.0001, 123456789.5, -0.0, 3.0, 100000, 1e20, 2.5e-5, 0.1, 1e100],
    "ints": [0, -5, 9007199254740993],
    "bools": [True, False], "nul": None, "emptymap": {}, "emptylist": [],
    "nested": {"z": {"y": [1, {"a": [[], {}], "b": None}]}, "a": [[1, 2], [3]], "m": [{"k": "v", "j": ["x"]}]},
    "keys": {"b": 1, "a10": 1, "a9": 1, "A": 1, "_x": 1, "1": 1, "10": 1, "2": 1, "yes": 1, "": 1, "a b": 1, "x:": 1, "01": 1, "a01": 1, "a1": 1},
    "long": "word " * 30, "longq": "tab\t" + "word " * 25, "longkey" * 20: 1,
}
for k, v in YAML_DATA.items():
    case("toyaml", f"value-{k}", "{{ toYaml .v }}", {"v": v})
for i, s in enumerate(YAML_DATA["quoted"]):
    case("toyaml", f"string-{i:02d}", "{{ toYaml .v }}", {"v": s})
for i, s in enumerate(YAML_DATA["multi"]):
    case("toyaml", f"multi-{i:02d}", "{{ toYaml .v }}", {"v": {"k": s}})
for i, f in enumerate(YAML_DATA["floats"]):
    case("toyaml", f"float-{i:02d}", "{{ toYaml .v }}", {"v": {"k": f}})
many("toyaml", "tmpl", [
    '{{ toYaml . }}', '{{ toYaml .nil }}', '{{ toYaml .missing }}', '{{ toYaml "x" }}', '{{ toYaml 3 }}', '{{ toYaml 1.5 }}',
    '{{ toYaml (list) }}', '{{ toYaml (dict) }}', '{{ toYaml (list (list) (dict)) }}', '{{ toYaml .l }}',
    '{{ toYaml (dict "a" (list 1 2) "b" (dict "c" (list (dict "d" 1)))) }}', 'a:\n{{ toYaml .img | indent 2 }}',
    '{{ toYaml (list "a\\nb" "c") }}', '{{ toYaml "a\\nb" }}', '{{ toYaml "a\\nb\\n" }}', '{{ toYaml "a\\n\\n" }}',
    '{{ toYaml true }}', '{{ toYaml (dict "k" (list (list "a" "b"))) }}', '{{ toYaml (list (dict "a" 1 "b" 2)) }}',
    '{{ toYaml (dict "x" (dict "y" (dict))) }}', '{{ toYaml 1e6 }}', '{{ toYaml (semver "1.2.3") }}',
])

# --- toJson / fromJson / fromYaml / toToml / required / fail
many("json", "tojson", [
    '{{ toJson . }}', '{{ toJson .nil }}', '{{ toJson .s }}', '{{ toJson "<a & b>" }}', '{{ toJson .f }}', '{{ toJson .big }}',
    '{{ toJson .tiny }}', '{{ toJson 1e21 }}', '{{ toJson 3 }}', '{{ toJson .l }}', '{{ toJson .em }}', '{{ toJson .el }}',
    '{{ toJson "\\u2028 \\t \\u0001 é" }}', '{{ toJson (list 1e-7 123456789.0 0.1) }}',
])
many("json", "fromjson", [
    '{{ fromJson "{\\"a\\": 1, \\"b\\": [1, \\"x\\"]}" }}', '{{ (fromJson "{\\"a\\": 1}").a | typeOf }}', '{{ fromJson "" }}',
    '{{ fromJson "[1]" }}', '{{ fromJson "null" }}', '{{ fromJson "{bad" }}', '{{ fromJsonArray "[1, \\"a\\", null]" }}',
    '{{ fromJsonArray "{}" }}', '{{ fromJsonArray "" }}', '{{ fromJson .nil }}', '{{ toJson (fromJson "{\\"z\\":1,\\"a\\":{\\"b\\":true}}") }}',
])
many("yaml", "fromyaml", [
    '{{ fromYaml "a: 1\\nb: [x, y]\\nc: {d: yes}" }}', '{{ (fromYaml "a: 1").a | typeOf }}', '{{ fromYaml "" }}',
    '{{ fromYaml "x: 1.0\\ny: 010\\nz: 0x1F\\nw: 1e3\\nv: on\\nu: ~\\nt: 2001-12-14" }}', '{{ (fromYaml "k: 1000000").k }}',
    '{{ fromYaml "- a\\n- b" }}', '{{ fromYamlArray "- a\\n- 1\\n- {x: y}" }}', '{{ fromYamlArray "" }}',
    '{{ toYaml (fromYaml (toYaml .img)) }}', '{{ fromYaml "a: &x {b: 1}\\nc: *x" }}', '{{ fromYaml "1: a\\ntrue: b" }}',
    '{{ fromYaml .nil }}', '{{ fromYaml "a: |\\n  x\\n  y\\n" }}', '{{ range $k, $v := fromYaml "b: 1\\na: 2" }}{{ $k }}={{ $v }};{{ end }}',
])
many("toml", "totoml", [
    '{{ toToml .img }}', '{{ toToml (dict "a" 1 "b" (dict "c" "d")) }}', '{{ toToml (dict "l" (list 1 2) "f" 1.5 "t" true) }}',
    '{{ toToml (dict "t" (list (dict "a" 1) (dict "a" 2))) }}', '{{ toToml (dict "a b" "x" "q\\"" "y") }}',
    '{{ toToml (dict "n" .nil "s" "x") }}', '{{ toToml (dict "a" (dict "b" (dict "c" 1)) "z" 0) }}', '{{ toToml .s }}',
    '{{ toToml (dict "s" "tab\\there \\"q\\" \\\\") }}', '{{ toToml (dict "f" 3.0 "g" 1e21) }}', '{{ toToml (dict) }}|',
    '{{ toToml (dict "l" (list (dict "x" 1) 2)) }}',
])
many("flow", "required", [
    '{{ required "need s" .s }}', '{{ required "need x" .missing }}', '{{ required "need e" .empty }}', '{{ required "need z" .zero }}',
    '{{ required "need f" .fl }}', '{{ required "need l" .el }}', '{{ required "m" .m }}', '{{ .missing | required "piped" }}',
    '{{ fail "boom" }}', '{{ if .fl }}{{ fail "no" }}{{ end }}ok', '{{ fail .nil }}', '{{ required "n" .nil }}',
])

# --- piping and type errors (positions)
many("errors", "types", [
    '{{ trunc "3" .s }}', '{{ indent "2" .s }}', '{{ nindent .f .s }}', '{{ contains 1 .s }}', '{{ ternary 1 2 "x" }}',
    '{{ set .l "a" 1 }}', '{{ b64enc 3 }}', '{{ sha256sum .n }}', '{{ trunc }}', '{{ default }}', '{{ ternary 1 2 }}',
    '{{ dict "a" | keys }}', '{{ until "3" }}',
])


# --- nil and missing arguments, every function (Helm runs with missingkey=zero: a missing key is
# a nil interface{}, like a null value)
NIL_TEMPLATES = [
    'trim .missing', 'trimSuffix .nil "x"', 'trimSuffix "x" .missing', 'upper .missing', 'lower .nil', 'title .nil',
    'trunc 3 .missing', 'contains .nil "x"', 'hasPrefix "x" .missing', 'replace "a" "b" .missing', 'replace .nil "b" "a"',
    'quote .missing .nil', 'squote .missing', 'indent 2 .missing', 'nindent 2 .nil', 'nindent .nil "x"', 'join "," .missing',
    'join .nil .l', 'splitList "," .nil', 'split .nil "a"', 'toString .missing', 'toStrings .missing', 'sha256sum .missing',
    'b64enc .missing', 'b64dec .nil', 'default .nil .nil', 'default .missing .missing', 'empty .missing', 'coalesce .nil .missing',
    'ternary .nil .nil true', 'ternary "a" "b" .nil', 'list .nil .missing', 'append .missing "x"', 'append .l .missing',
    'prepend .nil 1', 'first .missing', 'last .nil', 'rest .missing', 'initial .nil', 'uniq .missing', 'compact .nil',
    'without .nil 1', 'without .l .nil', 'has .nil .l', 'has .missing .nil', 'concat .l .missing', 'dict "a" .missing',
    'dict .missing .missing', 'get .missing "a"', 'get .m .nil', 'set .m "k" .missing', 'set .m .nil 1', 'unset .missing "a"',
    'hasKey .missing "a"', 'keys .missing', 'values .nil', 'pick .m .nil', 'omit .missing', 'merge .missing .m',
    'mergeOverwrite .m .missing', 'dig "a" .nil .missing', 'dig .nil "d" .m', 'deepCopy .missing', 'kindOf .nil',
    'kindIs .nil .s', 'typeOf .missing', 'typeIs "x" .nil', 'int .missing', 'int64 .nil', 'float64 .missing', 'atoi .missing',
    'add .missing 1', 'add1 .nil', 'sub .nil .nil', 'mul .nil 3', 'div .nil 3', 'max .nil 1', 'min .missing', 'ceil .nil',
    'floor .missing', 'round .nil 1', 'until .nil', 'untilStep .nil 3 1', 'seq .nil', 'regexMatch .nil "x"', 'regexFind "x" .nil',
    'regexReplaceAll "x" .nil "y"', 'regexReplaceAll "x" "y" .nil', 'regexFindAll "x" .nil -1', 'regexSplit "x" .nil -1',
    'semver .nil', 'semverCompare .nil "1.0.0"', 'semverCompare ">1" .missing', 'toYaml .missing', 'toJson .missing',
    'fromYaml .missing', 'fromYamlArray .nil', 'fromJson .missing', 'fromJsonArray .nil', 'toToml .missing',
    'required "r" .missing', 'required .nil "x"', 'fail .missing', 'sha1sum .nil', 'adler32sum .nil', 'repeat .nil "x"',
    'repeat 2 .nil', 'substr 0 1 .nil', 'nospace .nil', 'trimAll .nil "x"', 'trimPrefix .nil .nil', 'randAlphaNum .missing',
    'date "" .missing', 'dateInZone "" .nil "UTC"', 'splitn "," 2 .nil', 'sortAlpha .nil', 'pluck "a" .nil', 'chunk 2 .nil',
    'slice .nil', 'reverse .missing', 'cat .nil .missing', 'plural "a" "b" .nil', 'untitle .nil', 'deepEqual .nil .missing',
    'typeIsLike "x" .missing', 'maxf .nil', 'minf .nil 1', 'regexQuoteMeta .nil', 'base .nil', 'dir .nil', 'ext .missing',
    'clean .nil', 'isAbs .nil', 'all .nil', 'any .missing',
]
for i, t in enumerate(NIL_TEMPLATES):
    case("nil", f"nil-{i:03d}", "{{ " + t + " }}")
    case("nil", f"nil-piped-{i:03d}", "{{ .missing | " + t.split(" ")[0] + " " + " ".join(t.split(" ")[1:-1]) + " }}" if len(t.split(" ")) > 1 else "{{ .missing | " + t + " }}")

many("paths", "path", [
    '{{ base "a/b/c.txt" }}', '{{ base "/" }}', '{{ base "" }}', '{{ base "a/b/" }}', '{{ dir "a/b/c" }}', '{{ dir "c" }}',
    '{{ dir "/a" }}', '{{ clean "a//b/../c/." }}', '{{ clean "" }}', '{{ clean "/../a" }}', '{{ clean "../../a" }}',
    '{{ ext "a/b.tar.gz" }}', '{{ ext "a.d/b" }}', '{{ isAbs "/x" }}', '{{ isAbs "x" }}',
])

# --- more toYaml shapes: nesting, long strings inside nested maps and lists, special keys
DEEP = {"a": {"b": {"c": {"d": ["x", {"e": "word " * 25}]}}}, "l": [["word " * 20, "y"], [{"k": "tab\t " + "w " * 50}]],
        "s": ["a\nb", {"m": "c\nd\n"}], "q": {"yes": "no", "on": ["off", "y"], "1.5": 1.5}, "e": {"el": [], "em": {}, "n": None}}
for k, v in DEEP.items():
    case("toyaml", f"deep-{k}", "{{ toYaml .v }}", {"v": v})
case("toyaml", "deep-all", "{{ toYaml . }}", DEEP)
case("toyaml", "deep-indented", "spec:\n  {{- toYaml . | nindent 2 }}", DEEP)
case("toyaml", "long-single", "{{ toYaml .v }}", {"v": ["'" + "word " * 25, "- " + "word " * 25, "x: " + "word " * 25]})
case("toyaml", "long-nospace", "{{ toYaml .v }}", {"v": {"k": "x" * 200}})
case("toyaml", "long-double-spaces", "{{ toYaml .v }}", {"v": {"k": "tab\t" + "ab  " * 40}})
case("toyaml", "unicode", "{{ toYaml .v }}", {"v": ["é", "日本語", "\u2028x", "\ufeffbom", "\u00e9\u0301", "\U0001F600 x", "a\u0085\u0085b", "a \u0085 b"]})
for i, c in enumerate(["\u007f", "\u0080", "\u009f", "\ufffe", "\u0085"]):
    case("toyaml", f"reader-{i}", "{{ toYaml .v }}", {"v": {"k": "a" + c, c: 1}})
case("toyaml", "key-order", "{{ toYaml .v }}", {"v": {k: 1 for k in ["b2", "b10", "b02", "a_b", "a-b", "a.b", "aB", "Ab", "ä", "z", "Z", "0", "00", "9x", "x9", "x09", "x010"]}})
case("toyaml", "floats-list", "{{ toYaml .v }}", {"v": [0.5, -1.25, 1e-5, 12345678.9, 1e15, 1e16, 123456789012345678, 0.30000000000000004]})
case("toyaml", "yaml-data", "{{ toYaml . }}", None)


many("strings", "more", [
    '{{ camelcase "foo_bar baz-qux" }}', '{{ camelcase "_foo__bar" }}', '{{ camelcase "HTTP_server" }}', '{{ camelcase "" }}|',
    '{{ camelcase "a" }}', '{{ camelcase "__" }}', '{{ swapcase "Hello World ß" }}', '{{ initials "hello big world" }}',
    '{{ initials "  a  b" }}', '{{ abbrev 5 "hello world" }}', '{{ abbrev 3 "hello world" }}|', '{{ abbrev 20 "hello" }}',
    '{{ abbrevboth 5 10 "1234 5678 9123 4567" }}', '{{ abbrevboth 0 5 "hello world" }}', '{{ abbrevboth 2 6 "hello world" }}',
    '{{ abbrevboth 20 10 "1234 5678 9123 4567" }}', '{{ toDecimal "0777" }}', '{{ toDecimal 777 }}', '{{ toDecimal "8" }}',
    '{{ toDecimal .nil }}', '{{ b32enc "hello" }}', '{{ b32enc "" }}|', '{{ b32enc "a" }}', '{{ b32enc "abcd" }}',
    '{{ b32dec "NBSWY3DP" }}', '{{ b32dec "ME======" }}', '{{ b32dec "MFRGGZA=" }}', '{{ b32dec "bad" }}', '{{ b32dec "M1======" }}',
    '{{ osBase "a/b" }}', '{{ osDir "a/b" }}', '{{ osClean "a//b" }}', '{{ osExt "x.y" }}', '{{ osIsAbs "/x" }}',
    '{{ sortAlpha .lmix }}', '{{ sortAlpha .s }}', '{{ sortAlpha .ln }}',
])
many("lists", "must", [
    '{{ mustAppend .l "x" }}', '{{ mustAppend .s "x" }}', '{{ mustPrepend .l "x" }}', '{{ mustFirst .l }}', '{{ mustFirst .s }}',
    '{{ mustLast .l }}', '{{ mustRest .l }}', '{{ mustInitial .l }}', '{{ mustReverse .l }}', '{{ mustUniq .ldup }}',
    '{{ mustWithout .l "a" }}', '{{ mustHas "a" .l }}', '{{ mustHas "a" .s }}', '{{ mustCompact .lmix }}', '{{ mustSlice .l 1 }}',
    '{{ mustChunk 2 .ln }}', '{{ mustDeepCopy .m }}', '{{ mustRegexMatch "^h" .s }}', '{{ mustRegexMatch "[" .s }}',
    '{{ mustRegexFind "l+" .s }}', '{{ mustRegexFindAll "l" .s -1 }}', '{{ mustRegexReplaceAll "l" .s "L" }}',
    '{{ mustRegexReplaceAllLiteral "l" .s "$0" }}', '{{ mustRegexSplit "l" .s -1 }}', '{{ mustMerge (dict "a" 1) (dict "b" 2) }}',
    '{{ mustMergeOverwrite (dict "a" 1) (dict "a" 2) }}', '{{ regexFind "[" .s }}', '{{ reverse .s }}',
])
many("json", "variants", [
    '{{ toPrettyJson . }}', '{{ toPrettyJson .el }}', '{{ toPrettyJson .em }}', '{{ toPrettyJson (list 1 (dict "a" (list))) }}',
    '{{ toRawJson "<a & b>" }}', '{{ toRawJson .m }}', '{{ mustToJson .m }}', '{{ mustToPrettyJson .l }}', '{{ mustToRawJson "<>" }}',
    '{{ toPrettyJson .nil }}', '{{ toPrettyJson "x" }}',
])


# --- YAML data (yaml.v2: integers stay int, uint64 beyond int64, YAML 1.1 booleans)
YDATA = "i: 3\nbig: 18446744073709551615\nneg: -9223372036854775808\nf: 1.0\nb: yes\ns: '010'\no: 0o17\nl: [1, two, 3.5]\nm: {k: v}\n"
many("yamldata", "ydata", [
    '{{ toYaml . }}', '{{ toJson . }}', '{{ int .i }}', '{{ int .big }}', '{{ int64 .neg }}', '{{ float64 .i }}', '{{ add .i .i }}',
    '{{ toString .big }}', '{{ quote .f }}', '{{ int .s }}', '{{ atoi .s }}', '{{ typeOf .i }}', '{{ kindOf .big }}', '{{ toToml . }}',
    '{{ max .i .big }}', '{{ empty .b }}', '{{ default 5 .i }}', '{{ trunc .i "abcdef" }}', '{{ indent .i "x" }}', '{{ until .i }}',
])
for i, t in enumerate(['{{ toYaml . }}', '{{ toJson . }}']):
    case("yamldata", f"shapes-{i}", t, "a: [1, [2, {b: null}], {}]\nc: ~\nd: 2001-12-14\ne: 1e3\nf: .inf\n")
many("semver", "kube", [
    '{{ semverCompare ">=1.21-0" "v1.28.3+k3s1" }}', '{{ semverCompare "<1.25.0-0" "v1.24.17-gke.200" }}',
    '{{ semverCompare ">=1.19.0-0" "1.19.0" }}', '{{ semverCompare ">= 1.19.0-0, < 1.27.0-0" "v1.26.5-eks-0a21954" }}',
    '{{ semverCompare "~1.26.0-0" "1.26.9" }}', '{{ semverCompare "^1.26.0-0" "1.30.0-rc.0" }}', '{{ semverCompare "1.x" "1.30.1" }}',
    '{{ semverCompare ">=v1.20.0" "1.21.0" }}', '{{ semverCompare "> 1.2.x" "1.3.0" }}', '{{ semverCompare "<= 1.2.x" "1.2.9" }}',
    '{{ semverCompare "!=1.2.x" "1.3.0" }}', '{{ semverCompare "!=1.2.x" "1.2.4" }}', '{{ semverCompare "" "1.0.0" }}',
    '{{ semverCompare "=" "1.0.0" }}', '{{ semverCompare ">=1.0 <=2.0 || ^3" "3.1.0" }}', '{{ semverCompare "1.2.3 - 2.3" "2.3.9" }}',
])


# --- random toYaml values (seeded): strings from YAML-significant pieces, nested shapes
import random
rng = random.Random(20261125)
PIECES = ["a", "b", " ", "  ", "\n", "\t", ":", ": ", "#", " #", "-", "- ", "?", "'", '"', "\\", "{", "}", "[", "]", ",",
          "&", "*", "!", "|", ">", "%", "@", "`", "yes", "no", "on", "null", "~", "true", "1", "0", "1.5", "0x1", "1e3",
          "2001-12-14", "12:30", ".", "...", "---", "é", "\u00a0", "\r", "word word word word word ", "=", "<<", "+", "_"]


def rstr():
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))


def rval(depth):
    k = rng.randint(0, 9 if depth < 3 else 5)
    if k <= 3:
        return rstr()
    if k == 4:
        return rng.choice([0, 1, -1, 1.5, 1e6, 1e21, 0.1, 123456.789, 2 ** 53, None, True, False])
    if k == 5:
        return rng.choice([[], {}, None])
    if k <= 7:
        return [rval(depth + 1) for _ in range(rng.randint(1, 3))]
    return {rstr(): rval(depth + 1) for _ in range(rng.randint(1, 3))}


for i in range(300):
    case("toyaml-random", f"r{i:03d}", "{{ toYaml .v }}", {"v": rval(0)})


many("strings", "xstrings", ["{{ snakecase \"FirstName\" }}|", "{{ kebabcase \"FirstName\" }}|", "{{ camelcase \"FirstName\" }}|", "{{ snakecase \"HTTPServer\" }}|", "{{ kebabcase \"HTTPServer\" }}|", "{{ camelcase \"HTTPServer\" }}|", "{{ snakecase \"NoHTTPS\" }}|", "{{ kebabcase \"NoHTTPS\" }}|", "{{ camelcase \"NoHTTPS\" }}|", "{{ snakecase \"GO_PATH\" }}|", "{{ kebabcase \"GO_PATH\" }}|", "{{ camelcase \"GO_PATH\" }}|", "{{ snakecase \"GO PATH\" }}|", "{{ kebabcase \"GO PATH\" }}|", "{{ camelcase \"GO PATH\" }}|", "{{ snakecase \"GO-PATH\" }}|", "{{ kebabcase \"GO-PATH\" }}|", "{{ camelcase \"GO-PATH\" }}|", "{{ snakecase \"http2xx\" }}|", "{{ kebabcase \"http2xx\" }}|", "{{ camelcase \"http2xx\" }}|", "{{ snakecase \"HTTP20xOK\" }}|", "{{ kebabcase \"HTTP20xOK\" }}|", "{{ camelcase \"HTTP20xOK\" }}|", "{{ snakecase \"Duration2m3s\" }}|", "{{ kebabcase \"Duration2m3s\" }}|", "{{ camelcase \"Duration2m3s\" }}|", "{{ snakecase \"Bld4Floor3rd\" }}|", "{{ kebabcase \"Bld4Floor3rd\" }}|", "{{ camelcase \"Bld4Floor3rd\" }}|", "{{ snakecase \"a\" }}|", "{{ kebabcase \"a\" }}|", "{{ camelcase \"a\" }}|", "{{ snakecase \"A\" }}|", "{{ kebabcase \"A\" }}|", "{{ camelcase \"A\" }}|", "{{ snakecase \"\" }}|", "{{ kebabcase \"\" }}|", "{{ camelcase \"\" }}|", "{{ snakecase \"_complex__case_\" }}|", "{{ kebabcase \"_complex__case_\" }}|", "{{ camelcase \"_complex__case_\" }}|", "{{ snakecase \"--Hello  World--\" }}|", "{{ kebabcase \"--Hello  World--\" }}|", "{{ camelcase \"--Hello  World--\" }}|", "{{ snakecase \"fooBar.baz\" }}|", "{{ kebabcase \"fooBar.baz\" }}|", "{{ camelcase \"fooBar.baz\" }}|", "{{ snakecase \"foo1Bar\" }}|", "{{ kebabcase \"foo1Bar\" }}|", "{{ camelcase \"foo1Bar\" }}|", "{{ snakecase \"foo1bar\" }}|", "{{ kebabcase \"foo1bar\" }}|", "{{ camelcase \"foo1bar\" }}|", "{{ snakecase \"Foo123\" }}|", "{{ kebabcase \"Foo123\" }}|", "{{ camelcase \"Foo123\" }}|", "{{ snakecase \"123Foo\" }}|", "{{ kebabcase \"123Foo\" }}|", "{{ camelcase \"123Foo\" }}|", "{{ snakecase \"abc-123-DEF\" }}|", "{{ kebabcase \"abc-123-DEF\" }}|", "{{ camelcase \"abc-123-DEF\" }}|", "{{ snakecase \"ÉtéFort\" }}|", "{{ kebabcase \"ÉtéFort\" }}|", "{{ camelcase \"ÉtéFort\" }}|", "{{ snakecase \"already_snake\" }}|", "{{ kebabcase \"already_snake\" }}|", "{{ camelcase \"already_snake\" }}|", "{{ snakecase \"kebab-case-x\" }}|", "{{ kebabcase \"kebab-case-x\" }}|", "{{ camelcase \"kebab-case-x\" }}|", "{{ snakecase \"XMLHttpRequest\" }}|", "{{ kebabcase \"XMLHttpRequest\" }}|", "{{ camelcase \"XMLHttpRequest\" }}|", "{{ snakecase \"iOS\" }}|", "{{ kebabcase \"iOS\" }}|", "{{ camelcase \"iOS\" }}|", "{{ snakecase \"v1.2.3\" }}|", "{{ kebabcase \"v1.2.3\" }}|", "{{ camelcase \"v1.2.3\" }}|", "{{ snakecase \"a__b\" }}|", "{{ kebabcase \"a__b\" }}|", "{{ camelcase \"a__b\" }}|", "{{ snakecase \"ä1ö\" }}|", "{{ kebabcase \"ä1ö\" }}|", "{{ camelcase \"ä1ö\" }}|", "{{ snakecase \"CamelCase2String\" }}|", "{{ kebabcase \"CamelCase2String\" }}|", "{{ camelcase \"CamelCase2String\" }}|"])


many("strings", "wrap", [
    '{{ wrap 10 "the quick brown fox jumps over the lazy dog" }}', '{{ wrap 3 "abcdefgh ij" }}', '{{ wrap 0 "a b c" }}',
    '{{ wrap 80 "short" }}', '{{ wrap 5 "  leading spaces here" }}', '{{ wrap 4 "" }}|', '{{ wrapWith 5 "\\n" "abcdefghij klm" }}',
    '{{ wrapWith 3 "<br>" "abcdefgh ij" }}', '{{ wrapWith 10 "" "the quick brown fox" }}', '{{ wrap 5 "aaaaaaaaaa" }}',
    '{{ wrap 5 "aaaaaaaaaa bbb" }}', '{{ wrap -1 "a b" }}',
])


many("json", "mustfromjson", [
    '{{ mustFromJson "{\\"a\\": [1, 2.5]}" }}', '{{ mustFromJson "[1]" }}', '{{ mustFromJson "3" | typeOf }}', '{{ mustFromJson "{x" }}',
    '{{ mustFromJson "" }}', '{{ hello }}', '{{ htmlDateInZone 0 "UTC" }}',
])


# --- random merges (mergo 0.3.12 rules): both results and the mutated destination
def rmerge_val(depth):
    k = rng.randint(0, 9 if depth < 2 else 6)
    if k <= 6:
        return rng.choice(["", "x", 0, 1, False, True, None, [], [1], {}])
    return {rng.choice("abc"): rmerge_val(depth + 1) for _ in range(rng.randint(0, 3))}


def rmerge_map():
    return {rng.choice("abcd"): rmerge_val(0) for _ in range(rng.randint(0, 4))}


for i in range(100):
    fn = "merge" if i % 2 == 0 else "mergeOverwrite"
    case("merge-random", f"m{i:03d}", "{{ $r := %s .a .b .c }}{{ toJson $r }}|{{ toJson .a }}|{{ toJson .b }}" % fn,
         {"a": rmerge_map(), "b": rmerge_map(), "c": rmerge_map()})

# --- random semver constraints against versions
OPS = ["", "=", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "^"]
def rver(loose):
    parts = [str(rng.choice([0, 1, 2, 10]))]
    for _ in range(rng.randint(0, 2)):
        parts.append(rng.choice(["0", "1", "2", "x", "*"]) if loose else str(rng.choice([0, 1, 2, 3])))
    v = ".".join(parts)
    if rng.random() < 0.3:
        v += "-" + rng.choice(["0", "alpha", "alpha.1", "rc.2", "beta", "eks-123", "1"])
    if rng.random() < 0.1:
        v += "+meta"
    if rng.random() < 0.2:
        v = "v" + v
    return v


for i in range(200):
    terms = []
    for _ in range(rng.randint(1, 2)):
        terms.append(rng.choice(OPS) + rng.choice(["", " "]) + rver(True))
    c = rng.choice([" ", ", "]).join(terms)
    if rng.random() < 0.2:
        c += " || " + rng.choice(OPS) + rver(True)
    if rng.random() < 0.05:
        c = rver(False) + " - " + rver(False)
    case("semver-random", f"s{i:03d}", "{{ semverCompare .c .v }}", {"c": c, "v": rver(False)})

# --- random toToml values
def rtoml(depth):
    k = rng.randint(0, 9 if depth < 2 else 5)
    if k <= 4:
        return rng.choice(["s", "a b", "q\"", 1, 0, -2, 1.5, 3.0, True, False, None])
    if k == 5:
        return [rng.choice([1, "x", 2.5, True]) for _ in range(rng.randint(0, 3))]
    if k == 6:
        return [{rng.choice(["k", "j"]): rtoml(depth + 1)} for _ in range(rng.randint(1, 2))]
    return {rng.choice(["a", "b", "c d", "e.f", "_g"]): rtoml(depth + 1) for _ in range(rng.randint(0, 3))}


for i in range(60):
    case("toml-random", f"t{i:03d}", "{{ toToml .v }}", {"v": {rng.choice(["x", "y", "z w"]): rtoml(0) for _ in range(rng.randint(1, 4))}})


# --- literal nil, and missing keys under missingkey=default (Go's invalid value: nil maps are
# accepted for map parameters, other types fail)
LITERAL_NIL = ['get nil "a"', 'hasKey nil "a"', 'merge nil (dict "a" 1)', 'merge (dict "a" 1) nil', 'keys nil', 'set nil "a" 1',
               'unset nil "a"', 'pick nil "a"', 'omit nil "a"', 'values nil', 'pluck "a" nil', 'default "x" nil', 'quote nil',
               'trim nil', 'toYaml nil', 'toJson nil', 'list nil 1', 'empty nil', 'ternary 1 2 nil', 'indent 2 nil', 'first nil',
               'append nil 1', 'toString nil', 'int nil', 'kindOf nil', 'typeOf nil', 'coalesce nil 1', 'required "r" nil',
               'dict "a" nil', 'has nil (list nil)', 'b64enc nil', 'sha256sum nil', 'semverCompare nil "1.0.0"']
for i, t in enumerate(LITERAL_NIL):
    case("nil-literal", f"lit-{i:02d}", "{{ " + t + " }}|")
    case("nil-default", f"missing-{i:02d}", "{{ " + t.replace("nil", ".missing") + " }}|", None, "default")


def write():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    names = set()
    for family, name, tmpl, data, missingkey in cases:
        path = os.path.join(OUT, family, name + ".case")
        assert path not in names, path
        names.add(path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        d = VALUES if data is None else data
        with open(path, "w") as f:
            f.write(f"# {family}: generated by gen.py\n")
            f.write(f"-- options --\nmissingkey={missingkey}\n")
            if isinstance(d, str):
                f.write("-- data.yaml --\n" + d + "\n")
            else:
                f.write("-- data.json --\n" + json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n")
            f.write("-- tmpl t --\n" + tmpl + "\n")
    print(f"{len(cases)} cases")


write()
