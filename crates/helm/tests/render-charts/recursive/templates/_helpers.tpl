{{- define "countdown" -}}
{{- if gt (int .) 0 -}}{{ . }},{{ include "countdown" (sub (int .) 1) }}{{- else -}}liftoff{{- end -}}
{{- end -}}
{{- define "tree" -}}
{{ .name }}{{ if .children }}({{ range $i, $c := .children }}{{ if $i }} {{ end }}{{ include "tree" $c }}{{ end }}){{ end }}
{{- end -}}
