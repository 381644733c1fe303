{{- define "vpcTags" -}}
{{- $tags := list -}}
{{- range $k, $v := .Values.vpcTags -}}
{{- $tags = append $tags (printf "%s=%s" $k $v) -}}
{{- end -}}
{{- join "," $tags -}}
{{- end -}}
