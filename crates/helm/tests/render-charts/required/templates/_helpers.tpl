{{- define "required.password" -}}
{{- required "A valid .Values.password entry required!" .Values.password -}}
{{- end -}}
