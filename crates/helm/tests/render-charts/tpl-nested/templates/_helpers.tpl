{{- define "nested.helper" -}}helper:{{ tpl .Values.inner . }}{{- end -}}
