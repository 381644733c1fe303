{{- define "tpl.helper" -}}helper({{ . }}){{- end -}}
