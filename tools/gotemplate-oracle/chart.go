package main

// Chart mode: Helm's engine glue around text/template + Sprig, written after Helm's
// pkg/engine/engine.go, files.go and pkg/chartutil (our own code, a reference for crates/helm's
// renderer, used only by tests):
//
//	gotemplate-oracle --chart DIR [--values FILE]... [--set k=v]... [--release NAME]
//	                  [--namespace NS] [--kube-version V] [--api-version GV]... [--repeat N]
//
// loads DIR (a chart directory; subcharts as directories under charts/), coalesces values
// (chart defaults, subchart defaults under their name, globals copied down, null deletes;
// values decoded YAML -> JSON so numbers are float64; --set integers are int64 as Helm's
// strvals makes them), parses every template into one set named "gotpl" under Helm's names
// (<chart>/templates/<path>, <parent>/charts/<sub>/templates/<path>) in Helm's order (more
// slashes first, then by name descending), with missingkey=zero, include (nesting limit 1000),
// tpl (clone of the set, parsed as "gotpl", <no value> stripped), required/fail (errors rewritten
// as "execution error at (<template>:<line>:<col>): <msg>"), lookup (an empty map), and .Files,
// .Capabilities, .Release, .Chart, .Subcharts, .Template. Every executed template (partials
// skipped, NOTES.txt included, library charts only partials) is printed as
// "---\n# Source: NAME\n<output>" in parse order. On error: the error on stderr, exit status 1.
// --repeat N first loads and renders N times and prints the mean time per load+render to stderr
// (the benchmark against crates/helm). Not implemented: .tgz charts, .helmignore,
// conditions/tags, import-values, aliases, schemas; .Chart is a map (Helm's is a struct).

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/ghodss/yaml"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type ochart struct {
	name     string
	meta     map[string]interface{}
	library  bool
	values   map[string]interface{}
	tpls     map[string]string // templates/x.yaml -> text
	files    map[string][]byte
	children []*ochart
}

