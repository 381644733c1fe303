// gotemplate-oracle renders Go text/template templates with the Go standard library, as the
// reference for the Rust crate crates/gotemplate (differential tests, benchmarks).
//
// Built in GOPATH mode from Debian packages only (golang-go, golang-gopkg-yaml.v2-dev, and for
// --sprig golang-github-masterminds-sprig-dev, golang-github-burntsushi-toml-dev,
// golang-github-ghodss-yaml-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o BIN ./tools/gotemplate-oracle
//
// Single mode:
//
//	gotemplate-oracle [--data FILE.json|FILE.yaml] [--missingkey zero|error|default] [--name T] TEMPLATE_FILE...
//
// parses every file into one template set (each file named by its base name, like
// template.ParseFiles), executes the first file (or --name) with the data and writes the output
// to stdout. On error the partial output is still written to stdout (as executing straight into
// stdout would), the error string goes to stderr and the exit status is 1. JSON data is decoded
// by encoding/json into interface{} (every number float64); YAML data by yaml.v2 (integers stay
// int) with every map converted to map[string]interface{}. No Sprig, no Helm: plain
// text/template with its builtins. --repeat N parses and executes N times first and prints the
// mean time of one parse+execute to stderr (for the benchmark against the Rust crate).
//
// Batch mode:
//
//	gotemplate-oracle --batch MANIFEST.json
//
// MANIFEST.json is a JSON array of cases:
//
//	[{"name": "case name",
//	  "templates": [{"name": "t", "text": "{{.}}"}, ...],   // the first is executed unless "exec" is set
//	  "exec": "",                                           // optional: name of the template to execute
//	  "missingkey": "",                                     // optional: default | zero | error
//	  "data_json": "...",                                   // optional: JSON text (numbers float64)
//	  "data_yaml": "...",                                   // optional: YAML text (integers int)
//	  "sprig": false}]                                      // optional: add Sprig and Helm's functions (--sprig)
//
// and the result is one JSON array on stdout, in the same order:
//
//	[{"name": "case name", "ok": true, "output": "...", "error": "", "data": TYPED}]
//
// where "output" is the (possibly partial) output and "error" the error string when ok is false;
// when the output is not valid UTF-8 (JSON strings cannot carry it), "output" holds it with
// invalid bytes replaced by U+FFFD and "output_base64" holds the exact bytes.
// Data that fails to decode is reported as a case error prefixed with "oracle: ". "data" is the
// decoded data with its Go types, so the Rust side executes with exactly the same values:
// null, true, false, {"s": "string"}, {"i": "int"}, {"u": "uint64"}, {"f": "float64 as
// strconv.FormatFloat(f, 'g', -1, 64)"}, {"l": [TYPED...]}, {"m": {"key": TYPED}}, and
// {"other": "%T"} for anything else.
//
// --sprig (single mode) or "sprig": true (a batch case) adds sprig.TxtFuncMap() (Debian's Sprig
// 3.2.3) without env/expandenv, and Helm's engine functions that need no template set (toYaml,
// fromYaml, fromYamlArray, toJson, fromJson, fromJsonArray, toToml, required, fail; see
// helm.go), as Helm's engine registers them; the reference for crates/helm's function corpus.
//
// Chart mode (Helm's engine glue over a chart directory; see chart.go):
//
//	gotemplate-oracle --chart DIR [--values FILE]... [--set k=v]... [--release NAME] [--namespace NS] [--kube-version V]
//
// Fmt mode (Go's fmt alone, for the Rust fmt module's differential test):
//
//	gotemplate-oracle --fmt-batch CALLS.json
//
// CALLS.json is a JSON array of {"func": "sprintf"|"sprint"|"sprintln", "format": "...",
// "args": [TYPED...]} (TYPED as in "data" above); the result is a JSON array of the strings
// fmt returns.
//
// X509 mode (Go's crypto/x509 on PEM; see x509.go):
//
//	gotemplate-oracle --x509 FILE.pem
//
// parses every CERTIFICATE, RSA/EC PRIVATE KEY and PRIVATE KEY block of the file and prints one
// JSON object: per certificate its subject and issuer (CN and raw DER in hex), IsCA, KeyUsage,
// ExtKeyUsage, DNS names, IPs, NotBefore/NotAfter (Unix seconds), serial bit length,
// SubjectKeyId/AuthorityKeyId (hex), signature and public key algorithms, extensions (OID,
// critical) in order, whether it is self-signed, and the error of cert.Verify with the file's
// first CA certificate as the only root ("" when it verifies); per key its type and size, the
// certificates whose public key it is, and whether Go's Marshal* gives its bytes back exactly.
//
//	gotemplate-oracle --bcrypt-verify CASES.json
//
// CASES.json is a JSON array of {"hash": "...", "password": "..."}; the result is a JSON array
// of bcrypt.CompareHashAndPassword's errors ("" for a match).
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	yaml "gopkg.in/yaml.v2"
)

