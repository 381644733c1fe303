{{- define "component.api" -}}api-{{ .root.Values.flavor }}-{{ .index }}{{- end -}}
{{- define "component.worker" -}}worker-{{ .root.Values.flavor }}-{{ .index }}{{- end -}}
{{- define "size.small" }}cpu: 100m{{ end -}}
