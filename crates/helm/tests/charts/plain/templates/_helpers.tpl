{{- define "plain.fullname" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}