type source struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type batchCase struct {
	Name       string   `json:"name"`
	Templates  []source `json:"templates"`
	Exec       string   `json:"exec"`
	MissingKey string   `json:"missingkey"`
	DataJSON   *string  `json:"data_json"`
	DataYAML   *string  `json:"data_yaml"`
	Sprig      bool     `json:"sprig"`
}

type batchResult struct {
	Name   string      `json:"name"`
	OK     bool        `json:"ok"`
	Output string      `json:"output"`
	Base64 string      `json:"output_base64,omitempty"`
	Error  string      `json:"error"`
	Data   interface{} `json:"data"`
}

// render parses the sources into one set and executes exec (the first source when empty).
func render(sources []source, exec, missingKey string, data interface{}, withSprig bool) (string, error) {
	if len(sources) == 0 {
		return "", fmt.Errorf("oracle: no templates")
	}
	if missingKey == "" {
		missingKey = "default"
	}
	set := template.New(sources[0].Name).Option("missingkey=" + missingKey)
	if withSprig {
		set = set.Funcs(helmFuncMap())
	}
	for _, src := range sources {
		var t *template.Template
		if src.Name == set.Name() {
			t = set
		} else {
			t = set.New(src.Name)
		}
		if _, err := t.Parse(src.Text); err != nil {
			return "", err
		}
	}
	if exec == "" {
		exec = sources[0].Name
	}
	var out bytes.Buffer
	err := set.ExecuteTemplate(&out, exec, data)
	return out.String(), err
}

func decodeJSON(text []byte) (interface{}, error) {
	var data interface{}
	if err := json.Unmarshal(text, &data); err != nil {
		return nil, err
	}
	return data, nil
}

func decodeYAML(text []byte) (interface{}, error) {
	var data interface{}
	if err := yaml.Unmarshal(text, &data); err != nil {
		return nil, err
	}
	return stringKeys(data), nil
}

// stringKeys converts yaml.v2's map[interface{}]interface{} into map[string]interface{}, deeply.
func stringKeys(v interface{}) interface{} {
	switch v := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(v))
		for k, val := range v {
			m[fmt.Sprint(k)] = stringKeys(val)
		}
		return m
	case map[string]interface{}:
		for k, val := range v {
			v[k] = stringKeys(val)
		}
		return v
	case []interface{}:
		for i, val := range v {
			v[i] = stringKeys(val)
		}
		return v
	default:
		return v
	}
}

