{{- define "shared.name" -}}child-defined-{{ .Chart.Name }}{{- end -}}
{{- define "child.only" -}}child-only-{{ .Values.greeting }}{{- end -}}
