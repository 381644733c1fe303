{{- define "shared.name" -}}parent-defined-{{ .Chart.Name }}{{- end -}}