// typed describes a decoded value with its Go type (see the batch mode's "data").
func typed(v interface{}) interface{} {
	switch v := v.(type) {
	case nil:
		return nil
	case bool:
		return v
	case string:
		return map[string]interface{}{"s": v}
	case int:
		return map[string]interface{}{"i": strconv.FormatInt(int64(v), 10)}
	case int64:
		return map[string]interface{}{"i": strconv.FormatInt(v, 10)}
	case uint64:
		return map[string]interface{}{"u": strconv.FormatUint(v, 10)}
	case float64:
		return map[string]interface{}{"f": strconv.FormatFloat(v, 'g', -1, 64)}
	case []interface{}:
		items := make([]interface{}, len(v))
		for i, item := range v {
			items[i] = typed(item)
		}
		return map[string]interface{}{"l": items}
	case map[string]interface{}:
		m := make(map[string]interface{}, len(v))
		for k, item := range v {
			m[k] = typed(item)
		}
		return map[string]interface{}{"m": m}
	default:
		return map[string]interface{}{"other": fmt.Sprintf("%T", v)}
	}
}

// untyped is the inverse of typed.
func untyped(v interface{}) (interface{}, error) {
	switch v := v.(type) {
	case nil, bool:
		return v, nil
	case map[string]interface{}:
		for tag, val := range v {
			switch tag {
			case "s":
				s, _ := val.(string)
				return s, nil
			case "i":
				s, _ := val.(string)
				n, err := strconv.ParseInt(s, 10, 64)
				return int(n), err
			case "u":
				s, _ := val.(string)
				return strconv.ParseUint(s, 10, 64)
			case "f":
				s, _ := val.(string)
				return strconv.ParseFloat(s, 64)
			case "l":
				items, _ := val.([]interface{})
				out := make([]interface{}, len(items))
				for i, item := range items {
					var err error
					if out[i], err = untyped(item); err != nil {
						return nil, err
					}
				}
				return out, nil
			case "m":
				entries, _ := val.(map[string]interface{})
				out := make(map[string]interface{}, len(entries))
				for k, item := range entries {
					var err error
					if out[k], err = untyped(item); err != nil {
						return nil, err
					}
				}
				return out, nil
			}
		}
	}
	return nil, fmt.Errorf("bad typed value %v", v)
}

type fmtCall struct {
	Func   string        `json:"func"`
	Format string        `json:"format"`
	Args   []interface{} `json:"args"`
}

