{{- define "common.names.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "common.labels" -}}
{{- $labels := dict "app.kubernetes.io/name" .Chart.Name "helm.sh/chart" (printf "%s-%s" .Chart.Name .Chart.Version) -}}
{{- if .Values.labels }}{{- $labels = merge $labels .Values.labels -}}{{- end -}}
{{- toYaml $labels -}}
{{- end -}}