func loadChart(dir string) (*ochart, error) {
	c := &ochart{tpls: map[string]string{}, files: map[string][]byte{}, values: map[string]interface{}{}}
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	var md map[string]interface{}
	if err := yaml.Unmarshal(raw, &md); err != nil {
		return nil, fmt.Errorf("%s/Chart.yaml: %v", dir, err)
	}
	c.meta = chartMeta(md)
	c.name, _ = md["name"].(string)
	c.library = md["type"] == "library"
	if raw, err := os.ReadFile(filepath.Join(dir, "values.yaml")); err == nil {
		if err := yaml.Unmarshal(raw, &c.values); err != nil {
			return nil, fmt.Errorf("%s/values.yaml: %v", dir, err)
		}
		if c.values == nil {
			c.values = map[string]interface{}{}
		}
	}
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			if rel == "charts" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json":
		case strings.HasPrefix(rel, "templates/"):
			c.tpls[rel] = string(data)
		default:
			c.files[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	subs, _ := os.ReadDir(filepath.Join(dir, "charts"))
	for _, s := range subs {
		if !s.IsDir() || strings.HasPrefix(s.Name(), "_") || strings.HasPrefix(s.Name(), ".") {
			continue
		}
		sub, err := loadChart(filepath.Join(dir, "charts", s.Name()))
		if err != nil {
			return nil, err
		}
		c.children = append(c.children, sub)
	}
	sort.Slice(c.children, func(i, j int) bool { return c.children[i].name < c.children[j].name })
	return c, nil
}

// chartMeta: .Chart with Helm's Go field names (the fields our fixtures use).
func chartMeta(md map[string]interface{}) map[string]interface{} {
	str := func(k string) string {
		if v, ok := md[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	ann := map[string]interface{}{}
	if a, ok := md["annotations"].(map[string]interface{}); ok {
		for k, v := range a {
			ann[k] = fmt.Sprint(v)
		}
	}
	return map[string]interface{}{
		"Name": str("name"), "Version": str("version"), "AppVersion": str("appVersion"),
		"APIVersion": str("apiVersion"), "Description": str("description"), "Type": str("type"),
		"Home": str("home"), "Icon": str("icon"), "KubeVersion": str("kubeVersion"),
		"Condition": str("condition"), "Tags": str("tags"), "Deprecated": md["deprecated"] == true,
		"Annotations": ann,
	}
}

func istable(v interface{}) bool { _, ok := v.(map[string]interface{}); return ok }

func copyMap(m map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(m))
	for k, v := range m {
		if mm, ok := v.(map[string]interface{}); ok {
			out[k] = copyMap(mm)
		} else {
			out[k] = v
		}
	}
	return out
}

// coalesceTables: src under dst (dst wins; a nil in dst deletes the key).
func coalesceTables(dst, src map[string]interface{}) {
	for k, sv := range src {
		dv, ok := dst[k]
		switch {
		case ok && dv == nil:
			delete(dst, k)
		case !ok:
			dst[k] = sv
		case istable(sv) && istable(dv):
			coalesceTables(dv.(map[string]interface{}), sv.(map[string]interface{}))
		}
	}
}

func coalesceChart(c *ochart, dest map[string]interface{}) map[string]interface{} {
	coalesceTables(dest, copyMap(c.values))
	for _, sub := range c.children {
		dv, ok := dest[sub.name].(map[string]interface{})
		if !ok {
			dv = map[string]interface{}{}
		}
		// Globals: the parent's win over the subchart's.
		dg, _ := dv["global"].(map[string]interface{})
		if dg == nil {
			dg = map[string]interface{}{}
		}
		if sg, ok := dest["global"].(map[string]interface{}); ok {
			for k, v := range sg {
				if vm, ok := v.(map[string]interface{}); ok {
					vv := copyMap(vm)
					if dm, ok := dg[k].(map[string]interface{}); ok {
						mergeOver(vv, dm)
					}
					dg[k] = vv
				} else if !istable(dg[k]) {
					dg[k] = v
				}
			}
		}
		dv["global"] = dg
		dest[sub.name] = coalesceChart(sub, dv)
	}
	return dest
}

// mergeOver: keys of src missing in dst are added (tables recursively).
func mergeOver(dst, src map[string]interface{}) {
	for k, sv := range src {
		if dv, ok := dst[k]; !ok {
			dst[k] = sv
		} else if istable(dv) && istable(sv) {
			mergeOver(dv.(map[string]interface{}), sv.(map[string]interface{}))
		}
	}
}

// mergeValues: Helm's mergeMaps for -f files (b wins, maps merged).
func mergeValues(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeValues(bv, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// setValue: a simple --set (dotted keys, Helm's typedVal).
func setValue(vals map[string]interface{}, kv string) error {
	eq := strings.Index(kv, "=")
	if eq < 0 {
		return fmt.Errorf("key %q has no value", kv)
	}
	keys, s := strings.Split(kv[:eq], "."), kv[eq+1:]
	var v interface{} = s
	switch {
	case strings.EqualFold(s, "true"):
		v = true
	case strings.EqualFold(s, "false"):
		v = false
	case strings.EqualFold(s, "null"):
		v = nil
	case s == "0":
		v = int64(0)
	case len(s) > 0 && s[0] != '0':
		if iv, err := strconv.ParseInt(s, 10, 64); err == nil {
			v = iv
		}
	}
	m := vals
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
	return nil
}

// Capabilities, as Helm's chartutil types.
type okubeVersion struct{ Version, Major, Minor string }

func (kv *okubeVersion) String() string     { return kv.Version }
func (kv *okubeVersion) GitVersion() string { return kv.Version }

type oversionSet []string

func (v oversionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

type ocapabilities struct {
	KubeVersion okubeVersion
	APIVersions oversionSet
	HelmVersion map[string]interface{}
}

var defaultAPIVersions = []string{
	"v1", "admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1",
	"internal.apiserver.k8s.io/v1alpha1", "apps/v1", "apps/v1beta1", "apps/v1beta2",
	"authentication.k8s.io/v1", "authentication.k8s.io/v1beta1", "authorization.k8s.io/v1",
	"authorization.k8s.io/v1beta1", "autoscaling/v1", "autoscaling/v2", "autoscaling/v2beta1",
	"autoscaling/v2beta2", "batch/v1", "batch/v1beta1", "certificates.k8s.io/v1",
	"certificates.k8s.io/v1beta1", "coordination.k8s.io/v1", "coordination.k8s.io/v1beta1",
	"discovery.k8s.io/v1", "discovery.k8s.io/v1beta1", "events.k8s.io/v1", "events.k8s.io/v1beta1",
	"extensions/v1beta1", "flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta3",
	"networking.k8s.io/v1", "networking.k8s.io/v1beta1", "node.k8s.io/v1", "node.k8s.io/v1beta1",
	"policy/v1", "policy/v1beta1", "rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1",
	"scheduling.k8s.io/v1", "scheduling.k8s.io/v1beta1", "storage.k8s.io/v1", "storage.k8s.io/v1beta1",
	"apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1",
}

func parseKubeVersion(s string) (okubeVersion, error) {
	re := regexp.MustCompile(`^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?$`)
	m := re.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return okubeVersion{}, fmt.Errorf("invalid kube version %q", s)
	}
	minor, patch := m[2], m[3]
	if minor == "" {
		minor = "0"
	}
	if patch == "" {
		patch = "0"
	}
	return okubeVersion{Version: "v" + m[1] + "." + minor + "." + patch, Major: m[1], Minor: minor}, nil
}

// Files, as Helm's engine.files.
type ofiles map[string][]byte

func (f ofiles) GetBytes(name string) []byte {
	if v, ok := f[name]; ok {
		return v
	}
	return []byte{}
}
func (f ofiles) Get(name string) string { return string(f.GetBytes(name)) }
func (f ofiles) Glob(pattern string) ofiles {
	nf := ofiles{}
	pats := expandBraces(pattern)
	for name, data := range f {
		for _, p := range pats {
			if globMatch([]rune(p), []rune(name)) {
				nf[name] = data
				break
			}
		}
	}
	return nf
}
func (f ofiles) AsConfig() string {
	m := map[string]string{}
	for k, v := range f {
		m[path.Base(k)] = string(v)
	}
	return toYAML(m)
}
func (f ofiles) AsSecrets() string {
	m := map[string]string{}
	for k, v := range f {
		m[path.Base(k)] = base64.StdEncoding.EncodeToString(v)
	}
	return toYAML(m)
}
func (f ofiles) Lines(p string) []string {
	if f == nil || f[p] == nil {
		return []string{}
	}
	s := string(f[p])
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return strings.Split(s, "\n")
}

func expandBraces(p string) []string {
	depth, start := 0, -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			if depth == 0 {
				start = i
			}
			depth++
		case '}':
			if depth == 0 {
				continue
			}
			depth--
			if depth == 0 {
				inner := p[start+1 : i]
				var alts []string
				d, last := 0, 0
				for j := 0; j < len(inner); j++ {
					switch inner[j] {
					case '\\':
						j++
					case '{':
						d++
					case '}':
						if d > 0 {
							d--
						}
					case ',':
						if d == 0 {
							alts = append(alts, inner[last:j])
							last = j + 1
						}
					}
				}
				alts = append(alts, inner[last:])
				var out []string
				for _, alt := range alts {
					for _, rest := range expandBraces(alt + p[i+1:]) {
						out = append(out, p[:start]+rest)
					}
				}
				return out
			}
		}
	}
	return []string{p}
}

func globMatch(p, s []rune) bool {
	if len(p) == 0 {
		return len(s) == 0
	}
	switch p[0] {
	case '*':
		super := len(p) > 1 && p[1] == '*'
		next := p[1:]
		if super {
			next = p[2:]
		}
		for k := 0; ; k++ {
			if globMatch(next, s[k:]) {
				return true
			}
			if k >= len(s) || (!super && s[k] == '/') {
				return false
			}
		}
	case '?':
		return len(s) > 0 && s[0] != '/' && globMatch(p[1:], s[1:])
	case '[':
		if len(s) == 0 {
			return false
		}
		ch, j := s[0], 1
		negate := j < len(p) && (p[j] == '!' || p[j] == '^')
		if negate {
			j++
		}
		matched, first := false, true
		for j < len(p) && (first || p[j] != ']') {
			first = false
			lo := p[j]
			if j+2 < len(p) && p[j+1] == '-' && p[j+2] != ']' {
				if lo <= ch && ch <= p[j+2] {
					matched = true
				}
				j += 3
			} else {
				if lo == ch {
					matched = true
				}
				j++
			}
		}
		if j >= len(p) {
			return ch == '[' && globMatch(p[1:], s[1:])
		}
		return matched != negate && ch != '/' && globMatch(p[j+1:], s[1:])
	case '\\':
		if len(p) > 1 {
			return len(s) > 0 && s[0] == p[1] && globMatch(p[2:], s[1:])
		}
	}
	return len(s) > 0 && s[0] == p[0] && globMatch(p[1:], s[1:])
}

type renderable struct {
	name, text, basePath string
	vals                 map[string]interface{}
}

func collectTemplates(c *ochart, chartPath string, values map[string]interface{}, common map[string]interface{}, out *[]renderable) map[string]interface{} {
	subcharts := map[string]interface{}{}
	meta := copyMap(c.meta)
	meta["IsRoot"] = !strings.Contains(chartPath, "/")
	next := map[string]interface{}{
		"Chart": meta, "Files": ofiles(c.files), "Release": common["Release"],
		"Capabilities": common["Capabilities"], "Values": values, "Subcharts": subcharts,
	}
	for _, sub := range c.children {
		sv, ok := values[sub.name].(map[string]interface{})
		if !ok {
			sv = map[string]interface{}{}
		}
		subcharts[sub.name] = collectTemplates(sub, chartPath+"/charts/"+sub.name, sv, common, out)
	}
	for name, text := range c.tpls {
		if c.library && !strings.HasPrefix(path.Base(name), "_") {
			continue
		}
		*out = append(*out, renderable{name: chartPath + "/" + name, text: text, basePath: chartPath + "/templates", vals: next})
	}
	return next
}

const warnStart, warnEnd = "HELM_ERR_START", "HELM_ERR_END"

var warnRegex = regexp.MustCompile(warnStart + `(.*)` + warnEnd)

func engineFuncs(t *template.Template, included map[string]int) template.FuncMap {
	return template.FuncMap{
		"include": func(name string, data interface{}) (string, error) {
			var buf strings.Builder
			if v, ok := included[name]; ok {
				if v > 1000 {
					return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
				}
				included[name]++
			} else {
				included[name] = 1
			}
			err := t.ExecuteTemplate(&buf, name, data)
			included[name]--
			return buf.String(), err
		},
		"tpl": func(text string, vals interface{}) (string, error) {
			clone, err := t.Clone()
			if err != nil {
				return "", fmt.Errorf("cannot clone template: %v", err)
			}
			clone.Option("missingkey=zero")
			clone.Funcs(engineFuncs(clone, included))
			nt, err := clone.New(t.Name()).Parse(text)
			if err != nil {
				return "", fmt.Errorf("cannot parse template %q: %v", text, err)
			}
			var buf strings.Builder
			if err := nt.Execute(&buf, vals); err != nil {
				return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
			}
			return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
		},
	}
}

// runChart renders the chart and writes the output (partial on error) to stdout; with repeat > 0
// it first loads and renders repeat times and prints the mean time per render to stderr.
func runChart(dir string, valueFiles, sets []string, release, namespace, kubeVersion string, apiVersions []string, repeat int) error {
	if repeat > 0 {
		start := time.Now()
		for i := 0; i < repeat; i++ {
			if _, err := renderChart(dir, valueFiles, sets, release, namespace, kubeVersion, apiVersions); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "%d runs, %.1f us per load+render\n", repeat, float64(time.Since(start).Microseconds())/float64(repeat))
	}
	out, err := renderChart(dir, valueFiles, sets, release, namespace, kubeVersion, apiVersions)
	os.Stdout.WriteString(out)
	return err
}

func renderChart(dir string, valueFiles, sets []string, release, namespace, kubeVersion string, apiVersions []string) (string, error) {
	c, err := loadChart(dir)
	if err != nil {
		return "", err
	}
	user := map[string]interface{}{}
	for _, f := range valueFiles {
		raw, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		m := map[string]interface{}{}
		if err := yaml.Unmarshal(raw, &m); err != nil {
			return "", fmt.Errorf("failed to parse %s: %v", f, err)
		}
		user = mergeValues(user, m)
	}
	for _, s := range sets {
		if err := setValue(user, s); err != nil {
			return "", err
		}
	}
	values := coalesceChart(c, copyMap(user))
	kv, err := parseKubeVersion(kubeVersion)
	if err != nil {
		return "", err
	}
	caps := &ocapabilities{
		KubeVersion: kv,
		APIVersions: append(append(oversionSet{}, defaultAPIVersions...), apiVersions...),
		HelmVersion: map[string]interface{}{"Version": "v3.17.0", "GitCommit": "", "GitTreeState": "", "GoVersion": ""},
	}
	common := map[string]interface{}{
		"Release": map[string]interface{}{
			"Name": release, "Namespace": namespace, "IsUpgrade": false, "IsInstall": true,
			"Revision": 1, "Service": "Helm",
		},
		"Capabilities": caps,
	}
	var tpls []renderable
	collectTemplates(c, c.name, values, common, &tpls)
	sort.Slice(tpls, func(i, j int) bool {
		ci, cj := strings.Count(tpls[i].name, "/"), strings.Count(tpls[j].name, "/")
		if ci != cj {
			return ci > cj
		}
		return tpls[i].name > tpls[j].name
	})

	t := template.New("gotpl").Option("missingkey=zero")
	funcs := helmFuncMap()
	funcs["required"] = func(warn string, val interface{}) (interface{}, error) {
		if val == nil {
			return val, errors.New(warnStart + warn + warnEnd)
		} else if s, ok := val.(string); ok && s == "" {
			return val, errors.New(warnStart + warn + warnEnd)
		}
		return val, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(warnStart + msg + warnEnd) }
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	for k, v := range engineFuncs(t, map[string]int{}) {
		funcs[k] = v
	}
	t.Funcs(funcs)
	for _, r := range tpls {
		if _, err := t.New(r.name).Parse(r.text); err != nil {
			tokens := strings.Split(err.Error(), ": ")
			if len(tokens) == 1 {
				return "", fmt.Errorf("parse error in (%s): %s", r.name, err)
			}
			return "", fmt.Errorf("parse error at (%s): %s", tokens[1], tokens[len(tokens)-1])
		}
	}
	var out strings.Builder
	for _, r := range tpls {
		if strings.HasPrefix(path.Base(r.name), "_") {
			continue
		}
		r.vals["Template"] = map[string]interface{}{"Name": r.name, "BasePath": r.basePath}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, r.name, r.vals); err != nil {
			if _, ok := err.(template.ExecError); ok {
				tokens := strings.SplitN(err.Error(), ": ", 3)
				if len(tokens) != 3 {
					return out.String(), fmt.Errorf("execution error in (%s): %s", r.name, err)
				}
				if parts := warnRegex.FindStringSubmatch(tokens[2]); len(parts) >= 2 {
					return out.String(), fmt.Errorf("execution error at (%s): %s", tokens[1], parts[1])
				}
			}
			return out.String(), err
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s", r.name, strings.ReplaceAll(buf.String(), "<no value>", ""))
	}
	return out.String(), nil
}