func runFmtBatch(path string) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var calls []fmtCall
	if err := json.Unmarshal(text, &calls); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	results := make([]string, 0, len(calls))
	for _, c := range calls {
		args := make([]interface{}, len(c.Args))
		for i, a := range c.Args {
			if args[i], err = untyped(a); err != nil {
				return err
			}
		}
		switch c.Func {
		case "sprint":
			results = append(results, fmt.Sprint(args...))
		case "sprintln":
			results = append(results, fmt.Sprintln(args...))
		default:
			results = append(results, fmt.Sprintf(c.Format, args...))
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(results)
}

func runBatch(path string) error {
	text, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cases []batchCase
	if err := json.Unmarshal(text, &cases); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	results := make([]batchResult, 0, len(cases))
	for _, c := range cases {
		res := batchResult{Name: c.Name}
		var data interface{}
		var derr error
		switch {
		case c.DataJSON != nil:
			data, derr = decodeJSON([]byte(*c.DataJSON))
		case c.DataYAML != nil:
			data, derr = decodeYAML([]byte(*c.DataYAML))
		}
		if derr != nil {
			res.Error = "oracle: data: " + derr.Error()
		} else {
			res.Data = typed(data)
			out, err := render(c.Templates, c.Exec, c.MissingKey, data, c.Sprig)
			res.Output = out
			if !utf8.ValidString(out) {
				res.Base64 = base64.StdEncoding.EncodeToString([]byte(out))
			}
			if err != nil {
				res.Error = err.Error()
			} else {
				res.OK = true
			}
		}
		results = append(results, res)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(results)
}

func main() {
	dataFile := flag.String("data", "", "data file (.json: numbers float64; .yaml/.yml: integers int)")
	missingKey := flag.String("missingkey", "default", "missingkey option: default, zero or error")
	name := flag.String("name", "", "template to execute (default: the first file)")
	batch := flag.String("batch", "", "run the cases of a JSON manifest, print JSON results")
	fmtBatch := flag.String("fmt-batch", "", "run fmt calls from a JSON file, print JSON results")
	withSprig := flag.Bool("sprig", false, "add Sprig's and Helm's functions (toYaml, fromYaml, ...)")
	repeat := flag.Int("repeat", 0, "benchmark: parse and execute N times, print the mean time per run to stderr")
	chartDir := flag.String("chart", "", "chart mode: render the chart directory as Helm's engine does (see chart.go)")
	var valueFiles, sets, apiVersions multiFlag
	flag.Var(&valueFiles, "values", "chart mode: a values file (repeatable)")
	flag.Var(&sets, "set", "chart mode: key=value (repeatable)")
	flag.Var(&apiVersions, "api-version", "chart mode: an extra API version for .Capabilities.APIVersions (repeatable)")
	release := flag.String("release", "release-name", "chart mode: release name")
	namespace := flag.String("namespace", "default", "chart mode: release namespace")
	kubeVersion := flag.String("kube-version", "v1.31.0", "chart mode: Kubernetes version for .Capabilities")
	x509File := flag.String("x509", "", "x509 mode: describe the certificates and keys of a PEM file as JSON (see x509.go)")
	bcryptFile := flag.String("bcrypt-verify", "", "check bcrypt hashes against passwords from a JSON file")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: gotemplate-oracle [--data FILE.json|FILE.yaml] [--missingkey zero|error|default] [--name T] TEMPLATE_FILE...")
		fmt.Fprintln(os.Stderr, "       gotemplate-oracle --batch MANIFEST.json")
		fmt.Fprintln(os.Stderr, "       gotemplate-oracle --fmt-batch CALLS.json")
		fmt.Fprintln(os.Stderr, "       gotemplate-oracle --x509 FILE.pem")
		fmt.Fprintln(os.Stderr, "       gotemplate-oracle --bcrypt-verify CASES.json")
		fmt.Fprintln(os.Stderr, "       gotemplate-oracle --chart DIR [--values FILE]... [--set k=v]... [--release NAME] [--namespace NS] [--kube-version V]")
		flag.PrintDefaults()
	}
	flag.Parse()

	if *chartDir != "" {
		if err := runChart(*chartDir, valueFiles, sets, *release, *namespace, *kubeVersion, apiVersions, *repeat); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if *x509File != "" {
		if err := runX509(*x509File); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	if *bcryptFile != "" {
		if err := runBcryptVerify(*bcryptFile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	if *fmtBatch != "" {
		if err := runFmtBatch(*fmtBatch); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	if *batch != "" {
		if err := runBatch(*batch); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	switch *missingKey {
	case "default", "zero", "error", "invalid":
	default:
		fmt.Fprintf(os.Stderr, "unknown --missingkey %q\n", *missingKey)
		os.Exit(2)
	}

	var data interface{}
	if *dataFile != "" {
		text, err := os.ReadFile(*dataFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ext := strings.ToLower(filepath.Ext(*dataFile))
		if ext == ".yaml" || ext == ".yml" {
			data, err = decodeYAML(text)
		} else {
			data, err = decodeJSON(text)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", *dataFile, err)
			os.Exit(1)
		}
	}
	var sources []source
	for _, file := range flag.Args() {
		text, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		sources = append(sources, source{Name: filepath.Base(file), Text: string(text)})
	}

	if *repeat > 0 {
		start := time.Now()
		for i := 0; i < *repeat; i++ {
			if _, err := render(sources, *name, *missingKey, data, *withSprig); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		elapsed := time.Since(start)
		fmt.Fprintf(os.Stderr, "%d runs, %.1f us per parse+execute\n", *repeat, float64(elapsed.Microseconds())/float64(*repeat))
	}

	out, err := render(sources, *name, *missingKey, data, *withSprig)
	os.Stdout.WriteString(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
