{{- define "common.labels" -}}team: {{ .Values.global.labels.team }}{{- end -}}
